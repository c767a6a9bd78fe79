"""What every resource shares on the wire: camelCase aliases, lenient responses, strict inputs,
the error body, offset/limit paging, and one cached decoder per response type."""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import Any, ClassVar, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationInfo, field_validator
from pydantic.alias_generators import to_camel
from pydantic.dataclasses import dataclass

from tools.sanitize import LINKS, PROSE, clean, clean_links, clean_prose

WIRE = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="ignore", defer_build=True)
"""Responses: camelCase on the wire, unknown fields ignored (the API grows)."""


class View(BaseModel):
    """Output models (what the fronts show). Built on first use, so a process pays only for what it shows.

    Every string a view holds passes the sanitizer (``tools.sanitize``) as the view is built: API
    text reaches a model or a channel only this way. Fields marked ``Prose`` (advisory free text)
    follow the process's policy; fields marked ``Links`` keep only a few web URLs.
    """

    model_config = ConfigDict(defer_build=True)
    prose_fields: ClassVar[frozenset[str]] = frozenset()
    link_fields: ClassVar[frozenset[str]] = frozenset()

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        marked = {name: info.metadata for name, info in cls.model_fields.items()}
        cls.prose_fields = frozenset(n for n, meta in marked.items() if PROSE in meta)
        cls.link_fields = frozenset(n for n, meta in marked.items() if LINKS in meta)

    @field_validator("*", mode="after")
    @classmethod
    def _sanitized(cls, value: Any, info: ValidationInfo) -> Any:
        if isinstance(value, str):
            return clean_prose(value) if info.field_name in cls.prose_fields else clean(value)
        if isinstance(value, list) and value and isinstance(value[0], str):
            return clean_links(value) if info.field_name in cls.link_fields else [clean(v) for v in value]
        return value


class InputModel(BaseModel):
    """Inputs: camelCase on the wire, snake_case in Python, strict about unknown fields."""

    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=True, extra="forbid", str_strip_whitespace=True, defer_build=True
    )
    # Fields that change how an answer is delivered, not what is done: a confirmation is not bound to them.
    unbound: ClassVar[frozenset[str]] = frozenset()


# Response models are slotted pydantic dataclasses: a listed item costs about a fifth of the
# memory of a BaseModel tree and decodes twice as fast (see benchmarks/client_vs_sdk.py).


@dataclass(slots=True, config=WIRE)
class ApiErrorMessage:
    error_code: str | None = None
    message: str | None = None


@dataclass(slots=True, config=WIRE)
class ApiErrorBody:
    http_status: int | None = None
    messages: list[ApiErrorMessage] | None = None


@dataclass(slots=True, config=WIRE)
class ResourceMetadata:
    created_by: str | None = None
    created_by_user_id: str | None = None
    created_date: datetime | None = None
    state: str | None = None
    last_modified_by: str | None = None
    last_modified_by_user_id: str | None = None
    last_modified_date: datetime | None = None


@dataclass(slots=True, config=WIRE)
class OffsetLinks:
    """``_links`` of the offset/limit lists (tokens say ``previous``, the others ``prev``)."""

    next: str | None = None
    prev: str | None = None
    previous: str | None = None
    self_: str | None = Field(default=None, alias="self")


T = TypeVar("T")


@dataclasses.dataclass(slots=True)
class Page(Generic[T]):
    """One page of an offset/limit list; ``next_offset`` is None on the last page."""

    items: list[T] = dataclasses.field(default_factory=list)
    next_offset: int | None = None
    total: int | None = None


def next_offset(offset: int, limit: int, count: int, links: OffsetLinks | None, total: int | None) -> int | None:
    """Where the next page starts, or None: a short page, an empty ``next`` link or the total reached."""
    if count < limit or count == 0:
        return None
    if total is not None and offset + count >= total:
        return None
    if links is not None and not links.next:
        return None
    return offset + count


_ADAPTERS: dict[object, TypeAdapter[Any]] = {}


def adapter(kind: type[T]) -> TypeAdapter[T]:
    """One cached ``TypeAdapter`` per response type."""
    found = _ADAPTERS.get(kind)
    if found is None:
        found = _ADAPTERS[kind] = TypeAdapter(kind)
    return found


def decode(kind: type[T], raw: bytes) -> T:
    """Validate JSON bytes straight into ``kind`` (raises pydantic ``ValidationError``)."""
    return adapter(kind).validate_json(raw)


def to_wire(value: object) -> Any:
    """A response object back to its JSON-able camelCase form."""
    return adapter(type(value)).dump_python(value, mode="json", by_alias=True)

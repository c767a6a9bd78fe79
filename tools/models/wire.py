"""What every resource shares on the wire: camelCase aliases, lenient responses, strict inputs,
the error body, offset/limit paging, and one cached decoder per response type."""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Callable
from datetime import datetime
from typing import Any, ClassVar, Generic, TypeVar, Union

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, TypeAdapter
from pydantic.alias_generators import to_camel
from pydantic.dataclasses import dataclass

from tools.sanitize import LINKS, PROSE, clean, clean_links, clean_prose

WIRE = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="ignore", defer_build=True)
"""Responses: camelCase on the wire, unknown fields ignored (the API grows)."""


class View(BaseModel):
    """Output models (what the fronts show). Built on first use, so a process pays only for what it shows.

    Every string a view holds passes the sanitizer (``tools.sanitize``) as the view is built: API
    text reaches a model or a channel only this way. Each field that can hold text (``str``, lists
    and dict keys of it, optional or not) gets its cleaner when the class is made, so pydantic calls
    it for those fields only. Fields marked ``PROSE`` (advisory free text) follow the process's
    policy; fields marked ``LINKS`` keep only a few web URLs.
    """

    model_config = ConfigDict(defer_build=True)

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        for info in cls.model_fields.values():
            cleaner = cleaner_for(info.annotation, info.metadata)
            if cleaner is not None and not any(isinstance(m, Sanitized) for m in info.metadata):
                info.metadata.append(Sanitized(cleaner))


class Sanitized(AfterValidator):
    """The sanitizer step a ``View`` adds to a text field (a test finds it on every one)."""


def cleaner_for(annotation: Any, metadata: list[Any]) -> Callable[[Any], Any] | None:
    """The sanitizer for one field's type, or None when it holds no text (numbers, dates, our Literals)."""
    args = typing.get_args(annotation)
    if typing.get_origin(annotation) in (Union, types.UnionType) and type(None) in args:
        inner = [a for a in args if a is not type(None)]
        one = cleaner_for(inner[0], metadata) if len(inner) == 1 else None
        return None if one is None else _OPTIONAL.get(one, lambda value: value if value is None else one(value))
    if annotation is str:
        return clean_prose if PROSE in metadata else clean
    if typing.get_origin(annotation) is list and args == (str,):
        return clean_links if LINKS in metadata else _clean_each
    if typing.get_origin(annotation) is dict and args and args[0] is str:
        return _clean_keys
    return None


def _clean_optional(value: str | None) -> str | None:
    return value if value is None else clean(value)


def _clean_each(values: list[str]) -> list[str]:
    return [clean(v) for v in values]


def _clean_keys(mapping: dict[str, Any]) -> dict[str, Any]:
    return {clean(k): v for k, v in mapping.items()}


_OPTIONAL: dict[Callable[[Any], Any], Callable[[Any], Any]] = {clean: _clean_optional}  # the common case, one call


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

"""What a confirmable change is made of, and the one answer it gives, whatever happened.

``Confirmable`` is the little the engine knows of an operation (its name, how to prepare a change,
which fields name the target): the catalogue's ``Operation`` is one, and the engine never imports
the catalogue. ``ConfirmResult`` is the answer on both fronts, and the MCP output schema.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any, Generic, Literal, Protocol, TypeVar

from pydantic import BaseModel, Field, SerializeAsAny, WithJsonSchema

from tools.confirmation.claims import Claims
from tools.confirmation.previews import FieldChange, Preview, Target
from tools.models import InputModel, View

if TYPE_CHECKING:
    from tools.client import RegistryClient

Status = Literal[
    "executed",
    "created",
    "unchanged",
    "already_deleting",
    "confirmation_required",
    "declined",
    "pending_approval",
    "pending_confirmation",
]
R = TypeVar("R", bound=BaseModel)


class ConfirmResult(View, Generic[R]):
    """The answer of a confirmable call, whatever happened (``result`` has its get_ tool's fields)."""

    status: Annotated[Status, WithJsonSchema({"type": "string"})]  # a plain string to clients, as it always was
    message: str
    preview: Preview | None = None
    changes: list[FieldChange] = Field(default_factory=list)
    result: SerializeAsAny[R] | None = None
    confirmation_token: str | None = None
    expires_at: datetime | None = None

    def lines(self) -> list[str]:
        out = [self.message]
        if self.preview is not None:
            out += self.preview.lines()
        out += [f"  {c.line()}" for c in self.changes if self.preview is None]
        if self.confirmation_token:
            out.append(f"confirmation_token: {self.confirmation_token} (single use, until {self.expires_at})")
        if self.result is not None and self.preview is None and hasattr(self.result, "lines"):
            out += self.result.lines()
        return out

    @property
    def executed(self) -> bool:
        return self.status in ("executed", "created")


@dataclass(frozen=True)
class Pinned:
    """The ids a confirmation is bound to: execution re-reads these, whatever the request's refs say."""

    registry_id: str
    target_id: str


@dataclass
class Applied:
    message: str
    result: BaseModel | None = None
    status: Status = "executed"


@dataclass
class Change:
    """One prepared change: on what, what a person would see, why it is risky, and how to make it."""

    target: Target
    preview: Preview | None
    apply: Callable[[], Awaitable[Applied]]
    risks: list[str] = field(default_factory=list)
    changes: list[FieldChange] = field(default_factory=list)
    done: ConfirmResult[Any] | None = None  # nothing to call: unchanged, already being deleted
    creates: bool = False  # a PUT on an unknown id: a create, needs no confirmation
    current: BaseModel | None = None  # the target now, shown when a plan went stale

    @property
    def fields(self) -> list[str]:
        return [c.field for c in self.changes] or ["deleted"]


Preparer = Callable[["RegistryClient", Any, Pinned | None, datetime], Awaitable[Change]]


class Confirmable(Protocol):
    """What the engine needs of an operation."""

    @property
    def name(self) -> str: ...
    @property
    def input(self) -> type[InputModel]: ...
    @property
    def prepare(self) -> Preparer | None: ...
    @property
    def protect(self) -> Literal["refuse", "confirm"]: ...
    @property
    def refs(self) -> tuple[str, ...]: ...

    def target_refs(self, inp: Any) -> tuple[str, str | None]: ...


@dataclass(frozen=True)
class Plan:
    claims: Claims
    preview: Preview
    token: str


@dataclass(frozen=True)
class Ready:
    """A change that needs no confirmation: the front runs it with ``Confirmer.proceed``."""

    op: Confirmable
    change: Change


def args_digest(op: Confirmable, inp: InputModel) -> str:
    """The request minus the references to the target (those are checked against the ids)."""
    body = json.dumps(inp.model_dump(mode="json", exclude=set(op.refs) | type(inp).unbound), sort_keys=True)
    return hashlib.sha256(body.encode()).hexdigest()[:32]

"""The declaration types: each operation declared once, as data, by keyword.

The MCP tools (names, annotations, schemas, descriptions, toolsets) and the Slack subcommands
(grammar, usage, help, dispatch) are derived from these declarations by the fronts; nothing about
an operation is written twice. Which changes need a person's yes is decided by each operation's
``prepare`` and the confirmation engine, per operation and per change, never by a front.

Handlers are typed against ``Services``, the fields the application (``tools.app.Core``) extends:
the catalogue never imports the application.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, Generic, Literal, TypeVar

from pydantic import BaseModel

from tools import metrics
from tools.advisories import Advisories
from tools.audit import AuditLog, Outcome
from tools.client import RegistryClient
from tools.confirmation import Confirmer, Preparer
from tools.follow import Followed, Followers, Progress
from tools.logs import bind_actor
from tools.models import InputModel
from tools.people import Caller
from tools.watch import Watch

In = TypeVar("In", bound=InputModel)
Out = TypeVar("Out", bound=BaseModel)


class Kind(StrEnum):
    READ = "read"
    WRITE = "write"  # runs at once; with a ``prepare`` it may still need a person's yes (risky changes)
    CONFIRMED = "confirmed"  # always a person's yes (delete, replace)


@dataclass
class Services:
    """What every operation runs on: the application (``tools.app.Core``) is one, built complete."""

    client: RegistryClient
    audit: AuditLog
    confirmer: Confirmer
    followers: Followers
    watch: Watch
    advisories: Advisories
    wait_timeout: float = 300.0

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.confirmer.clock(), UTC)


Handler = Callable[[Services, In, Caller], Awaitable[Out]]
TargetRefs = Callable[[Any], tuple[str, str | None]]


def registry_refs(inp: Any) -> tuple[str, str | None]:
    """Most operations act on the registry their ``registry`` field names."""
    return str(getattr(inp, "registry", "") or ""), None


@dataclass(frozen=True, kw_only=True)
class Resource:
    """A kind of thing operations act on. ``toolset``: the MCP toolset (``--toolsets``) its tools come
    in; None offers them with every toolset (where a request may stand, whichever tool made it)."""

    name: str
    toolset: str | None


@dataclass(frozen=True, kw_only=True)
class Follows:
    """An operation whose answer may leave a registry changing (provisioning, deleting).

    ``target``: from the answer, the registry still changing, or None when it has settled.
    ``settle``: the same answer, brought up to date with where the registry got to.
    """

    target: Callable[[Any], Followed | None]
    settle: Callable[[Any, Progress], BaseModel]


FlagKind = Literal["value", "int", "list", "items", "true", "false"]


@dataclass(frozen=True, kw_only=True)
class Flag:
    """One Slack flag: ``--gc-days mon,thu`` fills the input field ``gc_days``.

    ``kind``: ``value`` (one word), ``int``, ``list`` (comma-separated; ``none`` is empty),
    ``items`` (repeatable), ``true``/``false`` (no value: sets the field). ``metavar`` and ``help``
    are what usage and help show; ``required`` flags are checked before the model validates.
    """

    field: str
    flag: str
    kind: FlagKind = "value"
    metavar: str = ""
    help: str = ""
    required: bool = False

    def usage(self) -> str:
        text = f"{self.flag} {self.metavar}" if self.metavar else self.flag
        return text if self.required else f"[{text}]"


@dataclass(frozen=True, kw_only=True)
class SlackForm:
    """The operation as ``/registry WORDS POSITIONAL [--flags]``.

    ``positional`` are input fields in order, shown as ``metavars``; ``optional`` lets the last one
    be left out. ``aliases`` are other words for the same subcommand. ``help`` is the one-line
    summary in Slack's words (the operation's ``summary`` is for assistants). ``presets`` are fields
    this form fixes (``tokens disable`` is ``update_token`` with status disabled).
    """

    words: tuple[str, ...]
    positional: tuple[str, ...] = ()
    metavars: tuple[str, ...] = ()
    flags: tuple[Flag, ...] = ()
    aliases: tuple[str, ...] = ()
    optional: bool = False
    help: str = ""
    presets: tuple[tuple[str, Any], ...] = ()

    def usage(self) -> str:
        parts = ["/registry", *self.words]
        last = len(self.metavars) - 1
        parts += [f"[{m}]" if self.optional and i == last else m for i, m in enumerate(self.metavars)]
        parts += [f.usage() for f in self.flags]
        return " ".join(parts)


@dataclass(frozen=True, kw_only=True)
class Operation(Generic[In, Out]):
    """One operation, as both fronts offer it.

    - ``name``: the MCP tool's name (``verb_resource``), also the audit's operation.
    - ``resource``: what it acts on, and so its MCP toolset.
    - ``kind``: READ; WRITE (runs at once, unless its ``prepare`` finds a risk); CONFIRMED (always a
      person's yes).
    - ``input``/``output``: the models; the tool's schemas and Slack's validation come from them.
    - ``summary``: the tool's description, for assistants. ``title``: its human title.
    - ``method``: the HTTP method it ends in (POST is not idempotent).
    - ``slack``: its Slack form; ``more_slack``: further forms (presets such as ``tokens disable``).
    - ``run``: the handler, for operations that need no preview. ``prepare``: for those that may
      need one, reads the current state and returns a ``Change`` for the confirmation engine.
      Exactly one of the two.
    - ``protect``: on a resource in ``REGISTRY_PROTECTED``, ``refuse`` it or ``confirm`` it.
    - ``refs``: the input fields that name the target (a confirmation is bound to ids, not to
      these); ``target_refs`` reads (registry, target) from an input.
    - ``follows``: how to follow an answer that leaves a registry changing.
    """

    name: str
    resource: Resource
    kind: Kind
    input: type[In]
    output: type[Out]
    summary: str
    method: str
    slack: SlackForm
    title: str = ""
    run: Handler[In, Out] | None = None
    prepare: Preparer | None = None
    protect: Literal["refuse", "confirm"] = "confirm"
    refs: tuple[str, ...] = ("registry",)
    target_refs: TargetRefs = field(default=registry_refs)
    more_slack: tuple[SlackForm, ...] = ()
    follows: Follows | None = None

    def __post_init__(self) -> None:
        if (self.run is None) == (self.prepare is None):
            raise ValueError(f"operation {self.name} needs exactly one of run or prepare")
        if self.kind is Kind.CONFIRMED and self.prepare is None:
            raise ValueError(f"confirmed operation {self.name} needs a prepare")

    @property
    def writes(self) -> bool:
        return self.kind is not Kind.READ

    @property
    def may_confirm(self) -> bool:
        return self.prepare is not None

    @property
    def idempotent(self) -> bool:
        return self.method != "POST"

    def named(self, inp: Any) -> str | None:
        """The registry (or new name) a call is about, as given: what a refusal's audit record names."""
        ref = self.target_refs(inp)[0] if self.refs else (getattr(inp, "registry", None) or getattr(inp, "name", None))
        return str(ref) if ref else None

    async def call(self, core: Services, inp: In, caller: Caller) -> Out:
        """Run a read or a write that needs no preview, the way every front does: the actor named
        in the logs, reads counted (mutations are counted from their audit records)."""
        assert self.run is not None, f"{self.name} is prepared, not run: use the confirmer"
        bind_actor(caller.actor)
        await core.confirmer.limiter.admit(caller, self.name, self.named(inp), write=self.writes)
        if self.kind is not Kind.READ:
            return await self.run(core, inp, caller)
        try:
            out = await self.run(core, inp, caller)
        except Exception:
            metrics.count_operation(caller.front, self.name, Outcome.FAILED.value)
            raise
        metrics.count_operation(caller.front, self.name, Outcome.EXECUTED.value)
        return out


AnyOperation = Operation[Any, Any]


def catalogue_of(*groups: Iterable[AnyOperation]) -> dict[str, AnyOperation]:
    """The operations by name, in the order given (tools are listed so)."""
    out: dict[str, AnyOperation] = {}
    for op in (op for group in groups for op in group):
        if op.name in out:
            raise ValueError(f"operation {op.name} is declared twice")
        out[op.name] = op
    return out

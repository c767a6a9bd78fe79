"""Each operation declared once: name, resource, kind, input, output, description, handler, preview.

The MCP tools (names, annotations, schemas, descriptions) and the Slack subcommands (grammar,
usage, help, dispatch) are derived from these declarations by the fronts; nothing about an
operation is written twice. Which changes need a person's yes is decided here and in
``confirm``, per operation and per change, never by a front.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel

from tools import metrics
from tools.advisories import Advisories
from tools.approvals import Approvals
from tools.audit import AuditLog, Outcome
from tools.client import RegistryClient
from tools.config import SafetySettings
from tools.confirm import Confirmer
from tools.follow import Followed, Followers, Progress
from tools.logs import bind_actor
from tools.models import InputModel
from tools.people import Caller
from tools.state import StateStore
from tools.watch import Watch

if TYPE_CHECKING:
    from tools.confirm import Change, Pinned


class Kind(StrEnum):
    READ = "read"
    WRITE = "write"  # runs at once; with a ``prepare`` it may still need a person's yes (risky changes)
    CONFIRMED = "confirmed"  # always a person's yes (delete, replace)


@dataclass
class Core:
    """What every operation runs on: the one client, the audit log and the confirmation engine."""

    client: RegistryClient
    audit: AuditLog
    confirmer: Confirmer
    followers: Followers
    watch: Watch
    advisories: Advisories
    wait_timeout: float = 300.0

    @classmethod
    def build(
        cls,
        client: RegistryClient,
        audit: AuditLog,
        safety: SafetySettings,
        *,
        clock: Callable[[], float] | None = None,
        store: StateStore | None = None,
        followers: Followers | None = None,
    ) -> Core:
        confirmer = Confirmer(client, audit, safety, store=store, **({"clock": clock} if clock else {}))
        confirmer.approvals = Approvals(
            confirmer.store,
            safety.approval_patterns,
            safety.registry_approval_ttl,
            safety.registry_approval_channel,
        )
        audit.listeners.append(metrics.count_audit)
        watch = Watch(
            client, confirmer.store, token_days=safety.registry_watch_token_days, protected=safety.protected_patterns
        )
        return cls(
            client,
            audit,
            confirmer,
            followers or Followers(client),
            watch,
            Advisories(client),
            safety.registry_wait_timeout,
        )

    @property
    def store(self) -> StateStore:
        return self.confirmer.store

    async def health(self) -> dict[str, str]:
        """What /healthz reports: the shared store's state (reads never need it)."""
        return {"store": self.store.name, "state": "ok" if await self.store.ping() else "degraded"}

    def warm(self) -> None:
        """Build now what the first request would build: the client's transport, every input and output
        model (they build on first use, which keeps a CLI's cold start short, but a server taking
        concurrent traffic would stall its event loop for that first use)."""
        self.client.warm()
        for op in CATALOGUE.values():
            op.input.model_rebuild()
            op.output.model_rebuild()

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.confirmer.clock(), UTC)

    def refuse(self, op: Operation, inp: Any, caller: Caller, detail: str) -> None:
        """Audit an attempt a front refused before it reached the core (a Slack reader trying to write)."""
        ref = op.target_refs(inp)[0] if op.refs else (getattr(inp, "registry", None) or getattr(inp, "name", None))
        self.audit.record(
            front=caller.front,
            actor=caller.actor,
            email=caller.email,
            operation=op.name,
            outcome=Outcome.DENIED,
            registry_name=str(ref) if ref else None,
            detail=detail,
        )


Handler = Callable[["Core", Any, Caller], Awaitable[BaseModel]]


@dataclass(frozen=True)
class Follows:
    """An operation whose answer may leave a registry changing (provisioning, deleting).

    ``target``: from the answer, the registry still changing, or None when it has settled.
    ``settle``: the same answer, brought up to date with where the registry got to.
    """

    target: Callable[[BaseModel], Followed | None]
    settle: Callable[[BaseModel, Progress], BaseModel]


Preparer = Callable[[RegistryClient, Any, "Pinned | None", datetime], Awaitable["Change"]]
TargetRefs = Callable[[Any], tuple[str, str | None]]


def registry_refs(inp: Any) -> tuple[str, str | None]:
    """Most operations act on the registry their ``registry`` field names."""
    return str(getattr(inp, "registry", "") or ""), None


FlagKind = Literal["value", "int", "list", "items", "true", "false"]


@dataclass(frozen=True)
class Flag:
    """One Slack flag: ``--gc-days mon,thu`` fills the input field ``gc_days``."""

    field: str
    flag: str
    kind: FlagKind = "value"
    metavar: str = ""
    help: str = ""
    required: bool = False

    def usage(self) -> str:
        text = f"{self.flag} {self.metavar}" if self.metavar else self.flag
        return text if self.required else f"[{text}]"


@dataclass(frozen=True)
class SlackForm:
    """The operation as ``/registry WORDS POSITIONAL [--flags]``."""

    words: tuple[str, ...]
    positional: tuple[str, ...] = ()
    metavars: tuple[str, ...] = ()
    flags: tuple[Flag, ...] = ()
    aliases: tuple[str, ...] = ()
    optional: bool = False  # the last positional may be left out
    help: str = ""  # the one-line summary in Slack's words (the operation's summary is for assistants)
    presets: tuple[tuple[str, Any], ...] = ()  # fields this form fixes (``tokens disable`` = status disabled)

    def usage(self) -> str:
        parts = ["/registry", *self.words]
        last = len(self.metavars) - 1
        parts += [f"[{m}]" if self.optional and i == last else m for i, m in enumerate(self.metavars)]
        parts += [f.usage() for f in self.flags]
        return " ".join(parts)


@dataclass(frozen=True)
class Operation:
    name: str
    resource: str
    kind: Kind
    input: type[InputModel]
    output: type[BaseModel]
    summary: str
    method: str
    slack: SlackForm
    title: str = ""
    run: Handler | None = None
    prepare: Preparer | None = None
    protect: Literal["refuse", "confirm"] = "confirm"
    refs: tuple[str, ...] = ("registry",)
    target_refs: TargetRefs = registry_refs
    more_slack: tuple[SlackForm, ...] = ()
    follows: Follows | None = None

    @property
    def writes(self) -> bool:
        return self.kind is not Kind.READ

    @property
    def may_confirm(self) -> bool:
        return self.prepare is not None

    @property
    def idempotent(self) -> bool:
        return self.method != "POST"

    async def call(self, core: Core, inp: Any, caller: Caller) -> BaseModel:
        """Run a read or a write that needs no preview, the way every front does: the actor named
        in the logs, reads counted (mutations are counted from their audit records)."""
        assert self.run is not None, f"{self.name} is prepared, not run: use the confirmer"
        bind_actor(caller.actor)
        if self.kind is not Kind.READ:
            return await self.run(core, inp, caller)
        try:
            out = await self.run(core, inp, caller)
        except Exception:
            metrics.count_operation(caller.front, self.name, Outcome.FAILED.value)
            raise
        metrics.count_operation(caller.front, self.name, Outcome.EXECUTED.value)
        return out


CATALOGUE: dict[str, Operation] = {}


def declare(*operations: Operation) -> None:
    for op in operations:
        if op.name in CATALOGUE:
            raise ValueError(f"operation {op.name} is declared twice")
        if (op.run is None) == (op.prepare is None):
            raise ValueError(f"operation {op.name} needs exactly one of run or prepare")
        if op.kind is Kind.CONFIRMED and op.prepare is None:
            raise ValueError(f"confirmed operation {op.name} needs a prepare")
        CATALOGUE[op.name] = op

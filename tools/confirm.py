"""plan → preview → a person's yes → execute once. One engine for every confirmed change, both fronts.

An operation's ``prepare`` reads the current state and returns a ``Change``: the target, the
preview, the risks and how to apply it. The engine decides: nothing to do, run at once (no
risk), refuse (protected, or this caller may not confirm), or a ``Plan`` whose token binds the
operation, the target, the fingerprint of the state the person saw, the exact arguments, the
person and an expiry. ``execute`` re-checks all of it right before the call and runs a plan at
most once. A refusal for the arguments or the target does not use the confirmation up; only a
call that reaches the API, or finds the state changed, does.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Generic, Literal, TypeVar

from pydantic import BaseModel, SerializeAsAny

from tools import metrics
from tools.audit import AuditLog, Outcome, audited
from tools.client import RegistryClient
from tools.config import SafetySettings
from tools.errors import NotFoundError, RegistryError
from tools.globs import matching
from tools.logs import bind_actor
from tools.models import InputModel
from tools.people import Caller
from tools.previews import FieldChange, Preview, Target
from tools.resolve import registry_name_of
from tools.state import MemoryStore, StateStore, StoreUnavailableError
from tools.tokens import Claims, TokenSigner

if TYPE_CHECKING:
    from tools.approvals import Approvals
    from tools.operations.catalogue import Operation

Status = Literal[
    "executed", "created", "unchanged", "already_deleting", "confirmation_required", "declined", "pending_approval"
]
R = TypeVar("R", bound=BaseModel)


class ConfirmationError(RegistryError):
    """The plan may not run: expired, denied, or the target changed (``current`` shows it now)."""

    def __init__(
        self,
        message: str,
        *,
        outcome: Outcome,
        reason: str = "denied",
        current: BaseModel | None = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(message, hint=hint or "Ask again to get a fresh preview.")
        self.outcome = outcome
        # invalid, expired, other_actor, other_target, protected, used, stale, arguments, safe_only
        self.reason = reason
        self.current = current


class ConfirmResult(BaseModel, Generic[R]):
    """The answer of a confirmable call, whatever happened."""

    status: Status
    message: str
    preview: Preview | None = None
    changes: list[FieldChange] = []
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


@dataclass(frozen=True)
class Plan:
    claims: Claims
    preview: Preview
    token: str


@dataclass(frozen=True)
class Ready:
    """A change that needs no confirmation: the front runs it with ``Confirmer.proceed``."""

    op: Operation
    change: Change


def args_digest(op: Operation, inp: InputModel) -> str:
    """The request minus the references to the target (those are checked against the ids)."""
    body = json.dumps(inp.model_dump(mode="json", exclude=set(op.refs) | type(inp).unbound), sort_keys=True)
    return hashlib.sha256(body.encode()).hexdigest()[:32]


def resource_of(target: Target) -> str | None:
    return None if target.kind == "registry" else f"{target.kind}:{target.name}"


class Confirmer:
    def __init__(
        self,
        client: RegistryClient,
        audit: AuditLog,
        settings: SafetySettings,
        *,
        clock: Callable[[], float] = time.time,
        store: StateStore | None = None,
    ) -> None:
        self.client = client
        self.audit = audit
        secret = settings.registry_confirm_secret
        self.signer = TokenSigner(secret.get_secret_value().encode() if secret else secrets.token_bytes(32))
        self.ttl = settings.registry_confirm_ttl
        self.protected = settings.protected_patterns
        self.clock = clock
        # Used confirmations: shared by every replica when the store is Redis/Valkey.
        self.store: StateStore = store if store is not None else MemoryStore()
        self.approvals: Approvals | None = None  # four eyes (REGISTRY_APPROVAL_REQUIRED), set by Core.build

    def protection(self, key: str) -> str | None:
        """The REGISTRY_PROTECTED glob matching ``key`` (``registry`` or ``registry/repository``); a
        pattern that names a registry covers everything in it."""
        return matching(self.protected, key)

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.clock(), UTC)

    # ------------------------------------------------------------ planning

    async def start(self, op: Operation, inp: InputModel, caller: Caller) -> Plan | Ready | ConfirmResult[Any]:
        """Prepare the change: an answer (nothing to do), a change ready to run, a refusal, or a plan to confirm."""
        bind_actor(caller.actor)
        change = await self._prepare(op, inp, None, caller, self.now())
        if change.done is not None:
            return change.done
        target, risks = change.target, list(change.risks)
        pattern = None if change.creates else self.protection(target.protection_key)
        if pattern is not None:
            if op.protect == "refuse":
                self._deny(op.name, target, caller, f"protected by {pattern}")
                raise ConfirmationError(
                    f"{target.protection_key} is protected (REGISTRY_PROTECTED matches {pattern!r}): "
                    f"no front may run {op.name} on it",
                    outcome=Outcome.DENIED,
                    reason="protected",
                    hint="Ask an administrator to change REGISTRY_PROTECTED if this is really intended.",
                )
            risks.append(f"{target.protection_key} is protected (REGISTRY_PROTECTED matches {pattern!r})")
        if not risks:
            return Ready(op, change)
        if caller.safe_only:
            self._deny(op.name, target, caller, "needs confirmation; destructive changes are disabled")
            raise ConfirmationError(
                f"refused: this change needs a person's confirmation ({'; '.join(risks)}), and this server "
                "runs with --disable-destructive; nothing changed",
                outcome=Outcome.DENIED,
                reason="safe_only",
                hint="Ask the operator, or make the change from Slack or a server without --disable-destructive.",
            )
        why_not = self.approvals.unapprovable(target, caller) if self.approvals is not None else None
        if why_not is not None:
            self._deny(op.name, target, caller, "four eyes: the requester cannot be told apart from approvers")
            raise ConfirmationError(
                f"refused: {why_not}; nothing changed",
                outcome=Outcome.DENIED,
                reason="unidentified",
                hint="Make this change from Slack, or through MCP signed in with OAuth (REGISTRY_MCP_OAUTH_ISSUER), "
                "whose access token carries your e-mail.",
            )
        assert change.preview is not None, f"{op.name}: a risky change needs a preview"
        warnings = list(dict.fromkeys([*risks, *change.preview.warnings]))
        preview = change.preview.model_copy(update={"warnings": warnings})
        return self._plan(op, inp, target, preview, caller.actor)

    async def proceed(self, ready: Ready, caller: Caller) -> ConfirmResult[Any]:
        return await self._apply(ready.op, ready.change, caller)

    async def run(self, op: Operation, inp: InputModel, caller: Caller) -> Plan | ConfirmResult[Any]:
        """``start`` and, when no confirmation is needed, ``proceed``: for fronts that ask in a later request."""
        started = await self.start(op, inp, caller)
        return await self.proceed(started, caller) if isinstance(started, Ready) else started

    def _plan(self, op: Operation, inp: InputModel, target: Target, preview: Preview, actor: str) -> Plan:
        claims = Claims(
            op.name,
            target.registry_id,
            target.registry_name,
            target.fingerprint,
            args_digest(op, inp),
            actor,
            int(self.clock() + self.ttl),
            secrets.token_urlsafe(12),
            target.id,
            target.name,
            int(self.clock()),
        )
        metrics.count_confirmation("issued")
        return Plan(claims=claims, preview=preview, token=self.signer.sign(claims))

    def confirmation_needed(self, plan: Plan) -> ConfirmResult[Any]:
        return ConfirmResult(
            status="confirmation_required",
            message=f"Show this preview to the person and ask them to confirm {plan.claims.operation} of "
            f"{plan.claims.confirm_name}; then call again with the same arguments and confirmation_token.",
            preview=plan.preview,
            confirmation_token=plan.token,
            expires_at=datetime.fromtimestamp(plan.claims.expires_at, UTC),
        )

    # ------------------------------------------------------------ tokens

    def open(self, token: str, *, op: Operation, caller: Caller, ref: str | None = None) -> Claims:
        """Verify a token's signature and that it is for ``op``; refused (and audited) otherwise."""
        claims = self.signer.verify(token)
        if claims is None or claims.operation != op.name:
            self.refused_token(token, op.name, caller, ref)
            raise ConfirmationError(
                f"that is not a valid confirmation token for {op.name}", outcome=Outcome.DENIED, reason="invalid"
            )
        return claims

    def refused_token(self, token: str, operation: str, caller: Caller, ref: str | None) -> None:
        """Audit a tampered or invalid token, naming the registry the call targeted."""
        peeked = TokenSigner.peek(token)
        self.audit.record(
            front=caller.front,
            actor=caller.actor,
            email=caller.email,
            operation=peeked.operation if peeked and operation == "confirm" else operation,
            outcome=Outcome.DENIED,
            registry_id=peeked.registry_id if peeked else None,
            registry_name=(peeked.registry_name if peeked else None) or ref,
            detail="invalid confirmation token (signature check failed)",
        )

    def validate(self, token: str, *, caller: Caller) -> Claims:
        """Check a token without using it (signature, expiry, person, protection): before a modal opens."""
        claims = self.signer.verify(token)
        if claims is None:
            self.refused_token(token, "confirm", caller, None)
            raise ConfirmationError("that confirmation is not valid", outcome=Outcome.DENIED, reason="invalid")
        self._check(claims, caller)
        return claims

    # ------------------------------------------------------------ execution

    def decline(self, claims: Claims, *, caller: Caller, reason: str) -> ConfirmResult[Any]:
        self._record(claims, caller, Outcome.DECLINED, reason)
        return ConfirmResult(status="declined", message=f"Nothing changed: {reason}.")

    def deny(self, claims: Claims, *, caller: Caller, reason: str) -> None:
        """Record that a plan could not be put to a person (fail closed); the front says why."""
        self._record(claims, caller, Outcome.DENIED, reason)

    async def execute(
        self,
        claims: Claims,
        op: Operation,
        inp: InputModel,
        *,
        caller: Caller,
        typed_name: str | None = None,
        require_typed_name: bool = False,
    ) -> ConfirmResult[Any]:
        """Run the planned change once, if and only if every check still holds."""
        bind_actor(caller.actor)
        self._check(claims, caller)
        self._check_request(claims, op, inp, caller)
        if require_typed_name and not claims.name_matches(typed_name):
            return self.decline(claims, caller=caller, reason=f"the typed name did not match {claims.confirm_name!r}")
        await self._refuse_if_used(claims, caller)
        try:
            issued = datetime.fromtimestamp(claims.issued_at, UTC) if claims.issued_at else self.now()
            change = await self._prepare(op, inp, Pinned(claims.registry_id, claims.target_id), caller, issued)
        except NotFoundError:
            await self._claim_once(claims, caller)
            self._record(claims, caller, Outcome.STALE, "no longer exists")
            raise ConfirmationError(
                f"{claims.confirm_name} no longer exists; nothing done", outcome=Outcome.STALE, reason="stale"
            ) from None
        except RegistryError as exc:
            self._record(claims, caller, Outcome.FAILED, str(exc))
            raise
        await self._claim_once(claims, caller)
        if change.target.fingerprint != claims.fingerprint or change.done is not None:
            self._record(claims, caller, Outcome.STALE, "state changed since the preview")
            raise ConfirmationError(
                f"{claims.confirm_name} changed since the preview; nothing done. Its state now:",
                outcome=Outcome.STALE,
                reason="stale",
                current=change.current,
            )
        if self.approvals is not None and self.approvals.required(claims):
            return await self.approvals.request(self, claims, op, inp, change, caller, self.now())
        try:
            done = await self._apply(op, change, caller)
        except Exception:
            metrics.count_confirmation(Outcome.FAILED.value)
            raise
        metrics.count_confirmation(Outcome.EXECUTED.value)
        return done

    async def run_approved(
        self, claims: Claims, op: Operation, inp: InputModel, requester: Caller, approver: str, request_id: str
    ) -> tuple[str, str]:
        """A change a second person approved: run once if the target is as previewed. (status, words)"""
        issued = datetime.fromtimestamp(claims.issued_at, UTC) if claims.issued_at else self.now()
        name = claims.confirm_name
        try:
            change = await self._prepare(op, inp, Pinned(claims.registry_id, claims.target_id), requester, issued)
        except NotFoundError:
            self._record(claims, requester, Outcome.STALE, "no longer exists")
            return "stale", f"Approved by {approver}, but {name} no longer exists; nothing ran."
        except RegistryError as exc:
            self._record(claims, requester, Outcome.FAILED, str(exc))
            return "failed", f"Approved by {approver}, but {name} could not be checked: {exc.message}"
        if change.target.fingerprint != claims.fingerprint or change.done is not None:
            self._record(claims, requester, Outcome.STALE, "state changed since the preview")
            return "stale", f"Approved by {approver}, but {name} changed since the preview; nothing ran. Ask again."
        try:
            done = await self._apply(op, change, requester, detail=f"approval {request_id} approved by {approver}")
        except RegistryError as exc:
            metrics.count_confirmation(Outcome.FAILED.value)
            return "failed", f"Approved by {approver}, but it failed: {exc.message}"
        metrics.count_confirmation(Outcome.EXECUTED.value)
        return "executed", f"Approved by {approver}: {done.message}"

    def record_claims(self, claims: Claims, caller: Caller, outcome: Outcome, detail: str) -> None:
        """Audit a step of a confirmation's life that happens outside this engine (an approval)."""
        self._record(claims, caller, outcome, detail)

    def _check(self, claims: Claims, caller: Caller) -> None:
        """Expiry, person and protection: refusals that do not use the confirmation up."""
        if self.clock() > claims.expires_at:
            self._record(claims, caller, Outcome.EXPIRED, "confirmation expired")
            raise ConfirmationError(
                f"the confirmation for {claims.confirm_name} expired ({self.ttl} s)",
                outcome=Outcome.EXPIRED,
                reason="expired",
            )
        if claims.actor != caller.actor:
            self._refuse(claims, caller, "this confirmation was issued to someone else", "other_actor")

    def _check_request(self, claims: Claims, op: Operation, inp: InputModel, caller: Caller) -> None:
        if claims.operation != op.name:
            self._refuse(claims, caller, f"this confirmation is for {claims.operation}, not {op.name}", "invalid")
        registry_ref, target_ref = op.target_refs(inp)
        if not self._same_registry(claims, registry_ref) or (
            target_ref is not None and target_ref.strip() not in (claims.target_id, claims.target_name)
        ):
            given = target_ref or registry_ref
            self._refuse(claims, caller, f"this confirmation is for {claims.confirm_name}, not {given}", "other_target")
        if args_digest(op, inp) != claims.args:
            self._refuse(claims, caller, "the arguments differ from the ones previewed", "arguments")
        key = (
            claims.registry_name
            if claims.target_name in ("", claims.registry_name)
            else (f"{claims.registry_name}/{claims.target_name}")
        )
        if op.protect == "refuse" and (pattern := self.protection(key)) is not None:
            problem = f"{claims.registry_name} is protected (REGISTRY_PROTECTED matches {pattern!r})"
            self._refuse(claims, caller, problem, "protected")

    @staticmethod
    def _same_registry(claims: Claims, given: str) -> bool:
        ids = {claims.registry_id.lower(), claims.registry_name}
        try:
            return given.strip().lower() in ids or registry_name_of(given)[0] in ids
        except RegistryError:
            return False

    def _refuse(self, claims: Claims, caller: Caller, problem: str, reason: str) -> None:
        self._record(claims, caller, Outcome.DENIED, problem)
        raise ConfirmationError(f"refused: {problem}", outcome=Outcome.DENIED, reason=reason)

    async def _refuse_if_used(self, claims: Claims, caller: Caller) -> None:
        if await self._store(claims, caller, self.store.taken(f"confirm:{claims.nonce}")):
            self._used_up(claims, caller)

    async def _claim_once(self, claims: Claims, caller: Caller) -> None:
        """Single use, across every replica: the store's claim is atomic (SET NX), so concurrent
        calls, here or on another replica, cannot both pass."""
        ttl = max(1.0, claims.expires_at - self.clock() + 1)
        if not await self._store(claims, caller, self.store.claim(f"confirm:{claims.nonce}", ttl)):
            self._used_up(claims, caller)

    def _used_up(self, claims: Claims, caller: Caller) -> None:
        self._record(claims, caller, Outcome.DENIED, "confirmation already used")
        raise ConfirmationError(
            f"this confirmation for {claims.confirm_name} was already used", outcome=Outcome.DENIED, reason="used"
        )

    async def _store(self, claims: Claims, caller: Caller, call: Awaitable[bool]) -> bool:
        """A store that cannot be reached fails closed: refused, nothing runs, audited as failed."""
        try:
            return await call
        except StoreUnavailableError as exc:
            self._record(claims, caller, Outcome.FAILED, str(exc))
            raise ConfirmationError(
                f"refused: confirmations cannot be checked right now ({exc.message}); nothing was changed",
                outcome=Outcome.FAILED,
                reason="store",
                hint=exc.hint,
            ) from None

    async def _prepare(
        self, op: Operation, inp: InputModel, pinned: Pinned | None, caller: Caller, now: datetime
    ) -> Change:
        """``op.prepare``; a failure before any change is sent is still an attempt, and audited."""
        assert op.prepare is not None
        try:
            return await op.prepare(self.client, inp, pinned, now)
        except RegistryError as exc:
            if pinned is None:
                ref = op.target_refs(inp)[0]
                self.audit.record(
                    front=caller.front,
                    actor=caller.actor,
                    email=caller.email,
                    operation=op.name,
                    outcome=Outcome.FAILED,
                    registry_name=str(ref) if ref else None,
                    request_id=exc.request_id,
                    detail=str(exc),
                )
            raise

    async def _apply(
        self, op: Operation, change: Change, caller: Caller, *, detail: str | None = None
    ) -> ConfirmResult[Any]:
        target = change.target
        with audited(
            self.audit,
            op.name,
            actor=caller.actor,
            front=caller.front,
            email=caller.email,
            detail=detail,
            registry_id=target.registry_id,
            registry_name=target.registry_name,
            resource=resource_of(target),
            fields=change.fields,
        ):
            applied = await change.apply()
        return ConfirmResult(
            status=applied.status, message=applied.message, result=applied.result, changes=change.changes
        )

    def _deny(self, operation: str, target: Target, caller: Caller, detail: str) -> None:
        self.audit.record(
            front=caller.front,
            actor=caller.actor,
            email=caller.email,
            operation=operation,
            outcome=Outcome.DENIED,
            registry_id=target.registry_id,
            registry_name=target.registry_name,
            resource=resource_of(target),
            detail=detail,
        )

    def _record(self, claims: Claims, caller: Caller, outcome: Outcome, detail: str) -> None:
        metrics.count_confirmation(outcome.value)
        self.audit.record(
            front=caller.front,
            actor=caller.actor,
            email=caller.email,
            operation=claims.operation,
            outcome=outcome,
            registry_id=claims.registry_id,
            registry_name=claims.registry_name,
            resource=None if claims.target_id in ("", claims.registry_id) else f"target:{claims.target_name}",
            detail=detail,
        )

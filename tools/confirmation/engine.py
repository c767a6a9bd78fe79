"""plan → preview → a person's yes → re-check → apply once. One engine for every confirmed change.

An operation's ``prepare`` reads the current state and returns a ``Change``: the target, the
preview, the risks and how to apply it. The engine decides: nothing to do, run at once (no
risk), refuse (protected, or this caller may not confirm), or a ``Plan`` whose token binds the
operation, the target, the fingerprint of the state the person saw, the exact arguments, the
person and an expiry. ``execute`` re-checks all of it right before the call and runs a plan at
most once; on a resource that needs a second person, the yes becomes an approval request instead,
and an approval later re-checks and applies through the same step (``_recheck``). A refusal for the
arguments or the target does not use the confirmation up; only a call that reaches the API, or
finds the state changed, does.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from tools import metrics
from tools.audit import AuditLog, Outcome
from tools.client import RegistryClient
from tools.config import SafetySettings
from tools.confirmation.approvals import Approvals
from tools.confirmation.checks import Checks
from tools.confirmation.claims import Claims, TokenSigner
from tools.confirmation.handoffs import Handoffs
from tools.confirmation.previews import Preview, Target
from tools.confirmation.protection import Coverage
from tools.confirmation.records import Recorder
from tools.confirmation.results import Change, Confirmable, ConfirmResult, Pinned, Plan, Ready, args_digest
from tools.errors import ConfirmationError, NotFoundError, RegistryError
from tools.limits import Limiter
from tools.logs import bind_actor
from tools.models import InputModel
from tools.people import Caller
from tools.state import MemoryStore, StateStore

GONE, CHANGED = "no longer exists", "changed since the preview"


class Confirmer:
    """Built complete: the token signer, protection, the audit recorder and four eyes."""

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
        secret = settings.registry_confirm_secret
        self.signer = TokenSigner(secret.get_secret_value().encode() if secret else secrets.token_bytes(32))
        self.ttl = settings.registry_confirm_ttl
        self.protected = Coverage(settings.protected_patterns)
        self.clock = clock
        # Used confirmations: shared by every replica when the store is Redis/Valkey.
        self.store: StateStore = store if store is not None else MemoryStore()
        self.recorder = Recorder(audit)
        self.limiter = Limiter(self.store, settings.read_rate, settings.write_rate, self.recorder)
        self.handoffs = Handoffs(
            self.store,
            self.recorder,
            verify=self.signer.verify,
            execute=lambda claims, op, inp, who: self.execute(claims, op, inp, caller=who),
            clock=clock,
        )
        self.checks = Checks(self.recorder, self.store, self.protection, self.ttl, clock)
        self.approvals = Approvals(
            self.store,
            Coverage(settings.approval_patterns),
            settings.registry_approval_ttl,
            settings.registry_approval_channel,
            recorder=self.recorder,
            now=self.now,
            apply=self.run_approved,
        )

    def protection(self, key: str) -> str | None:
        """The REGISTRY_PROTECTED glob covering ``key`` (``registry`` or ``registry/repository``)."""
        return self.protected.covering(key)

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.clock(), UTC)

    # ------------------------------------------------------------ planning

    async def start(self, op: Confirmable, inp: InputModel, caller: Caller) -> Plan | Ready | ConfirmResult[Any]:
        """Prepare the change: an answer (nothing to do), a change ready to run, a refusal, or a plan to confirm."""
        bind_actor(caller.actor)
        await self.limiter.admit(caller, op.name, op.target_refs(inp)[0], write=True)
        change = await self._prepare(op, inp, None, caller, self.now())
        if change.done is not None:
            return change.done
        target, risks = change.target, list(change.risks)
        pattern = None if change.creates else self.protection(target.protection_key)
        if pattern is not None:
            if op.protect == "refuse":
                self._refuse_target(
                    op,
                    target,
                    caller,
                    f"protected by {pattern}",
                    f"{target.protection_key} is protected (REGISTRY_PROTECTED matches {pattern!r}): "
                    f"no front may run {op.name} on it",
                    "protected",
                    "Ask an administrator to change REGISTRY_PROTECTED if this is really intended.",
                )
            risks.append(f"{target.protection_key} is protected (REGISTRY_PROTECTED matches {pattern!r})")
        if not risks:
            return Ready(op, change)
        if caller.safe_only:
            self._refuse_target(
                op,
                target,
                caller,
                "needs confirmation; destructive changes are disabled",
                f"refused: this change needs a person's confirmation ({'; '.join(risks)}), and this server "
                "runs with --disable-destructive; nothing changed",
                "safe_only",
                "Ask the operator, or make the change from Slack or a server without --disable-destructive.",
            )
        why_not = self.approvals.unapprovable(target, caller)
        if why_not is not None:
            self._refuse_target(
                op,
                target,
                caller,
                "four eyes: the requester cannot be told apart from approvers",
                f"refused: {why_not}; nothing changed",
                "unidentified",
                "Make this change from Slack, or through MCP signed in with OAuth (REGISTRY_MCP_OAUTH_ISSUER), "
                "whose access token carries your e-mail.",
            )
        assert change.preview is not None, f"{op.name}: a risky change needs a preview"
        warnings = list(dict.fromkeys([*risks, *change.preview.warnings]))
        preview = change.preview.model_copy(update={"warnings": warnings})
        return self._plan(op, inp, target, preview, caller.actor)

    async def proceed(self, ready: Ready, caller: Caller) -> ConfirmResult[Any]:
        return await self._apply(ready.op, ready.change, caller)

    async def run(self, op: Confirmable, inp: InputModel, caller: Caller) -> Plan | ConfirmResult[Any]:
        """``start`` and, when no confirmation is needed, ``proceed``: for fronts that ask in a later request."""
        started = await self.start(op, inp, caller)
        return await self.proceed(started, caller) if isinstance(started, Ready) else started

    def _plan(self, op: Confirmable, inp: InputModel, target: Target, preview: Preview, actor: str) -> Plan:
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

    def open(self, token: str, *, op: Confirmable, caller: Caller, ref: str | None = None) -> Claims:
        """Verify a token's signature and that it is for ``op``; refused (and audited) otherwise."""
        claims = self.signer.verify(token)
        if claims is None or claims.operation != op.name:
            self.refused_token(op.name, caller, ref)
            raise ConfirmationError(
                f"that is not a valid confirmation token for {op.name}", outcome=Outcome.DENIED, reason="invalid"
            )
        return claims

    def refused_token(self, operation: str, caller: Caller, ref: str | None) -> None:
        """Audit a tampered or invalid token with verified facts only: the operation the call was made
        for (``confirm`` when the token alone named it) and the registry the call named, if any."""
        self.recorder.note(
            Outcome.DENIED, caller, (operation, ref), "invalid confirmation token (signature check failed)"
        )

    def validate(self, token: str, *, caller: Caller, operation: str = "confirm", ref: str | None = None) -> Claims:
        """Check a token without using it (signature, expiry, person): before a modal opens. A refusal
        is audited under ``operation`` and ``ref``, what the front knows of the request."""
        claims = self.signer.verify(token)
        if claims is None:
            self.refused_token(operation, caller, ref)
            raise ConfirmationError("that confirmation is not valid", outcome=Outcome.DENIED, reason="invalid")
        self.checks.fresh_and_theirs(claims, caller)
        return claims

    # ------------------------------------------------------------ execution

    def decline(self, claims: Claims, *, caller: Caller, reason: str) -> ConfirmResult[Any]:
        self.recorder.note(Outcome.DECLINED, caller, claims, reason)
        return ConfirmResult(status="declined", message=f"Nothing changed: {reason}.")

    def deny(self, claims: Claims, *, caller: Caller, reason: str) -> None:
        """Record that a plan could not be put to a person (fail closed); the front says why."""
        self.recorder.note(Outcome.DENIED, caller, claims, reason)

    async def execute(
        self,
        claims: Claims,
        op: Confirmable,
        inp: InputModel,
        *,
        caller: Caller,
        typed_name: str | None = None,
        require_typed_name: bool = False,
    ) -> ConfirmResult[Any]:
        """Run the planned change once, if and only if every check still holds (or, on a resource that
        needs a second person, turn the yes into an approval request)."""
        bind_actor(caller.actor)
        self.checks.fresh_and_theirs(claims, caller)
        self.checks.same_request(claims, op, inp, caller)
        if require_typed_name and not claims.name_matches(typed_name):
            return self.decline(claims, caller=caller, reason=f"the typed name did not match {claims.confirm_name!r}")
        await self.checks.unused(claims, caller)
        change, stale = await self._recheck(claims, op, inp, caller)
        await self.checks.claim_once(claims, caller)
        if stale is not None:
            self.recorder.note(Outcome.STALE, caller, claims, stale)
            shown = ". Its state now:" if change is not None and change.current is not None else ""
            raise ConfirmationError(
                f"{claims.confirm_name} {stale}; nothing done{shown}",
                outcome=Outcome.STALE,
                reason="stale",
                current=change.current if change is not None else None,
            )
        assert change is not None
        if self.approvals.required(claims):
            return await self.approvals.request(claims, op, inp, change, caller)
        return await self._apply(op, change, caller, confirmed=True)

    async def run_approved(
        self, claims: Claims, op: Confirmable, inp: InputModel, requester: Caller, approver: str, request_id: str
    ) -> tuple[str, str]:
        """A change a second person approved: the same re-check, then apply once. (status, words)"""
        name = claims.confirm_name
        try:
            change, stale = await self._recheck(claims, op, inp, requester)
        except RegistryError as exc:
            return "failed", f"Approved by {approver}, but {name} could not be checked: {exc.message}"
        if stale is not None:
            self.recorder.note(Outcome.STALE, requester, claims, stale)
            again = " Ask again." if stale == CHANGED else ""
            return "stale", f"Approved by {approver}, but {name} {stale}; nothing ran.{again}"
        assert change is not None
        try:
            detail = f"approval {request_id} approved by {approver}"
            done = await self._apply(op, change, requester, detail=detail, confirmed=True)
        except RegistryError as exc:
            return "failed", f"Approved by {approver}, but it failed: {exc.message}"
        return "executed", f"Approved by {approver}: {done.message}"

    async def _recheck(
        self, claims: Claims, op: Confirmable, inp: InputModel, caller: Caller
    ) -> tuple[Change | None, str | None]:
        """Right before the call: the target re-read by the ids it was planned on. (the change, or why it
        went stale). A failure to read it is audited and raised: nothing was sent, nothing is used up."""
        issued = datetime.fromtimestamp(claims.issued_at, UTC) if claims.issued_at else self.now()
        try:
            change = await self._prepare(op, inp, Pinned(claims.registry_id, claims.target_id), caller, issued)
        except NotFoundError:
            return None, GONE
        except RegistryError as exc:
            self.recorder.note(Outcome.FAILED, caller, claims, str(exc))
            raise
        if change.target.fingerprint != claims.fingerprint or change.done is not None:
            return change, CHANGED
        return change, None

    def _refuse_target(
        self, op: Confirmable, target: Target, caller: Caller, detail: str, message: str, reason: str, hint: str
    ) -> None:
        """Refused before any plan: the audit names the target; the person reads why and what to do."""
        self.recorder.note(Outcome.DENIED, caller, target, detail, operation=op.name)
        raise ConfirmationError(message, outcome=Outcome.DENIED, reason=reason, hint=hint)

    async def _prepare(
        self, op: Confirmable, inp: InputModel, pinned: Pinned | None, caller: Caller, now: datetime
    ) -> Change:
        """``op.prepare``; a failure before any change is sent is still an attempt, and audited."""
        assert op.prepare is not None
        try:
            return await op.prepare(self.client, inp, pinned, now)
        except RegistryError as exc:
            if pinned is None:
                ref = op.target_refs(inp)[0]
                about = (op.name, str(ref) if ref else None)
                self.recorder.note(Outcome.FAILED, caller, about, str(exc), request_id=exc.request_id)
            raise

    async def _apply(
        self, op: Confirmable, change: Change, caller: Caller, *, detail: str | None = None, confirmed: bool = False
    ) -> ConfirmResult[Any]:
        """Make the change (audited executed or failed); ``confirmed``: it ran on a person's yes (counted)."""
        try:
            with self.recorder.applying(op.name, change.target, caller, change.fields, detail):
                applied = await change.apply()
        except Exception:
            if confirmed:
                metrics.count_confirmation(Outcome.FAILED.value)
            raise
        if confirmed:
            metrics.count_confirmation(Outcome.EXECUTED.value)
        return ConfirmResult(
            status=applied.status, message=applied.message, result=applied.result, changes=change.changes
        )

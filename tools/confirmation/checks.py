"""The checks a confirmation passes before its change may run, each refusal audited with its reason.

Expiry and person, and the request against what was previewed, do not use a confirmation up; the
single-use claim does, atomically across replicas. A store that cannot be reached fails closed.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from tools.audit import Outcome
from tools.confirmation.claims import Claims
from tools.confirmation.records import Recorder
from tools.confirmation.results import Confirmable, args_digest
from tools.errors import ConfirmationError, RegistryError, StoreUnavailableError
from tools.models import InputModel
from tools.people import Caller
from tools.resolve import registry_name_of
from tools.state import StateStore


class Checks:
    def __init__(
        self,
        recorder: Recorder,
        store: StateStore,
        protection: Callable[[str], str | None],
        ttl: int,
        clock: Callable[[], float],
    ) -> None:
        self.recorder = recorder
        self.store = store
        self.protection = protection  # the protection pattern covering a key, read at each check
        self.ttl = ttl
        self.clock = clock

    def fresh_and_theirs(self, claims: Claims, caller: Caller) -> None:
        """Expiry and person: refusals that do not use the confirmation up."""
        if self.clock() > claims.expires_at:
            self.recorder.note(Outcome.EXPIRED, caller, claims, "confirmation expired")
            raise ConfirmationError(
                f"the confirmation for {claims.confirm_name} expired ({self.ttl} s)",
                outcome=Outcome.EXPIRED,
                reason="expired",
            )
        if claims.actor != caller.actor:
            self.refuse(claims, caller, "this confirmation was issued to someone else", "other_actor")

    def same_request(self, claims: Claims, op: Confirmable, inp: InputModel, caller: Caller) -> None:
        if claims.operation != op.name:
            self.refuse(claims, caller, f"this confirmation is for {claims.operation}, not {op.name}", "invalid")
        registry_ref, target_ref = op.target_refs(inp)
        if not self._same_registry(claims, registry_ref) or (
            target_ref is not None and target_ref.strip() not in (claims.target_id, claims.target_name)
        ):
            given = target_ref or registry_ref
            self.refuse(claims, caller, f"this confirmation is for {claims.confirm_name}, not {given}", "other_target")
        if args_digest(op, inp) != claims.args:
            self.refuse(claims, caller, "the arguments differ from the ones previewed", "arguments")
        if op.protect == "refuse" and (pattern := self.protection(claims.key)) is not None:
            problem = f"{claims.registry_name} is protected (REGISTRY_PROTECTED matches {pattern!r})"
            self.refuse(claims, caller, problem, "protected")

    @staticmethod
    def _same_registry(claims: Claims, given: str) -> bool:
        ids = {claims.registry_id.lower(), claims.registry_name}
        try:
            return given.strip().lower() in ids or registry_name_of(given)[0] in ids
        except RegistryError:
            return False

    def refuse(self, claims: Claims, caller: Caller, problem: str, reason: str) -> None:
        self.recorder.note(Outcome.DENIED, caller, claims, problem)
        raise ConfirmationError(f"refused: {problem}", outcome=Outcome.DENIED, reason=reason)

    async def unused(self, claims: Claims, caller: Caller) -> None:
        if await self._store(claims, caller, self.store.taken(f"confirm:{claims.nonce}")):
            self._used_up(claims, caller)

    async def claim_once(self, claims: Claims, caller: Caller) -> None:
        """Single use, across every replica: the store's claim is atomic (SET NX), so concurrent
        calls, here or on another replica, cannot both pass."""
        ttl = max(1.0, claims.expires_at - self.clock() + 1)
        if not await self._store(claims, caller, self.store.claim(f"confirm:{claims.nonce}", ttl)):
            self._used_up(claims, caller)

    def _used_up(self, claims: Claims, caller: Caller) -> None:
        self.recorder.note(Outcome.DENIED, caller, claims, "confirmation already used")
        raise ConfirmationError(
            f"this confirmation for {claims.confirm_name} was already used", outcome=Outcome.DENIED, reason="used"
        )

    async def _store(self, claims: Claims, caller: Caller, call: Awaitable[bool]) -> bool:
        """A store that cannot be reached fails closed: refused, nothing runs, audited as failed."""
        try:
            return await call
        except StoreUnavailableError as exc:
            self.recorder.note(Outcome.FAILED, caller, claims, str(exc))
            raise ConfirmationError(
                f"refused: confirmations cannot be checked right now ({exc.message}); nothing was changed",
                outcome=Outcome.FAILED,
                reason="store",
                hint=exc.hint,
            ) from None

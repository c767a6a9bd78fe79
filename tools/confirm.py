"""plan → preview → a human's yes → execute once. Shared by the MCP and Slack fronts.

A ``Plan`` binds an operation to one registry, the fingerprint of the state the human
saw, the exact arguments, the person who asked and an expiry; its token is an
HMAC-SHA256 signature over all of that plus a nonce. ``execute`` re-checks everything
right before the API call and runs a plan at most once.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC, datetime
from fnmatch import fnmatchcase
from typing import Literal

from pydantic import BaseModel

from tools.audit import AuditLog, Outcome, audited
from tools.client import RegistryClient
from tools.config import SafetySettings
from tools.errors import InvalidInputError, NotFoundError, RegistryError
from tools.models import RegistrySpec, is_registry_id
from tools.operations import ReplaceInput, resolve
from tools.previews import Preview, delete_preview, fingerprint, replace_preview
from tools.tokens import Claims, TokenSigner
from tools.views import RegistryDetail

Op = Literal["delete_registry", "replace_registry"]


class ConfirmationError(RegistryError):
    """The plan may not run: expired, denied, or the registry changed (``current`` shows it)."""

    def __init__(
        self,
        message: str,
        *,
        outcome: Outcome,
        reason: str = "denied",
        current: RegistryDetail | None = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(message, hint=hint or "Ask again to get a fresh preview.")
        self.outcome = outcome
        self.reason = reason  # invalid, expired, other_actor, other_registry, protected, used, stale, arguments
        self.current = current


@dataclass(frozen=True)
class CreateByPut:
    """A PUT on an unknown id creates: no confirmation needed."""

    registry_id: str
    spec: RegistrySpec


@dataclass(frozen=True)
class Plan:
    claims: Claims
    preview: Preview
    token: str


class ConfirmResult(BaseModel):
    """The answer of a delete or replace call, whatever happened."""

    status: Literal["executed", "created", "unchanged", "confirmation_required", "declined"]
    message: str
    preview: Preview | None = None
    registry: RegistryDetail | None = None
    confirmation_token: str | None = None
    expires_at: datetime | None = None


def args_digest(spec: RegistrySpec | None) -> str:
    body = json.dumps(spec.to_body() if spec else None, sort_keys=True)
    return hashlib.sha256(body.encode()).hexdigest()[:32]


class Confirmer:
    def __init__(
        self,
        client: RegistryClient,
        audit: AuditLog,
        settings: SafetySettings,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.client = client
        self.audit = audit
        secret = settings.registry_confirm_secret
        self.signer = TokenSigner(secret.get_secret_value().encode() if secret else secrets.token_bytes(32))
        self.ttl = settings.registry_confirm_ttl
        self.protected = settings.protected_patterns
        self.clock = clock
        self._used: dict[str, float] = {}

    # ------------------------------------------------------------ planning

    def protection(self, name: str) -> str | None:
        """The REGISTRY_PROTECTED glob matching ``name``, if any."""
        return next((p for p in self.protected if fnmatchcase(name, p)), None)

    async def plan_delete(self, ref: str, *, actor: str, front: str) -> Plan:
        reg = await resolve(self.client, ref)
        self._guard(reg.name, reg.id, "delete_registry", actor, front)
        return self._plan("delete_registry", delete_preview(reg), None, actor)

    async def plan_replace(self, inp: ReplaceInput, *, actor: str, front: str) -> Plan | ConfirmResult | CreateByPut:
        """A plan to confirm; or no confirmation needed: nothing would change (a result), or no
        registry has this UUID, so the PUT is a create (``CreateByPut``, run by ``create_by_put``)."""
        try:
            reg = await resolve(self.client, inp.registry)
        except NotFoundError:
            if not is_registry_id(inp.registry):
                raise
            if inp.name is None or inp.location is None:
                raise InvalidInputError.for_field(
                    "registry", "no registry has this id; to create one with PUT give name and location too"
                ) from None
            return CreateByPut(inp.registry, inp.spec_for(inp.name, inp.location))
        for field, given, current in (
            ("name", inp.name, reg.name),
            ("location", inp.location, reg.properties.location),
        ):
            if given is not None and given != current:
                raise InvalidInputError.for_field(field, f"cannot be changed (it is {current!r}); delete and create")
        if reg.scanning_enabled and not inp.vulnerability_scanning:
            raise InvalidInputError.for_field(
                "vulnerability_scanning", "cannot be turned off once enabled (IONOS rule)"
            )
        self._guard(reg.name, reg.id, "replace_registry", actor, front)
        spec = inp.spec_for(reg.name, reg.properties.location)
        preview = replace_preview(reg, spec)
        if not preview.changes:
            return ConfirmResult(
                status="unchanged",
                message=f"Nothing would change in {reg.name}; nothing done.",
                registry=preview.registry,
            )
        return self._plan("replace_registry", preview, spec, actor)

    async def create_by_put(self, create: CreateByPut, *, actor: str, front: str) -> ConfirmResult:
        with audited(
            self.audit,
            "replace_registry",
            actor=actor,
            front=front,
            registry_id=create.registry_id,
            registry_name=create.spec.name,
            fields=["created"],
        ):
            reg = await self.client.replace_registry(create.registry_id, create.spec)
        return ConfirmResult(
            status="created",
            message=f"No registry had id {reg.id}: created {reg.name} with it.",
            registry=RegistryDetail.of(reg),
        )

    def _guard(self, name: str, rid: str, operation: str, actor: str, front: str) -> None:
        pattern = self.protection(name)
        if pattern is not None:
            self.audit.record(
                front=front,
                actor=actor,
                operation=operation,
                outcome=Outcome.DENIED,
                registry_id=rid,
                registry_name=name,
                detail=f"protected by {pattern}",
            )
            raise ConfirmationError(
                f"{name} is protected (REGISTRY_PROTECTED matches {pattern!r}): no front may delete or replace it",
                outcome=Outcome.DENIED,
                reason="protected",
                hint="Ask an administrator to change REGISTRY_PROTECTED if this is really intended.",
            )

    def _plan(self, operation: Op, preview: Preview, spec: RegistrySpec | None, actor: str) -> Plan:
        reg = preview.registry
        claims = Claims(
            operation,
            reg.id,
            reg.name,
            preview.fingerprint,
            args_digest(spec),
            actor,
            int(self.clock() + self.ttl),
            secrets.token_urlsafe(12),
        )
        return Plan(claims=claims, preview=preview, token=self.signer.sign(claims))

    def confirmation_needed(self, plan: Plan) -> ConfirmResult:
        return ConfirmResult(
            status="confirmation_required",
            message=f"Show this preview to the person and ask them to confirm {plan.claims.operation} of "
            f"{plan.claims.registry_name}; then call again with confirmation_token.",
            preview=plan.preview,
            confirmation_token=plan.token,
            expires_at=datetime.fromtimestamp(plan.claims.expires_at, UTC),
        )

    # ------------------------------------------------------------ tokens

    def open(self, token: str, *, operation: Op, actor: str, front: str) -> Claims:
        """Verify a token's signature and that it is for ``operation``; raise otherwise."""
        claims = self.signer.verify(token)
        if claims is None or claims.operation != operation:
            self.audit.record(
                front=front,
                actor=actor,
                operation=operation,
                outcome=Outcome.DENIED,
                detail="invalid confirmation token",
            )
            raise ConfirmationError(
                f"that is not a valid confirmation token for {operation}", outcome=Outcome.DENIED, reason="invalid"
            )
        return claims

    def validate(self, token: str, *, actor: str, front: str) -> Claims:
        """Check a token without using it (signature, expiry, person, protection): before a modal opens."""
        claims = self.signer.verify(token)
        if claims is None:
            self.audit.record(
                front=front,
                actor=actor,
                operation="confirm",
                outcome=Outcome.DENIED,
                detail="invalid confirmation token",
            )
            raise ConfirmationError("that confirmation is not valid", outcome=Outcome.DENIED, reason="invalid")
        self._check(claims, actor=actor, front=front, ref=None)
        return claims

    # ------------------------------------------------------------ execution

    def deny(self, claims: Claims, *, actor: str, front: str, reason: str) -> None:
        """Record that a plan could not be put to a person (fail closed); the front says why."""
        self._record(claims, actor, front, Outcome.DENIED, reason)

    def decline(self, claims: Claims, *, actor: str, front: str, reason: str) -> ConfirmResult:
        self._record(claims, actor, front, Outcome.DECLINED, reason)
        return ConfirmResult(status="declined", message=f"Nothing changed: {reason}.")

    async def execute(
        self,
        claims: Claims,
        *,
        actor: str,
        front: str,
        replace: ReplaceInput | None = None,
        typed_name: str | None = None,
        require_typed_name: bool = False,
        ref: str | None = None,
    ) -> ConfirmResult:
        """Run the planned call once, if and only if every check still holds.

        ``replace`` is the replace request as the person gave it; the PUT body is rebuilt
        from it and must match the previewed arguments exactly.
        """
        self._check(claims, actor=actor, front=front, ref=ref)
        if require_typed_name and not claims.name_matches(typed_name):
            return self.decline(
                claims, actor=actor, front=front, reason=f"the typed name did not match {claims.registry_name!r}"
            )
        self._claim_once(claims, actor, front)
        try:
            current = await self.client.get_registry(claims.registry_id)
        except NotFoundError:
            self._record(claims, actor, front, Outcome.STALE, "registry no longer exists")
            raise ConfirmationError(
                f"{claims.registry_name} no longer exists; nothing done", outcome=Outcome.STALE, reason="stale"
            ) from None
        spec = None
        if claims.operation == "replace_registry":
            spec = replace.spec_for(current.name, current.properties.location) if replace else None
            if spec is None or args_digest(spec) != claims.args:
                self._record(claims, actor, front, Outcome.DENIED, "arguments differ from the preview")
                raise ConfirmationError(
                    "refused: the arguments differ from the ones previewed", outcome=Outcome.DENIED, reason="arguments"
                )
        if fingerprint(current) != claims.fingerprint:
            self._record(claims, actor, front, Outcome.STALE, "state changed since the preview")
            raise ConfirmationError(
                f"{claims.registry_name} changed since the preview; nothing done. Its state now:",
                outcome=Outcome.STALE,
                reason="stale",
                current=RegistryDetail.of(current),
            )
        if spec is None:
            return await self._delete(claims, actor, front)
        changed = [change.field for change in replace_preview(current, spec).changes]
        return await self._replace(claims, spec, changed, actor, front)

    def _check(self, claims: Claims, *, actor: str, front: str, ref: str | None) -> None:
        if self.clock() > claims.expires_at:
            self._record(claims, actor, front, Outcome.EXPIRED, "confirmation expired")
            raise ConfirmationError(
                f"the confirmation for {claims.registry_name} expired ({self.ttl} s)",
                outcome=Outcome.EXPIRED,
                reason="expired",
            )
        problem = reason = None
        if claims.actor != actor:
            problem, reason = "this confirmation was issued to someone else", "other_actor"
        elif ref is not None and ref.strip() not in (claims.registry_id, claims.registry_name):
            problem, reason = f"this confirmation is for {claims.registry_name}, not {ref}", "other_registry"
        elif (pattern := self.protection(claims.registry_name)) is not None:
            problem = f"{claims.registry_name} is protected (REGISTRY_PROTECTED matches {pattern!r})"
            reason = "protected"
        if problem is not None and reason is not None:
            self._record(claims, actor, front, Outcome.DENIED, problem)
            raise ConfirmationError(f"refused: {problem}", outcome=Outcome.DENIED, reason=reason)

    def _claim_once(self, claims: Claims, actor: str, front: str) -> None:
        """Single use: no await between the check and the claim, so concurrent calls cannot both pass."""
        now = self.clock()
        self._used = {n: exp for n, exp in self._used.items() if exp >= now}
        if claims.nonce in self._used:
            self._record(claims, actor, front, Outcome.DENIED, "confirmation already used")
            raise ConfirmationError(
                f"this confirmation for {claims.registry_name} was already used", outcome=Outcome.DENIED, reason="used"
            )
        self._used[claims.nonce] = claims.expires_at

    async def _delete(self, claims: Claims, actor: str, front: str) -> ConfirmResult:
        with self._audited(claims, actor, front, ["deleted"]):
            await self.client.delete_registry(claims.registry_id)
        return ConfirmResult(
            status="executed",
            message=f"Deleted registry {claims.registry_name} "
            f"({claims.registry_id}); IONOS removes it in the background.",
        )

    async def _replace(
        self, claims: Claims, spec: RegistrySpec, changed: list[str], actor: str, front: str
    ) -> ConfirmResult:
        with self._audited(claims, actor, front, changed):
            reg = await self.client.replace_registry(claims.registry_id, spec)
        return ConfirmResult(
            status="executed", message=f"Replaced registry {reg.name}.", registry=RegistryDetail.of(reg)
        )

    def _audited(self, claims: Claims, actor: str, front: str, fields: list[str]) -> AbstractContextManager[None]:
        return audited(
            self.audit,
            claims.operation,
            actor=actor,
            front=front,
            registry_id=claims.registry_id,
            registry_name=claims.registry_name,
            fields=fields,
        )

    def _record(self, claims: Claims, actor: str, front: str, outcome: Outcome, detail: str) -> None:
        self.audit.record(
            front=front,
            actor=actor,
            operation=claims.operation,
            outcome=outcome,
            registry_id=claims.registry_id,
            registry_name=claims.registry_name,
            detail=detail,
        )

"""A yes no model can give (``REGISTRY_MCP_CONFIRM=slack``): a change an assistant asked for is handed
to its person where the model cannot click, their Slack DM, found by the e-mail their OAuth sign-in
carries. The signed confirmation stays in the store: it never reaches the model.

The assistant's call queues a handoff and waits (briefly) until a ``registry-bot`` sharing the store
has delivered it, or said why it cannot (no Slack account with that e-mail); it answers
``pending_confirmation`` with the handoff's id. The person's Confirm runs through the engine's own
``execute`` (expiry, same request, state unchanged, single use, four eyes after their yes). Only the
person who asked may confirm: the presser's e-mail must be the requester's.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import time
from collections.abc import Awaitable, Callable
from dataclasses import KW_ONLY, dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from pydantic import Field

from tools.audit import Outcome
from tools.confirmation.claims import Claims
from tools.confirmation.previews import Preview, waiting_lines
from tools.confirmation.records import Recorder
from tools.confirmation.results import Confirmable, ConfirmResult, Plan
from tools.errors import ConfirmationError, NotFoundError, RegistryError
from tools.models import InputModel, View
from tools.people import Caller, Sameness, same_person
from tools.state import StateStore

if TYPE_CHECKING:
    Execute = Callable[[Claims, Confirmable, InputModel, Caller], Awaitable[ConfirmResult[Any]]]

OUTBOX = "handoffs:outbox"
KEEP_AFTER = 86_400.0
SETTLED = ("executed", "created", "declined", "expired", "stale", "failed", "pending_approval", "undeliverable")


class Handoff(View):
    """A change waiting for its person's yes in Slack (no token, no secret)."""

    id: str
    status: str = Field(
        description="delivering, pending (in the person's Slack DM), executed, declined, expired, stale, failed, "
        "pending_approval (their yes is in; a second person must approve) or undeliverable"
    )
    operation: str
    target: str
    registry: str
    preview: Preview
    requested_by: str
    expires_at: datetime
    outcome: str | None = None
    approval_id: str | None = Field(default=None, description="When four eyes applies after their yes")

    def lines(self) -> list[str]:
        waiting = self.status in ("delivering", "pending")
        out = waiting_lines(
            "Confirmation",
            self,
            f"waiting for {self.requested_by} to confirm in Slack until {self.expires_at:%H:%M} UTC"
            if waiting
            else None,
        )
        return out + ([f"  approval request {self.approval_id}: see get_approval"] if self.approval_id else [])


@dataclass(eq=False)
class Handoffs:
    store: StateStore
    recorder: Recorder
    _: KW_ONLY
    verify: Callable[[str], Claims | None]
    execute: Execute
    clock: Callable[[], float]
    deliver_within: float = 5.0

    # ------------------------------------------------------------ the record

    async def _save(self, handoff: Handoff, extra: dict[str, Any]) -> None:
        ttl = max(1.0, handoff.expires_at.timestamp() - self.clock()) + KEEP_AFTER
        await self.store.put(
            f"handoff:{handoff.id}", json.dumps({"view": handoff.model_dump(mode="json"), **extra}), ttl
        )

    async def load(self, handoff_id: str) -> tuple[Handoff, dict[str, Any]]:
        raw = await self.store.get(f"handoff:{handoff_id.strip()}")
        if raw is None:
            raise NotFoundError(f"there is no confirmation {handoff_id!r} (or it ended more than a day ago)")
        body = json.loads(raw)
        return Handoff.model_validate(body["view"]), body

    async def _update(self, handoff_id: str, **changes: Any) -> Handoff:
        handoff, body = await self.load(handoff_id)
        extra = {k: v for k, v in body.items() if k != "view"}
        extra.update(changes.pop("extra", {}))
        handoff = handoff.model_copy(update=changes)
        await self._save(handoff, extra)
        return handoff

    # ------------------------------------------------------------ the assistant's side

    async def hand_over(self, plan: Plan, op: Confirmable, inp: InputModel, caller: Caller) -> ConfirmResult[Any]:
        """Queue the plan for the person's DM; answer once it is delivered (or refuse, saying why)."""
        if caller.email is None:
            self.recorder.note(Outcome.DENIED, caller, plan.claims, "confirm in Slack: no verified e-mail")
            raise ConfirmationError(
                "refused: this server takes a person's yes in Slack (REGISTRY_MCP_CONFIRM=slack), found by the "
                "e-mail your sign-in carries, and this connection carries none; nothing changed",
                outcome=Outcome.DENIED,
                reason="unidentified",
                hint="Connect through MCP over HTTP signed in with OAuth (REGISTRY_MCP_OAUTH_ISSUER).",
            )
        handoff = Handoff(
            id=secrets.token_urlsafe(9),
            status="delivering",
            operation=op.name,
            target=plan.claims.confirm_name,
            registry=plan.claims.registry_name,
            preview=plan.preview,
            requested_by=caller.actor,
            expires_at=datetime.fromtimestamp(plan.claims.expires_at, UTC),
        )
        extra = {"token": plan.token, "args": inp.model_dump(mode="json"), "email": caller.email, "front": caller.front}
        await self._save(handoff, extra)
        await self.store.push(OUTBOX, handoff.id, max(1.0, plan.claims.expires_at - self.clock()))
        delivered = await self._delivered(handoff.id)
        if delivered.status == "delivering":
            delivered = await self._update(
                handoff.id, status="undeliverable", outcome="No registry-bot sharing REGISTRY_STATE_URL delivered it."
            )
        if delivered.status == "undeliverable":
            self.recorder.note(Outcome.DENIED, caller, plan.claims, f"confirm in Slack: {delivered.outcome}")
            raise ConfirmationError(
                f"refused: the confirmation could not reach you in Slack: {delivered.outcome} Nothing changed.",
                outcome=Outcome.DENIED,
                reason="undeliverable",
                hint="Make sure your Slack account uses the e-mail you sign in with, and registry-bot runs.",
            )
        message = (
            f"Sent to {caller.email}'s Slack DM: nothing runs until they press Confirm there, by "
            f"{handoff.expires_at:%H:%M} UTC (confirmation {handoff.id}). Check with get_confirmation, "
            "or call it with wait=true."
        )
        return ConfirmResult(status="pending_confirmation", message=message, preview=plan.preview, result=delivered)

    async def _delivered(self, handoff_id: str) -> Handoff:
        deadline = time.monotonic() + self.deliver_within
        while True:
            handoff, _ = await self.load(handoff_id)
            if handoff.status != "delivering" or time.monotonic() > deadline:
                return handoff
            await asyncio.sleep(0.05)

    async def status(self, handoff_id: str, *, wait: float = 0.0) -> Handoff:
        """Where it stands; with ``wait``, until it settles or that many seconds pass."""
        deadline = time.monotonic() + wait
        while True:
            handoff, _ = await self.load(handoff_id)
            if handoff.status in ("delivering", "pending") and self.clock() > handoff.expires_at.timestamp():
                handoff = await self._update(handoff_id, status="expired", outcome="Nobody confirmed it in time.")
            if handoff.status in SETTLED or time.monotonic() >= deadline:
                return handoff
            await asyncio.sleep(0.25)

    # ------------------------------------------------------------ Slack's side

    async def deliver(self, post: Callable[[Handoff, str], Awaitable[str | None]], *, lease: float = 30.0) -> int:
        """Hand each queued change to its person, once, whichever replica gets to it. ``post`` gets the
        handoff and the requester's e-mail and answers where it went (a Slack user), or None when no
        account has that e-mail."""
        delivered = 0
        for handoff_id in await self.store.items(OUTBOX):
            if not await self.store.claim(f"handoff-delivering:{handoff_id}", lease):
                continue
            try:
                handoff, body = await self.load(handoff_id)
                if handoff.status == "delivering":
                    user = await post(handoff, str(body["email"]))
                    if user is None:
                        await self._update(
                            handoff_id,
                            status="undeliverable",
                            outcome=f"No Slack account here has the e-mail {body['email']}.",
                        )
                    else:
                        await self._update(handoff_id, status="pending", extra={"slack_user": user})
                        delivered += 1
            except NotFoundError:
                pass
            except Exception:
                await self.store.release(f"handoff-delivering:{handoff_id}")
                raise
            await self.store.remove(OUTBOX, handoff_id)
        return delivered

    async def decide(
        self, handoff_id: str, *, confirm: bool, presser: Caller, account: str, op: Confirmable
    ) -> Handoff:
        """The person's answer, pressed from ``account`` (a Slack user). Only the account it was delivered
        to, and only the requester (by e-mail), may give it; it runs at most once."""
        handoff, body = await self.load(handoff_id)
        requester = Caller(handoff.requested_by, str(body.get("front", "mcp")), False, body.get("email"))
        claims = self.verify(str(body["token"]))
        if claims is None:  # only if the signing secret changed meanwhile
            return await self._update(handoff_id, status="failed", outcome="The confirmation is no longer valid.")
        if account != body.get("slack_user"):
            self.recorder.note(
                Outcome.DENIED, presser, claims, f"confirmation {handoff.id}: pressed by someone it was not sent to"
            )
            raise ConfirmationError(
                "This confirmation was sent to someone else: only they can answer it.",
                outcome=Outcome.DENIED,
                reason="other_actor",
                hint="Nothing ran. Ask the person it was sent to.",
            )
        if same_person(requester, presser) is not Sameness.SAME:
            self.recorder.note(Outcome.DENIED, presser, claims, f"confirmation {handoff.id}: not the requester")
            raise ConfirmationError(
                f"refused: confirmation {handoff.id} is {handoff.requested_by}'s to give, not yours",
                outcome=Outcome.DENIED,
                reason="other_actor",
            )
        if handoff.status != "pending":
            raise ConfirmationError(f"confirmation {handoff.id} is already {handoff.status}", outcome=Outcome.DENIED)
        if not await self.store.claim(f"handoff-decided:{handoff.id}", KEEP_AFTER):
            raise ConfirmationError(f"confirmation {handoff.id} is already being decided", outcome=Outcome.DENIED)
        if not confirm:
            self.recorder.note(Outcome.DECLINED, requester, claims, f"confirmation {handoff.id}: Cancel in Slack")
            return await self._update(handoff_id, status="declined", outcome="Cancelled in Slack: nothing ran.")
        inp = op.input.model_validate(body["args"])
        try:
            done = await self.execute(claims, op, inp, requester)
        except ConfirmationError as err:
            status = err.outcome if err.outcome in ("expired", "stale") else "failed"
            return await self._update(handoff_id, status=status, outcome=err.message)
        except RegistryError as err:
            return await self._update(handoff_id, status="failed", outcome=f"It failed: {err.message}")
        approval = getattr(done.result, "id", None) if done.status == "pending_approval" else None
        return await self._update(handoff_id, status=done.status, outcome=done.message, approval_id=approval)

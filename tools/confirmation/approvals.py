"""Four-eyes approval: on resources in ``REGISTRY_APPROVAL_REQUIRED``, a confirmed change needs a
second person, whichever front (Slack, or an AI assistant over MCP) asked for it.

After the requester's own confirmation (the same preview and yes as always), the change is not
run: it becomes a request, kept in the state store (so every replica sees it) and queued for the
approval channel. A writer other than the requester approves or rejects it there; on approval it
runs once (the decision is an atomic claim, however many replicas see the click), after checking
that the resource is unchanged since the preview. Every step is audited. A request not decided
within ``REGISTRY_APPROVAL_TTL`` seconds expires at that time (``settle_expired``), its card marked.

Nobody approves their own change, whichever fronts the two used: people are compared by actor,
and across fronts by verified e-mail (``tools.people``). Where that cannot tell them apart, the
approval is refused, never taken as someone else's.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import KW_ONLY, asdict, dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import Field

from tools import metrics
from tools.audit import Outcome
from tools.confirmation.claims import Claims
from tools.confirmation.previews import Preview, Target, waiting_lines
from tools.confirmation.protection import Coverage
from tools.confirmation.records import Recorder
from tools.confirmation.results import Change, Confirmable, ConfirmResult
from tools.errors import ApprovalError, NotFoundError
from tools.models import InputModel, View
from tools.people import Caller, Sameness, same_person, told_apart_from
from tools.state import StateStore

# What an approved request runs: the engine's re-check and apply, handed in at construction (so this
# module never imports the engine). Returns (status, what happened in words).
ApplyApproved = Callable[[Claims, Confirmable, InputModel, Caller, str, str], Awaitable[tuple[str, str]]]

OUTBOX = "approvals:outbox"
OPEN = "approvals:open"  # requests not yet seen through to the end (their expiry included)
# Approvals are decided in the Slack approval channel: the people who approve are Slack accounts.
APPROVERS_FRONT = "slack"
KEEP_AFTER = 86400.0  # a decided request stays readable (its status) this long after it expires


class Approval(View):
    """One request for a second person's approval, as both fronts show it (no secret, no token)."""

    id: str
    status: str = Field(description="pending, executed, rejected, expired, stale or failed")
    operation: str
    target: str = Field(description="What it acts on, as the requester typed to confirm")
    registry: str
    preview: Preview
    requested_by: str
    front: str = Field(description="slack, or mcp: an AI assistant acting for the requester")
    requested_at: datetime
    expires_at: datetime
    channel: str | None = Field(description="The Slack channel where it is approved")
    decided_by: str | None = None
    outcome: str | None = Field(default=None, description="What happened, once decided")

    @property
    def by_assistant(self) -> bool:
        return self.front == "mcp"

    def lines(self) -> list[str]:
        where = f" in channel {self.channel}" if self.channel else ""
        return waiting_lines(
            "Approval request",
            self,
            f"asked by {self.requested_by}{' through an AI assistant' if self.by_assistant else ''}",
            f"waiting for a second writer{where} until {self.expires_at:%Y-%m-%d %H:%M} UTC"
            if self.status == "pending"
            else None,
            f"decided by {self.decided_by}" if self.decided_by else None,
        )


@dataclass(frozen=True)
class Card:
    """Where a request's card was posted, so it can be changed later (its expiry)."""

    channel: str
    ts: str


@dataclass(eq=False)
class Approvals:
    store: StateStore
    coverage: Coverage
    ttl: float
    channel: str | None
    _: KW_ONLY
    recorder: Recorder
    now: Callable[[], datetime]
    apply: ApplyApproved

    @property
    def on(self) -> bool:
        """Whether anything needs a second person at all (``REGISTRY_APPROVAL_REQUIRED`` is set)."""
        return bool(self.coverage)

    def required(self, claims: Claims) -> str | None:
        """The ``REGISTRY_APPROVAL_REQUIRED`` glob covering what ``claims`` acts on, if any."""
        return self.coverage.covering(claims.key)

    def unapprovable(self, target: Target, caller: Caller) -> str | None:
        """Why a request from ``caller`` on ``target`` could never be approved, if it could not: the
        approvers could never be told apart from the requester (fail closed, before anything is asked)."""
        pattern = self.coverage.covering(target.protection_key)
        if pattern is None or told_apart_from(caller, APPROVERS_FRONT):
            return None
        return (
            f"{target.protection_key} needs a second person's approval (REGISTRY_APPROVAL_REQUIRED matches "
            f"{pattern!r}), and this connection does not say who you are (no verified e-mail address), so "
            "nobody approving in Slack could be told apart from you"
        )

    # ------------------------------------------------------------ the record

    async def _save(self, approval: Approval, extra: dict[str, Any]) -> None:
        ttl = max(1.0, (approval.expires_at - datetime.now(UTC)).total_seconds()) + KEEP_AFTER
        body = {"view": approval.model_dump(mode="json"), **extra}
        await self.store.put(f"approval:{approval.id}", json.dumps(body), ttl)

    async def load(self, request_id: str) -> tuple[Approval, dict[str, Any]]:
        raw = await self.store.get(f"approval:{request_id.strip()}")
        if raw is None:
            raise NotFoundError(
                f"there is no approval request {request_id!r} (or it ended more than a day ago)",
                hint="Check the id in the approval channel or in the answer that created it.",
            )
        body = json.loads(raw)
        return Approval.model_validate(body["view"]), body

    # ------------------------------------------------------------ asking

    async def request(
        self, claims: Claims, op: Confirmable, inp: InputModel, change: Change, caller: Caller
    ) -> ConfirmResult[Any]:
        """Instead of running the confirmed change: a request for a second person, queued for the channel."""
        now = self.now()
        empty = Preview(title=f"{op.name} {claims.confirm_name}", facts=[], changes=[], warnings=[])
        approval = Approval(
            id=secrets.token_urlsafe(9),
            status="pending",
            operation=op.name,
            target=claims.confirm_name,
            registry=claims.registry_name,
            preview=change.preview or empty,
            requested_by=caller.actor,
            front=caller.front,
            requested_at=now,
            expires_at=now + timedelta(seconds=self.ttl),
            channel=self.channel,
        )
        extra = {
            "claims": asdict(claims),
            "args": inp.model_dump(mode="json"),
            "email": caller.email,
            "safe_only": caller.safe_only,
        }
        await self._save(approval, extra)
        await self.store.push(OPEN, approval.id, self.ttl + KEEP_AFTER)
        await self.store.push(OUTBOX, approval.id, self.ttl)
        self.recorder.note(Outcome.REQUESTED, caller, claims, f"approval {approval.id} requested")
        metrics.count_confirmation("pending_approval")
        where = f" in the Slack channel {self.channel}" if self.channel else ""
        minutes = int(self.ttl // 60)
        message = (
            f"Approval needed: {claims.confirm_name} is covered by REGISTRY_APPROVAL_REQUIRED, so a second "
            f"writer must approve this{where} within {minutes} min (request {approval.id}). Nothing has run yet."
        )
        return ConfirmResult(status="pending_approval", message=message, result=approval)

    async def announce(self, post: Callable[[Approval], Awaitable[Card | None]], *, lease: float = 60.0) -> int:
        """Post each queued request once, whichever replica gets to it: a replica takes a short lease on
        a request before posting it, so one that dies meanwhile leaves it to another after the lease,
        instead of losing the announcement. Where the card went is kept (to mark it expired later).
        Returns how many this call posted."""
        posted = 0
        for request_id in await self.store.items(OUTBOX):
            done, posting = f"approval-posted:{request_id}", f"approval-posting:{request_id}"
            if await self.store.taken(done) or not await self.store.claim(posting, lease):
                continue
            try:
                approval, _ = await self.load(request_id)
                if approval.status == "pending":
                    card = await post(approval)
                    posted += 1
                    if card is not None:
                        await self._keep_card(request_id, card)
            except NotFoundError:
                pass  # ended long ago: nothing to announce
            except Exception:
                await self.store.release(posting)
                raise
            await self.store.put(done, "1", self.ttl + KEEP_AFTER)
            await self.store.remove(OUTBOX, request_id)
        return posted

    async def _keep_card(self, request_id: str, card: Card) -> None:
        approval, body = await self.load(request_id)  # again: a decision may have landed while posting
        body["card"] = asdict(card)
        await self._save(approval, {k: v for k, v in body.items() if k != "view"})

    async def status(self, request_id: str) -> Approval:
        """The request as it stands (a pending one past its time is expired, and audited so once)."""
        approval, body = await self.load(request_id)
        if approval.status == "pending" and self.now() > approval.expires_at:
            approval = await self._expire(approval, body)
        return approval

    async def _expire(self, approval: Approval, body: dict[str, Any]) -> Approval:
        if await self.store.claim(f"approval-decided:{approval.id}", KEEP_AFTER):
            claims = Claims(**body["claims"])
            requester = requester_of(body, approval)
            self.recorder.note(Outcome.EXPIRED, requester, claims, f"approval {approval.id} expired")
            approval = approval.model_copy(update={"status": "expired", "outcome": "Nobody approved it in time."})
            await self._save(approval, {k: v for k, v in body.items() if k != "view"})
        else:
            approval, _ = await self.load(approval.id)
        return approval

    async def settle_expired(
        self, tell: Callable[[Approval, Card | None], Awaitable[None]], *, lease: float = 60.0
    ) -> int:
        """At its time, not on the next click: each request nobody decided is expired (audited once) and
        ``tell`` runs once for it (its card marked, the requester told), whichever replica gets there
        first; a replica that dies while telling leaves it to another after the lease. Returns how
        many this call told."""
        told = 0
        for request_id in await self.store.items(OPEN):
            try:
                approval, body = await self.load(request_id)
            except NotFoundError:
                await self.store.remove(OPEN, request_id)
                continue
            if approval.status == "pending" and self.now() > approval.expires_at:
                approval = await self._expire(approval, body)
            if approval.status == "pending":
                continue  # not due yet, or being decided right now
            if approval.status == "expired":
                done, telling = f"approval-told:{request_id}", f"approval-telling:{request_id}"
                if await self.store.taken(done) or not await self.store.claim(telling, lease):
                    continue
                try:
                    await tell(approval, card_of(body))
                except Exception:
                    await self.store.release(telling)
                    raise
                await self.store.put(done, "1", KEEP_AFTER)
                told += 1
            await self.store.remove(OPEN, request_id)
        return told

    # ------------------------------------------------------------ deciding

    async def decide(self, request_id: str, *, approve: bool, approver: Caller, op: Confirmable) -> Approval:
        """Approve (and run once) or reject. Refusals leave the request pending for someone else."""
        approval, body = await self.load(request_id)
        if approval.status != "pending":
            raise ApprovalError(f"request {approval.id} is already {approval.status}: {approval.outcome or ''}".strip())
        if self.now() > approval.expires_at:
            expired = await self._expire(approval, body)
            raise ApprovalError(f"request {approval.id} expired at {expired.expires_at:%H:%M} UTC; nothing ran")
        claims = Claims(**body["claims"])
        requester = requester_of(body, approval)
        refusal = _refusal(same_person(requester, approver), requester, approver)
        if refusal is not None:
            detail, error = refusal
            self.recorder.note(Outcome.DENIED, approver, claims, f"approval {approval.id}: {detail}")
            raise error
        if not await self.store.claim(f"approval-decided:{approval.id}", KEEP_AFTER):
            current, _ = await self.load(approval.id)
            raise ApprovalError(f"request {approval.id} is already being decided ({current.status})")
        keep = {k: v for k, v in body.items() if k != "view"}
        decided = {"decided_by": approver.actor}
        if not approve:
            self.recorder.note(Outcome.REJECTED, approver, claims, f"approval {approval.id} rejected")
            approval = approval.model_copy(
                update={**decided, "status": "rejected", "outcome": "Rejected: nothing ran."}
            )
            await self._save(approval, keep)
            return approval
        self.recorder.note(Outcome.APPROVED, approver, claims, f"approval {approval.id} approved")
        inp = op.input.model_validate(body["args"])
        status, outcome = await self.apply(claims, op, inp, requester, approver.actor, approval.id)
        approval = approval.model_copy(update={**decided, "status": status, "outcome": outcome})
        await self._save(approval, keep)
        return approval


def _refusal(sameness: Sameness, requester: Caller, approver: Caller) -> tuple[str, ApprovalError] | None:
    """Why ``approver`` may not decide ``requester``'s request, if they may not: the audit's words and
    the person's. Unknown is refused like same (fail closed)."""
    if sameness is Sameness.DIFFERENT:
        return None
    if sameness is Sameness.SAME:
        return "self-approval refused", ApprovalError(
            "refused: you asked for this change, so someone else must approve it (four eyes)",
            hint="Ask another writer to approve it.",
        )
    how = " through an AI assistant" if requester.front == "mcp" else f" in {requester.front}"
    if requester.email is None:
        return "requester not identifiable", ApprovalError(
            f"refused: {requester.actor} asked{how} without a verified e-mail address, so nobody can be sure "
            "you are someone else (four eyes)",
            hint="Nothing ran. The requester can ask again from Slack, or through MCP signed in with OAuth.",
        )
    return "approver not identifiable", ApprovalError(
        f"refused: {requester.actor} asked{how}, and your e-mail address could not be read to be sure you are "
        "someone else (four eyes)",
        hint="The bot needs the users:read.email scope; see the README's Slack set-up.",
    )


def card_of(body: dict[str, Any]) -> Card | None:
    found = body.get("card")
    return Card(str(found["channel"]), str(found["ts"])) if isinstance(found, dict) else None


def requester_of(body: dict[str, Any], approval: Approval) -> Caller:
    """The person who asked, as they were when they asked (front, e-mail, what they may do)."""
    return Caller(approval.requested_by, approval.front, bool(body.get("safe_only")), body.get("email"))

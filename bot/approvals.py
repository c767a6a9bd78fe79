"""Four eyes in Slack: requests posted in REGISTRY_APPROVAL_CHANNEL, decided there by another writer.

Requests come from either front (a person in Slack, or an AI assistant over MCP on any replica)
through a queue in the shared state store; each is posted once, by whichever replica leases it
first (a replica dying mid-post leaves it to another after the lease). A click runs
``Approvals.decide`` in the core, which makes sure one decision counts, however many replicas got
clicks. The card then shows the outcome, and the requester is told in a DM. A request nobody
decided turns to Expired on its card when its time comes, once across replicas.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot import render
from bot.deps import BotDeps, forever, pressed
from bot.people import People, caller_of
from tools.audit import Outcome
from tools.confirmation import Approval, Approvals, Card
from tools.errors import RegistryError
from tools.operations import CATALOGUE

logger = logging.getLogger("bot.approvals")


@dataclass(eq=False)
class Courier:
    """Posts queued approval requests in the channel, and marks the ones nobody decided in time as
    expired when their time comes (each once, by whichever replica takes it)."""

    deps: BotDeps
    slack: AsyncWebClient
    channel: str

    @property
    def approvals(self) -> Approvals:
        return self.deps.core.confirmer.approvals

    async def drain(self) -> int:
        async def post(approval: Approval) -> Card | None:
            posted = await self.slack.chat_postMessage(channel=self.channel, **render.approval_card(approval))
            channel, ts = posted.get("channel"), posted.get("ts")
            return Card(str(channel), str(ts)) if channel and ts else None

        return await self.approvals.announce(post)

    async def settle(self) -> int:
        """Requests past their time: the card turns to Expired, the requester is told."""

        async def tell(approval: Approval, card: Card | None) -> None:
            if card is not None:
                await self.slack.chat_update(channel=card.channel, ts=card.ts, **render.approval_card(approval))
            await tell_requester(approval, self.slack, self.deps.people)

        return await self.approvals.settle_expired(tell)

    async def run(self, every: float = 1.0) -> None:
        await forever(every, self.drain, self.settle, what="approval requests")


def register(app: AsyncApp, deps: BotDeps) -> None:
    async def decide(ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond, client: AsyncWebClient) -> None:
        await ack()
        user, approve, request_id = pressed(body, yes=render.APPROVE_ACTION)
        approvals = deps.core.confirmer.approvals
        if not await deps.can_write(user, client):
            deps.core.audit.record(
                caller_of(user),
                "approve" if approve else "reject",
                Outcome.DENIED,
                detail=f"approval {request_id}: not a Slack writer (REGISTRY_BOT_WRITERS)",
            )
            text = f"Only {deps.access.who_can_write()} may approve or reject changes (REGISTRY_BOT_WRITERS)."
            await respond(**render.refusal(text), response_type="ephemeral", replace_original=False)
            return
        caller = await deps.people.caller(user, client)
        try:
            pending = await approvals.status(request_id)
            op = CATALOGUE[pending.operation]
            decided = await approvals.decide(request_id, approve=approve, approver=caller, op=op)
        except RegistryError as err:
            await respond(**render.error(err), response_type="ephemeral", replace_original=False)
            current = await _current(approvals, request_id, deps)
            if current is not None and current.status != "pending":  # expired meanwhile: show it
                await respond(**render.approval_card(current), replace_original=True)
            return
        await respond(**render.approval_card(decided), replace_original=True)
        await tell_requester(decided, client, deps.people)
        await deps.post_audit(client, f"{render.who(caller.actor)} {decided.status}: {decided.outcome}")

    app.action(render.APPROVE_ACTION)(decide)
    app.action(render.REJECT_ACTION)(decide)


async def _current(approvals: Approvals, request_id: str, deps: BotDeps) -> Approval | None:
    try:
        return await approvals.status(request_id)
    except RegistryError:
        return None


async def tell_requester(approval: Approval, client: AsyncWebClient, people: People) -> None:
    """The requester hears the outcome in a DM: a Slack requester directly; an assistant's person when
    their e-mail is a Slack account here (else the assistant reads it with get_approval)."""
    front, _, name = approval.requested_by.partition(":")
    user = name if front == "slack" else None
    if user is None and front == "mcp" and "@" in name:
        user = await people.user_with(name, client)
    if user is None:
        return
    via = " (asked through your AI assistant)" if front == "mcp" else ""
    text = f"Your request {approval.id}{via} ({approval.operation} {approval.target}): {approval.outcome}"
    try:
        await client.chat_postMessage(channel=user, text=render.esc(text))
    except Exception:
        logger.exception("could not tell %s about approval %s", user, approval.id)

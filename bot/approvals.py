"""Four eyes in Slack: requests posted in REGISTRY_APPROVAL_CHANNEL, decided there by another writer.

Requests come from either front (a person in Slack, or an AI assistant over MCP on any replica)
through a queue in the shared state store; each is posted once, by whichever replica leases it
first (a replica dying mid-post leaves it to another after the lease). A click runs
``Approvals.decide`` in the core, which makes sure one decision counts, however many replicas got
clicks. The card then shows the outcome, and a requester who asked in Slack is told in a DM.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot import render
from bot.commands import BotDeps, members_lookup, post_audit_line
from tools.approvals import Approval, Approvals
from tools.audit import Outcome
from tools.errors import RegistryError
from tools.operations import CATALOGUE, Caller

logger = logging.getLogger("bot.approvals")
EMAIL_TTL = 600.0


class Courier:
    """Posts queued approval requests in the channel (each once, by whichever replica takes it)."""

    def __init__(self, deps: BotDeps, slack: AsyncWebClient, channel: str) -> None:
        self.deps = deps
        self.slack = slack
        self.channel = channel

    @property
    def approvals(self) -> Approvals:
        assert self.deps.core.confirmer.approvals is not None
        return self.deps.core.confirmer.approvals

    async def drain(self) -> int:
        async def post(approval: Approval) -> None:
            await self.slack.chat_postMessage(channel=self.channel, **render.approval_card(approval))

        return await self.approvals.announce(post)

    async def run(self, every: float = 1.0) -> None:
        while True:
            try:
                await self.drain()
            except Exception:  # the store away: the next round tries again
                logger.warning("could not look for approval requests", exc_info=True)
            await asyncio.sleep(every)


class Emails:
    """A Slack user's e-mail address (users.info), to tell people apart across fronts; cached."""

    def __init__(self) -> None:
        self._known: dict[str, tuple[float, str | None]] = {}

    async def of(self, user: str, client: AsyncWebClient) -> str | None:
        found = self._known.get(user)
        if found is not None and time.monotonic() - found[0] < EMAIL_TTL:
            return found[1]
        try:
            answer = await client.users_info(user=user)
            email = ((answer.get("user") or {}).get("profile") or {}).get("email")
        except Exception:  # missing scope: the core then refuses where it cannot tell people apart
            logger.warning("could not read the e-mail of %s (users:read.email)", user, exc_info=True)
            email = None
        self._known[user] = (time.monotonic(), email if isinstance(email, str) else None)
        return self._known[user][1]


def register(app: AsyncApp, deps: BotDeps) -> None:
    emails = Emails()

    async def decide(ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond, client: AsyncWebClient) -> None:
        await ack()
        action = body["actions"][0]
        user, request_id = body["user"]["id"], str(action.get("value", ""))
        approve = action["action_id"] == render.APPROVE_ACTION
        approvals = deps.core.confirmer.approvals
        if approvals is None:
            return
        if not await deps.access.can_write(user, members_lookup(client)):
            deps.core.audit.record(
                front="slack",
                actor=f"slack:{user}",
                operation="approve" if approve else "reject",
                outcome=Outcome.DENIED,
                detail=f"approval {request_id}: not a Slack writer (REGISTRY_BOT_WRITERS)",
            )
            text = f"Only {deps.access.who_can_write()} may approve or reject changes (REGISTRY_BOT_WRITERS)."
            await respond(**render.refusal(text), response_type="ephemeral", replace_original=False)
            return
        caller = Caller(f"slack:{user}", "slack", email=await emails.of(user, client))
        try:
            pending = await approvals.status(request_id, deps.core.confirmer)
            op = CATALOGUE[pending.operation]
            decided = await approvals.decide(
                request_id, approve=approve, approver=caller, confirmer=deps.core.confirmer, op=op
            )
        except RegistryError as err:
            await respond(**render.error(err), response_type="ephemeral", replace_original=False)
            current = await _current(approvals, request_id, deps)
            if current is not None and current.status != "pending":  # expired meanwhile: show it
                await respond(**render.approval_card(current), replace_original=True)
            return
        await respond(**render.approval_card(decided), replace_original=True)
        await tell_requester(decided, client)
        await post_audit_line(deps, client, f"{render.who(caller.actor)} {decided.status}: {decided.outcome}")

    app.action(render.APPROVE_ACTION)(decide)
    app.action(render.REJECT_ACTION)(decide)


async def _current(approvals: Approvals, request_id: str, deps: BotDeps) -> Approval | None:
    try:
        return await approvals.status(request_id, deps.core.confirmer)
    except RegistryError:
        return None


async def tell_requester(approval: Approval, client: AsyncWebClient) -> None:
    """A requester who asked in Slack hears the outcome in a DM; an assistant's requester asks get_approval."""
    if not approval.requested_by.startswith("slack:"):
        return
    user = approval.requested_by.split(":", 1)[1]
    text = f"Your request {approval.id} ({approval.operation} {approval.target}): {approval.outcome}"
    try:
        await client.chat_postMessage(channel=user, text=render.esc(text))
    except Exception:
        logger.exception("could not tell %s about approval %s", user, approval.id)

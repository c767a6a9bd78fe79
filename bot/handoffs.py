"""An assistant's change, confirmed by its person where no model can click (``REGISTRY_MCP_CONFIRM=slack``):
the courier delivers each queued handoff to the DM of the Slack account with the requester's e-mail;
Confirm and Cancel there are the person's answer. Only that account may press them, and the core
checks again that the presser's e-mail is the requester's.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot import render
from bot.deps import BotDeps, forever, pressed
from tools.confirmation import Handoff
from tools.errors import RegistryError
from tools.operations import CATALOGUE

logger = logging.getLogger("bot.handoffs")


@dataclass(eq=False)
class HandoffCourier:
    """Delivers each assistant's change to its person's DM, once, by whichever replica takes it."""

    deps: BotDeps
    slack: AsyncWebClient

    async def deliver(self) -> int:
        async def post(handoff: Handoff, email: str) -> str | None:
            user = await self.deps.people.user_with(email, self.slack)
            if user is None:
                return None
            shown = handoff.model_copy(update={"status": "pending"})  # what it is once this post lands
            await self.slack.chat_postMessage(channel=user, **render.handoff_card(shown))
            return user

        return await self.deps.core.confirmer.handoffs.deliver(post)

    async def run(self, every: float = 0.25) -> None:
        # Often: the assistant's call is waiting for the delivery (a few seconds at most).
        await forever(every, self.deliver, what="confirmations for Slack")


def register(app: AsyncApp, deps: BotDeps) -> None:
    async def answer(ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond, client: AsyncWebClient) -> None:
        await ack()
        user, confirm, handoff_id = pressed(body, yes=render.HANDOFF_CONFIRM_ACTION)
        handoffs = deps.core.confirmer.handoffs
        try:
            handoff = await handoffs.status(handoff_id)
            presser = await deps.people.caller(user, client)
            op = CATALOGUE[handoff.operation]
            decided = await handoffs.decide(handoff_id, confirm=confirm, presser=presser, account=user, op=op)
        except RegistryError as err:
            await respond(**render.error(err), response_type="ephemeral", replace_original=False)
            try:
                current = await handoffs.status(handoff_id)
            except RegistryError:
                return
            if current.status != "pending":
                await respond(**render.handoff_card(current), replace_original=True)
            return
        await respond(**render.handoff_card(decided), replace_original=True)
        if decided.status in ("executed", "created"):
            await deps.post_audit(client, f"{render.who(handoff.requested_by)} (confirmed in Slack): {decided.outcome}")

    app.action(render.HANDOFF_CONFIRM_ACTION)(answer)
    app.action(render.HANDOFF_CANCEL_ACTION)(answer)

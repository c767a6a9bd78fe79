"""/registry and the Next page button: ack at once, then answer (``bot.answers``) and respond."""

from __future__ import annotations

import json
import logging
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot import render
from bot.answers import Answer, answer, answered, through_response_url
from bot.deps import BotDeps, undelivered

logger = logging.getLogger("bot.commands")


def register(app: AsyncApp, deps: BotDeps) -> None:
    @app.command("/registry")
    async def on_command(ack: AsyncAck, command: dict[str, Any], respond: AsyncRespond, client: AsyncWebClient) -> None:
        await ack()
        user, channel = command.get("user_id", ""), command.get("channel_id")
        reply = await answered(lambda: answer(deps, command.get("text", ""), user, channel, client))
        try:
            await respond(**reply.message, response_type="ephemeral", replace_original=False)
        except Exception as exc:
            undelivered(logger, "deliver the answer to Slack", exc)
            return
        if reply.follow is not None:
            await reply.follow(through_response_url(respond))

    @app.action(render.NEXT_ACTION)
    async def on_next_page(ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond, client: AsyncWebClient) -> None:
        """Any list's Next page: its command again at the next cursor, as the person pressing it (the
        same rules as typing it: channel, writers)."""
        await ack()
        user, channel = body["user"]["id"], (body.get("channel") or {}).get("id")

        async def next_page() -> Answer:
            try:
                command = str(json.loads(body["actions"][0]["value"])["q"])
            except (ValueError, KeyError, TypeError):
                return Answer(render.refusal("That button is not valid."), private=True)
            return await answer(deps, command, user, channel, client)

        reply = await answered(next_page)
        # A page of one's own list replaces it; from a message everyone sees (the digest), it is one's own.
        replace = bool((body.get("container") or {}).get("is_ephemeral"))
        try:
            await respond(**reply.message, response_type="ephemeral", replace_original=replace)
        except Exception as exc:
            undelivered(logger, "deliver the next page to Slack", exc)

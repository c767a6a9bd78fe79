"""Next steps on the watch's findings: the menu on each of the most urgent ones in the digest and in
`/registry watch` (Extend 90 days and Revoke… on a token, Show images and Advisory on a vulnerability,
Details on a registry).

Each choice is the `/registry` command it names, answered as if the person pressing it had typed it:
the same channel rules, writers, confirmation (a revoke asks for the usual yes, and four eyes where
required), rate limits and audit. The answer is theirs alone; a change that ran at once (an extension)
is also recorded on the digest itself, and one confirmed later (a revoke) is said in the digest's
thread, for everyone who reads it.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot import render
from bot.access import mention
from bot.answers import answer, answered
from bot.deps import BotDeps, undelivered

logger = logging.getLogger("bot.findings")
DONE = {"Extend 90 days": "extended 90 days"}  # how the digest says what someone did


def register(app: AsyncApp, deps: BotDeps) -> None:
    @app.action(render.FINDING_ACTION)
    async def on_step(ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond, client: AsyncWebClient) -> None:
        await ack()
        user, channel = body["user"]["id"], (body.get("channel") or {}).get("id")
        chosen = body["actions"][0].get("selected_option") or {}
        command, label = str(chosen.get("value", "")), str((chosen.get("text") or {}).get("text", ""))
        message = body.get("message") or {}
        # A change confirmed later (a revoke) is said in the digest's thread: the digest shows who acted.
        thread = message.get("ts") if not (body.get("container") or {}).get("is_ephemeral") else None
        reply = await answered(lambda: answer(deps, command, user, channel, client, thread=thread))
        try:
            if body.get("response_url"):
                await respond(**reply.message, response_type="ephemeral", replace_original=False)
            else:  # pressed on the Home tab, which has no response_url: the answer comes as a DM
                await client.chat_postMessage(channel=user, **reply.message)
        except Exception as exc:
            undelivered(logger, "answer a finding's next step", exc)
        if reply.changed is None or not message.get("ts") or channel is None:
            return
        note = render.context(f"{mention(user)} {DONE.get(label, label)}: {render.esc(reply.changed)}")
        kept = list(message.get("blocks") or [])[: render.BLOCK_LIMIT - 1]
        blocks = [*kept, note]
        try:
            await client.chat_update(channel=channel, ts=message["ts"], blocks=blocks, text=message.get("text") or "")
        except Exception as exc:
            undelivered(logger, "record the step on the digest", exc)

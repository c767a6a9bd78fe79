"""Answers where incidents happen: mentions in channels and threads, direct messages, the App Home.

``@registry-ops get prod-images`` in a thread answers in that thread, for everyone there, with the
slash command's grammar, access rules and channel allow-list. What only the asker may see (a
confirmation preview, a refusal, help, a new token's password) goes to them ephemerally in the
same thread; a direct message is private already. Slack may deliver an event more than once
(a retry after a slow ack, on another replica): each is answered once, by whoever claims it first
in the shared state store.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot import render
from bot.answers import answer, answered
from bot.deps import BotDeps
from bot.home import publish_home
from bot.progress import Where
from tools.errors import StoreUnavailableError

logger = logging.getLogger("bot.mentions")
LEADING_MENTIONS = re.compile(r"^\s*(?:<@[A-Z0-9]+(?:\|[^>]*)?>\s*)+")
EVENT_TTL = 3600.0  # Slack retries an event for about an hour at most
AGAIN = "@registry-ops get {}"


def register(app: AsyncApp, deps: BotDeps) -> None:
    @app.event("app_mention")
    async def on_mention(event: dict[str, Any], body: dict[str, Any], client: AsyncWebClient) -> None:
        await reply_to(deps, event, body.get("event_id"), client, direct=False)

    @app.event("message")
    async def on_message(event: dict[str, Any], body: dict[str, Any], client: AsyncWebClient) -> None:
        # Only what a person writes in a direct message: no edits, joins or bot messages (our own included).
        if event.get("channel_type") != "im" or event.get("subtype") or event.get("bot_id"):
            return
        await reply_to(deps, event, body.get("event_id"), client, direct=True)

    @app.event("app_home_opened")
    async def on_home(event: dict[str, Any], client: AsyncWebClient) -> None:
        if event.get("tab") == "home":
            await publish_home(deps, event["user"], client)


def asked(text: str) -> str:
    """What follows the mention(s) of the bot: ``<@U0BOT> get x`` → ``get x``."""
    return LEADING_MENTIONS.sub("", text or "").strip()


async def first_delivery(deps: BotDeps, event_id: str | None) -> bool:
    """True for the first delivery of an event; a retry (here or on another replica) is False."""
    if not event_id:
        return True
    try:
        return await deps.core.store.claim(f"slack-event:{event_id}", EVENT_TTL)
    except StoreUnavailableError:
        return True  # answering twice beats not answering during an incident


async def reply_to(
    deps: BotDeps, event: dict[str, Any], event_id: str | None, client: AsyncWebClient, *, direct: bool
) -> None:
    user, channel = event.get("user"), event.get("channel")
    if not user or not channel or not await first_delivery(deps, event_id):
        return
    thread = event.get("thread_ts") or (None if direct else event.get("ts"))
    reply = await answered(lambda: answer(deps, asked(event.get("text", "")), user, channel, client, thread=thread))
    try:
        if reply.private and not direct:
            await client.chat_postEphemeral(channel=channel, user=user, thread_ts=thread, **reply.message)
            return
        posted = await client.chat_postMessage(channel=channel, thread_ts=thread, **reply.message)
    except Exception:
        logger.exception("could not answer %s in %s", user, channel)
        return
    if reply.follow is not None:
        await reply.follow(in_thread(client, channel, str(posted["ts"]), thread))


def in_thread(client: AsyncWebClient, channel: str, ts: str, thread: str | None) -> Where:
    """A message everyone in the thread sees: changed with chat.update; the end said in the thread."""

    async def update(message: render.Message) -> None:
        await client.chat_update(channel=channel, ts=ts, **message)

    async def announce(text: str) -> None:
        await client.chat_postMessage(channel=channel, thread_ts=thread or ts, text=text)

    return Where(update, announce, AGAIN.format)

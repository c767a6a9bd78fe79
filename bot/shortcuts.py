"""The message shortcut "Check images in this message": find every IONOS image reference in a message
(a CI failure, an alert, a pasted deploy log; its text, attachments and blocks) and answer in that
message's thread with each image's vulnerability summary.

Each image is read through the catalogue (``get_image``, ``list_vulnerabilities``) as the person who
pressed it: the same rate limits and sanitized views as a command. In a channel the bot does not
answer in (``REGISTRY_BOT_CHANNELS``), the answer goes only to the person, ephemerally.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot import render
from bot.deps import BotDeps, undelivered
from bot.people import caller_of
from tools.errors import NotFoundError, RegistryError
from tools.operations import CATALOGUE
from tools.operations.image_inputs import ImageInput, ListVulnerabilitiesInput
from tools.views import ArtifactDetail, VulnerabilityList

logger = logging.getLogger("bot.shortcuts")
CALLBACK = "registry_check_images"
MAX_IMAGES = 10  # one answer stays readable, and one press costs at most 20 API reads
# NAME.cr.REGION.ionos.com/REPO[:TAG|@sha256:…], wherever it stands in the text (URLs, quotes, code).
IMAGE = re.compile(
    r"(?<![\w.-])([a-z][-a-z0-9]{1,61}[a-z0-9]\.cr\.[a-z]{2}-[a-z]{3,4}\.ionos\.com"
    r"/[a-z0-9][a-z0-9._/-]*?(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}|@sha256:[0-9a-f]{64})?)"
    r"(?=$|[\s\"'<>|,;()\[\]`*])"
)


SKIPPED = frozenset({"ts", "thread_ts", "user", "bot_id", "type", "team", "app_id"})  # ids, never images


def texts_in(node: Any) -> list[str]:
    """Every string in a message: its text, its attachments (text, fields, titles) and its blocks."""
    if isinstance(node, str):
        return [node]
    if isinstance(node, list):
        return [t for item in node for t in texts_in(item)]
    if isinstance(node, dict):
        return [t for key, value in node.items() if key not in SKIPPED for t in texts_in(value)]
    return []


def references(message: dict[str, Any]) -> list[str]:
    """The image references a message holds, each once, in the order they appear."""
    found: list[str] = []
    for text in texts_in(message):
        for match in IMAGE.findall(text):
            ref = match.rstrip(".")  # the end of a sentence, not of the reference
            if ref not in found:
                found.append(ref)
    return found


def register(app: AsyncApp, deps: BotDeps) -> None:
    @app.shortcut(CALLBACK)
    async def check(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, respond: AsyncRespond) -> None:
        await ack()
        user, channel = body["user"]["id"], (body.get("channel") or {}).get("id")
        message: dict[str, Any] = body.get("message") or {}
        found = references(message)
        if not found:
            text = "No IONOS image reference in that message (NAME.cr.REGION.ionos.com/REPOSITORY:TAG)."
            await respond(**render.refusal(text), response_type="ephemeral", replace_original=False)
            return
        checked: list[tuple[str, ArtifactDetail, VulnerabilityList]] = []
        unresolved: list[tuple[str, str, bool]] = []  # (given, why, whether the API does not have it)
        for given in found[:MAX_IMAGES]:
            try:
                image = await CATALOGUE["get_image"].call(deps.core, ImageInput(image=given), caller_of(user))
                risky = ListVulnerabilitiesInput(image=given, severity="high", fixable=True, limit=100)
                fixable = await CATALOGUE["list_vulnerabilities"].call(deps.core, risky, caller_of(user))
            except RegistryError as err:
                unresolved.append((given, err.message, isinstance(err, NotFoundError)))
                continue
            assert isinstance(image, ArtifactDetail)
            assert isinstance(fixable, VulnerabilityList)
            checked.append((given, image, fixable))
        unresolved += [(given, f"more than {MAX_IMAGES} images in one message", False) for given in found[MAX_IMAGES:]]
        reply = render.image_check(checked, unresolved, deps.core.now())
        try:
            if channel is not None and deps.access.channel_allowed(channel):
                thread = message.get("thread_ts") or message.get("ts")
                await client.chat_postMessage(channel=channel, thread_ts=thread, **reply)
            else:
                await respond(**reply, response_type="ephemeral", replace_original=False)
        except Exception as exc:
            undelivered(logger, "answer the image check", exc)

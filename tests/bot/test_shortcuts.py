"""The message shortcut "Check images in this message", over signed HTTP with the fake Slack Web API:
references found anywhere in a message, answered in its thread, each summary checked against the
API's own answers read over plain HTTP."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from bot.access import Access
from tests.bot.conftest import ALICE, OPS, BotUnderTest, check_traffic, serving_bot, writers
from tests.bot.fakes import FakeSlack
from tests.conftest import TOKEN, Stack
from tests.helpers.raw import Image, Raw
from tests.helpers.text import texts

APP = "prod-images.cr.de-fra.ionos.com/team/app:1.4.2"
WORKER = "ci-cache.cr.es-vit.ionos.com/team/worker:1.1.2"
UNKNOWN = "nope-nope.cr.de-fra.ionos.com/team/app:9.9.9"
TS = "1764900000.000100"


def alert_message() -> dict[str, Any]:
    """A CI failure as a bot posts it: one image in the text, one in an attachment, one in a block."""
    return {
        "type": "message",
        "ts": TS,
        "text": f"deploy failed: pulling {APP} took too long",
        "attachments": [{"fallback": "details", "fields": [{"title": "cache", "value": f"<https://{WORKER}>"}]}],
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": f"and `{UNKNOWN}` is missing"}}],
    }


def shortcut(bot: BotUnderTest, message: dict[str, Any], channel: str = OPS, rid: str = "sc") -> dict[str, Any]:
    return {
        "type": "message_action",
        "callback_id": "registry_check_images",
        "trigger_id": "t.shortcut",
        "response_url": bot.slack.response_url(rid),
        "team": {"id": "T1"},
        "user": {"id": ALICE, "username": "alice", "team_id": "T1"},
        "channel": {"id": channel, "name": "ops"},
        "message": message,
        "api_app_id": "A1",
    }


async def image_truth(stack: Stack, hostname_ref: str) -> Image:
    """The image a reference names, with its vulnerabilities, read straight from the API."""
    transport = httpx.ASGITransport(app=stack.emulator)
    headers = {"authorization": f"Bearer {TOKEN}"}
    async with httpx.AsyncClient(
        transport=transport, base_url="http://emulator/containerregistries/", headers=headers
    ) as http:
        truth = await Raw(http).truth()
    host, _, rest = hostname_ref.partition("/")
    repository, _, tag = rest.rpartition(":")
    [image] = [
        i for i in truth.images if i.registry == host.split(".")[0] and i.repository == repository and tag in i.tags
    ]
    return image


def fixable(image: Image, severity: str) -> int:
    return sum(
        1
        for v in image.vulnerabilities
        if v["properties"]["severity"].lower() == severity and v["properties"]["fixable"]
    )


async def test_the_shortcut_answers_in_the_thread_with_each_image_and_what_it_could_not_check(
    bot: BotUnderTest,
) -> None:
    answer = await bot.interact(shortcut(bot, alert_message()))
    assert answer.status_code == 200
    [posted] = await bot.slack.wait_for(lambda: bot.slack.api_calls("chat.postMessage"))
    assert posted.params["channel"] == OPS
    assert posted.params["thread_ts"] == TS
    said = texts(dict(posted.params))
    lines = {ref: next(line for line in said.splitlines() if ref in line) for ref in (APP, WORKER, UNKNOWN)}
    for ref in (APP, WORKER):
        truth = await image_truth(bot.stack, ref)
        worst = (truth.max_severity or "none").upper()
        assert f"worst *{worst}*" in lines[ref]
        assert f"fixable: {fixable(truth, 'critical')} critical, {fixable(truth, 'high')} high" in lines[ref]
        assert f"{len(truth.vulnerabilities)} in all" in lines[ref]
        assert truth.digest[:19] in lines[ref]
    assert "not checked: no registry is named 'nope-nope'" in lines[UNKNOWN]
    assert "2 image(s) checked, 1 not found" in posted.params["text"]


async def test_beyond_ten_images_the_rest_are_named_as_not_checked_not_as_missing(bot: BotUnderTest) -> None:
    refs = [APP, *(f"prod-images.cr.de-fra.ionos.com/team/app:gone-{n}" for n in range(11))]
    await bot.interact(shortcut(bot, {"type": "message", "ts": TS, "text": " ".join(refs)}, rid="many"))
    [posted] = await bot.slack.wait_for(lambda: bot.slack.api_calls("chat.postMessage"))
    said = texts(dict(posted.params))
    left = [line for line in said.splitlines() if "more than 10 images in one message" in line]
    assert [ref for ref in refs if any(ref + "`" in line for line in left)] == refs[10:]
    assert posted.params["text"] == "1 image(s) checked, 9 not found, 2 not checked"


async def test_a_message_without_images_says_so_privately(bot: BotUnderTest) -> None:
    await bot.interact(shortcut(bot, {"type": "message", "ts": TS, "text": "lunch?"}, rid="none"))
    [reply] = await bot.slack.wait_for(lambda: bot.slack.responses.get("none"))
    assert reply["response_type"] == "ephemeral"
    assert "No IONOS image reference" in texts(reply)
    assert bot.slack.api_calls("chat.postMessage") == []


@pytest.fixture
async def one_channel_bot(stack: Stack) -> AsyncIterator[BotUnderTest]:
    fake = await FakeSlack().start()
    access = Access(writers=writers().writers, channels=frozenset({OPS}))
    try:
        async with serving_bot(stack, fake, access) as served:
            yield served
    finally:
        await fake.stop()
    check_traffic(fake)


async def test_outside_the_bots_channels_the_answer_is_only_for_the_person(one_channel_bot: BotUnderTest) -> None:
    bot = one_channel_bot
    await bot.interact(shortcut(bot, alert_message(), channel="CELSEWHERE", rid="private"))
    [reply] = await bot.slack.wait_for(lambda: bot.slack.responses.get("private"))
    assert reply["response_type"] == "ephemeral"
    assert APP in texts(reply)
    assert bot.slack.api_calls("chat.postMessage") == []

"""Next steps on the watch's findings, pressed on a digest over signed HTTP with the fake Slack Web API:
each one runs as the command it names, under the same rules; the API's own answers say what changed."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

import httpx

from bot import render
from tests.bot.blockkit import assert_valid_message
from tests.bot.conftest import ALICE, BOB, OPS, BotUnderTest, block_action, view_payload
from tests.conftest import TOKEN, Stack
from tests.helpers.text import texts

DIGEST_TS = "1764900000.000200"


async def digest(stack: Stack, kind: str = "token") -> dict[str, Any]:
    """A page of the watch as the bot posts it, from the first finding of ``kind`` (the sample estate has
    more critical vulnerabilities than one message holds, so its tokens are on a later page)."""
    found = await stack.core.watch.look(stack.core.now())
    first = next(i for i, f in enumerate(found.report().findings) if f.kind == kind)
    return {"ts": DIGEST_TS, **render.watch_report(found.report(offset=first, limit=40), "Registry watch")}


def menus(message: dict[str, Any]) -> list[dict[str, Any]]:
    return [b["accessory"] for b in message["blocks"] if (b.get("accessory") or {}).get("type") == "overflow"]


def choose(
    bot: BotUnderTest, message: dict[str, Any], label: str, about: str, *, user: str = ALICE, rid: str = "f"
) -> dict[str, Any]:
    """The block_actions payload Slack sends when ``user`` picks ``label`` on the finding about ``about``."""
    option = next(o for m in menus(message) for o in m["options"] if o["text"]["text"] == label and about in o["value"])
    return {
        "type": "block_actions",
        "user": {"id": user, "username": user.lower(), "team_id": "T1"},
        "api_app_id": "A1",
        "team": {"id": "T1", "domain": "acme"},
        "container": {"type": "message", "message_ts": message["ts"], "channel_id": OPS, "is_ephemeral": False},
        "trigger_id": "trigger-finding",
        "channel": {"id": OPS, "name": "ops"},
        "message": message,
        "response_url": bot.slack.response_url(rid),
        "actions": [
            {
                "type": "overflow",
                "action_id": render.FINDING_ACTION,
                "block_id": "b",
                "selected_option": option,
                "action_ts": "1.2",
            }
        ],
    }


async def raw_token(stack: Stack, registry: str, name: str) -> dict[str, Any] | None:
    """A token as the API has it, read over plain HTTP (None when it is gone)."""
    transport = httpx.ASGITransport(app=stack.emulator)
    headers = {"authorization": f"Bearer {TOKEN}"}
    async with httpx.AsyncClient(
        transport=transport, base_url="http://emulator/containerregistries/", headers=headers
    ) as http:
        [reg] = [
            r
            for r in (await http.get("registries", params={"limit": 100})).json()["items"]
            if r["properties"]["name"] == registry
        ]
        tokens = (await http.get(f"registries/{reg['id']}/tokens", params={"limit": 100})).json()["items"]
    return next((t for t in tokens if t["properties"]["name"] == name), None)


def expiry_of(token: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(token["properties"]["expiryDate"].replace("Z", "+00:00"))


async def test_the_most_urgent_findings_carry_their_next_steps(bot: BotUnderTest) -> None:
    message = await digest(bot.stack, "vulnerability")
    assert_valid_message(message)  # inside Slack's limits: blocks, overflow options and their values
    steps = {o["text"]["text"] for m in menus(message) for o in m["options"]}
    assert {"Show images", "Advisory"} <= steps
    message = await digest(bot.stack, "token")
    assert_valid_message(message)
    steps = {o["text"]["text"] for m in menus(message) for o in m["options"]}
    assert {"Extend 90 days", "Revoke…"} <= steps
    assert 0 < len(menus(message)) <= 3 * 6  # the first three of each class


async def unprotected_token(stack: Stack) -> tuple[str, str]:
    """(registry, token) of a token finding on a registry no glob protects (a change there runs at once)."""
    found = await stack.core.watch.look(stack.core.now())
    finding = next(f for f in found.findings if f.kind == "token" and not f.protected)
    return finding.registry, finding.subject


async def test_extend_runs_at_once_and_the_digest_says_who(bot: BotUnderTest) -> None:
    message = await digest(bot.stack)
    registry, token = await unprotected_token(bot.stack)
    before = await raw_token(bot.stack, registry, token)
    assert before is not None
    await bot.interact(choose(bot, message, "Extend 90 days", f"{registry} {token}", rid="extend"))
    [reply] = await bot.slack.wait_for(lambda: bot.slack.responses.get("extend"))
    assert reply["response_type"] == "ephemeral"
    assert f"Updated token {token} of {registry}" in texts(reply)
    after = await raw_token(bot.stack, registry, token)
    assert after is not None
    now = bot.stack.emulator.backend.clock()
    assert abs(expiry_of(after) - (now + timedelta(days=90))) < timedelta(days=1)
    [updated] = await bot.slack.wait_for(lambda: bot.slack.api_calls("chat.update"))
    assert updated.params["ts"] == DIGEST_TS
    blocks = updated.params["blocks"]
    blocks = json.loads(blocks) if isinstance(blocks, str) else blocks
    assert f"<@{ALICE}> extended 90 days: Updated token {token} of {registry}" in texts({"blocks": blocks})


async def test_revoke_asks_for_the_usual_yes_and_then_deletes_once(bot: BotUnderTest) -> None:
    message = await digest(bot.stack)
    await bot.interact(choose(bot, message, "Revoke…", "prod-images ci-push", rid="revoke"))
    [preview] = await bot.slack.wait_for(lambda: bot.slack.responses.get("revoke"))
    assert "Delete token ci-push?" in texts(preview)
    assert await raw_token(bot.stack, "prod-images", "ci-push") is not None, "nothing ran before the yes"
    await bot.interact(block_action(bot, preview, "registry_confirm", rid="revoke"))
    opened = await bot.slack.wait_for(lambda: bot.slack.api_calls("views.open"))
    view = opened[-1].params["view"]
    view = json.loads(view) if isinstance(view, str) else dict(view)
    await bot.interact(view_payload(view, "ci-push"))
    await bot.slack.wait_for(lambda: len(bot.slack.responses.get("revoke", [])) > 1)
    assert await raw_token(bot.stack, "prod-images", "ci-push") is None


async def test_show_images_lists_the_registrys_affected_images_privately(bot: BotUnderTest) -> None:
    message = await digest(bot.stack, "vulnerability")
    option = next(o for m in menus(message) for o in m["options"] if o["text"]["text"] == "Show images")
    advisory, registry = option["value"].split()[2], option["value"].split()[-1]
    await bot.interact(choose(bot, message, "Show images", f"{advisory} --in {registry}", rid="images"))
    [reply] = await bot.slack.wait_for(lambda: bot.slack.responses.get("images"))
    assert reply["response_type"] == "ephemeral"
    said = texts(reply)
    assert advisory in said
    assert f"{registry}.cr." in said


async def test_a_reader_cannot_extend_from_the_digest(bot: BotUnderTest) -> None:
    message = await digest(bot.stack)
    registry, token = await unprotected_token(bot.stack)
    before = await raw_token(bot.stack, registry, token)
    await bot.interact(choose(bot, message, "Extend 90 days", f"{registry} {token}", user=BOB, rid="reader"))
    [reply] = await bot.slack.wait_for(lambda: bot.slack.responses.get("reader"))
    assert "may change registries from Slack" in texts(reply)
    assert await raw_token(bot.stack, registry, token) == before
    assert bot.slack.api_calls("chat.update") == []

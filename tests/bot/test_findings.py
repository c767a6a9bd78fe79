"""Next steps on the watch's findings, pressed on a digest over signed HTTP with the fake Slack Web API:
each one runs as the command it names, under the same rules; the API's own answers say what changed."""

from __future__ import annotations

import json
from datetime import timedelta

from tests.bot.blockkit import assert_valid_message
from tests.bot.conftest import (
    ALICE,
    BOB,
    DIGEST_TS,
    BotUnderTest,
    block_action,
    choose,
    digest_page,
    expiry_of,
    menus,
    raw_token,
    view_payload,
)
from tests.conftest import Stack
from tests.helpers.text import texts


async def test_the_most_urgent_findings_carry_their_next_steps(bot: BotUnderTest) -> None:
    message = await digest_page(bot.stack, "vulnerability")
    assert_valid_message(message)  # inside Slack's limits: blocks, overflow options and their values
    steps = {o["text"]["text"] for m in menus(message) for o in m["options"]}
    assert {"Show images", "Advisory"} <= steps
    message = await digest_page(bot.stack, "token")
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
    message = await digest_page(bot.stack)
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
    message = await digest_page(bot.stack)
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
    said = await bot.slack.wait_for(
        lambda: [c for c in bot.slack.api_calls("chat.postMessage") if c.params.get("thread_ts") == DIGEST_TS]
    )
    assert f"<@{ALICE}>" in said[0].params["text"], "the digest's thread says who revoked it"
    assert "ci-push" in said[0].params["text"]


async def test_show_images_lists_the_registrys_affected_images_privately(bot: BotUnderTest) -> None:
    message = await digest_page(bot.stack, "vulnerability")
    option = next(o for m in menus(message) for o in m["options"] if o["text"]["text"] == "Show images")
    advisory, registry = option["value"].split()[2], option["value"].split()[-1]
    await bot.interact(choose(bot, message, "Show images", f"{advisory} --in {registry}", rid="images"))
    [reply] = await bot.slack.wait_for(lambda: bot.slack.responses.get("images"))
    assert reply["response_type"] == "ephemeral"
    said = texts(reply)
    assert advisory in said
    assert f"{registry}.cr." in said


async def test_a_reader_cannot_extend_from_the_digest(bot: BotUnderTest) -> None:
    message = await digest_page(bot.stack)
    registry, token = await unprotected_token(bot.stack)
    before = await raw_token(bot.stack, registry, token)
    await bot.interact(choose(bot, message, "Extend 90 days", f"{registry} {token}", user=BOB, rid="reader"))
    [reply] = await bot.slack.wait_for(lambda: bot.slack.responses.get("reader"))
    assert "may change registries from Slack" in texts(reply)
    assert await raw_token(bot.stack, registry, token) == before
    assert bot.slack.api_calls("chat.update") == []


async def test_advisory_shows_the_advisory_privately(bot: BotUnderTest) -> None:
    message = await digest_page(bot.stack, "vulnerability")
    option = next(o for m in menus(message) for o in m["options"] if o["text"]["text"] == "Advisory")
    advisory = option["value"].split()[-1]
    await bot.interact(choose(bot, message, "Advisory", option["value"], rid="advisory"))
    [reply] = await bot.slack.wait_for(lambda: bot.slack.responses.get("advisory"))
    assert reply["response_type"] == "ephemeral"
    assert advisory in texts(reply)


async def test_details_on_a_registry_that_is_not_running(bot: BotUnderTest) -> None:
    backend = bot.stack.emulator.backend
    backend.provision = timedelta(hours=1)  # what is created now stays New for an hour
    backend.create({"properties": {"name": "fresh-one", "location": "de/fra"}}, "ops@example.com")
    message = await digest_page(bot.stack, "registry")
    await bot.interact(choose(bot, message, "Details", "get fresh-one", rid="details"))
    [reply] = await bot.slack.wait_for(lambda: bot.slack.responses.get("details"))
    said = texts(reply)
    assert "fresh-one" in said
    assert "New" in said

"""The new subcommands driven as Slack drives them: repositories, images, vulnerabilities, the sweep, and
tokens, whose password is shown once, ephemerally, to the requester and nowhere else."""

from __future__ import annotations

import json
import logging

import pytest

from tests.bot.conftest import ALICE, AUDIT, BOB, BotUnderTest, block_action, preview_then_modal, view_payload
from tests.helpers.text import texts
from tools.audit import Outcome


async def test_vulnerabilities_of_an_image_worst_first(bot: BotUnderTest) -> None:
    reply = texts(await bot.reply("vulns prod-images.cr.de-fra.ionos.com/team/app:1.4.2 --severity high", user=BOB))
    assert "CRITICAL CVE-2021-44228" in reply
    assert "fix: 2.17.1" in reply
    assert "MEDIUM" not in reply
    assert reply.index("CRITICAL") < reply.index("HIGH") if "HIGH" in reply else True


async def test_which_images_have_a_cve(bot: BotUnderTest) -> None:
    reply = texts(await bot.reply("vulns find cve-2021-44228", user=BOB))
    assert "CVE-2021-44228 (critical, fix: 2.17.1)" in reply
    assert "prod-images.cr.de-fra.ionos.com/team/app@sha256:" in reply
    narrowed = texts(await bot.reply("vulns find CVE-2021-44228 --in prod-images", user=BOB))
    assert "in 1 of 1 registry searched" in narrowed


async def test_repositories_and_images(bot: BotUnderTest) -> None:
    repos = texts(await bot.reply("repos prod-images", user=BOB))
    assert "team/app" in repos
    assert "worst" in repos
    images = texts(await bot.reply("images prod-images/team/app", user=BOB))
    assert "1.4.2" in images
    image = texts(await bot.reply("image prod-images/team/app:1.4.2", user=BOB))
    assert "@sha256:" in image
    help_text = texts(await bot.reply("vulns CVE-2021-44228", user=BOB))
    assert "IMAGE: 'CVE-2021-44228' must be REGISTRY/REPOSITORY" in help_text


async def test_deleting_a_repository_needs_its_name_typed(bot: BotUnderTest) -> None:
    view = await preview_then_modal(bot, "repos delete sandbox/team/app", "repodel")
    preview = texts(bot.slack.responses["repodel"][0])
    assert "DELETE repository sandbox/team/app" in preview
    assert "images" in preview
    wrong = await bot.interact(view_payload(view, "sandbox/team/app"))
    assert wrong.json()["errors"] == {"confirm_name": "Type exactly team/app to confirm"}
    await bot.interact(view_payload(view, "team/app"))
    replies = await bot.slack.wait_for(
        lambda: len(bot.slack.responses["repodel"]) >= 3 and bot.slack.responses["repodel"]
    )
    assert "Deleted repository sandbox/team/app" in texts(replies[1])
    assert replies[2]["text"].startswith("<@UALICE> deleted repository *team/app in sandbox*")


async def test_a_token_is_created_and_its_password_shown_once_to_the_requester_only(
    bot: BotUnderTest, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    reply = await bot.reply("tokens create sandbox ci-slack --scope team/*:pull,push --scope base/*:pull --expiry 90d")
    [issued] = bot.stack.emulator.content.issued_passwords
    assert issued in json.dumps(reply), "shown to the person who asked"
    assert reply["response_type"] == "ephemeral"
    assert "Created token ci-slack in sandbox" in texts(reply)
    channel_traffic = json.dumps([c.params for c in bot.slack.calls])
    assert "ci-slack" in channel_traffic, "the audit channel heard of it"
    assert issued not in channel_traffic, "but never the password"
    assert all(
        r.get("response_type") != "in_channel" or issued not in json.dumps(r)
        for rs in bot.slack.responses.values()
        for r in rs
    )
    assert issued not in caplog.text
    assert bot.stack.audit.path is not None
    assert issued not in bot.stack.audit.path.read_text()
    listed = texts(await bot.reply("tokens sandbox", user=BOB))
    assert "ci-slack" in listed
    assert issued not in listed


async def test_revoking_a_token_is_confirmed_by_typing_its_name(bot: BotUnderTest) -> None:
    await bot.reply("tokens create sandbox leaked --scope team/*:push")
    view = await preview_then_modal(bot, "tokens revoke sandbox leaked", "revoke")
    assert "DELETE token leaked of sandbox" in texts(bot.slack.responses["revoke"][0])
    await bot.interact(view_payload(view, "leaked"))
    replies = await bot.slack.wait_for(
        lambda: len(bot.slack.responses["revoke"]) >= 3 and bot.slack.responses["revoke"]
    )
    assert "Deleted token leaked of sandbox" in texts(replies[1])
    audit = await bot.slack.wait_for(
        lambda: [
            line
            for c in bot.slack.api_calls("chat.postMessage")
            if c.params["channel"] == AUDIT and "deleted token" in (line := c.params["text"])
        ]
    )
    assert any("deleted token *leaked in sandbox*" in line for line in audit)
    records = [(r.operation, r.outcome) for r in bot.stack.records]
    assert ("delete_token", Outcome.EXECUTED) in records


async def test_disabling_a_token_asks_first_enabling_does_not(bot: BotUnderTest) -> None:
    await bot.reply("tokens create sandbox rotating --scope team/*:pull")
    preview = await bot.reply("tokens disable sandbox rotating", rid="dis")
    assert "Update token rotating?" in texts(preview)
    assert "disables rotating" in texts(preview)
    click = block_action(bot, preview, "registry_confirm", rid="dis")
    await bot.interact(click)
    opened = await bot.slack.wait_for(lambda: bot.slack.api_calls("views.open"))
    view = opened[-1].params["view"]
    await bot.interact(view_payload(json.loads(view) if isinstance(view, str) else view, "rotating"))
    await bot.slack.wait_for(lambda: len(bot.slack.responses["dis"]) >= 2)
    enabled = texts(await bot.reply("tokens enable sandbox rotating"))
    assert "status: disabled -> enabled" in enabled


async def test_readers_cannot_create_tokens(bot: BotUnderTest) -> None:
    reply = texts(await bot.reply("tokens create sandbox nope --scope team/*:pull", user=BOB))
    assert "REGISTRY_BOT_WRITERS" in reply
    assert bot.stack.emulator.content.issued_passwords == []
    assert [(r.operation, r.outcome, r.actor) for r in bot.stack.records] == [
        ("create_token", Outcome.DENIED, f"slack:{BOB}")
    ]
    assert ALICE

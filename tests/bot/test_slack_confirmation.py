"""REGISTRY_MCP_CONFIRM=slack: an assistant's change is confirmed by its person in their Slack DM, where
no model can click. Real paths: a bearer token through the verifier, signed Slack button presses."""

from __future__ import annotations

import json
from typing import Any

import pytest
from mcp.types import CallToolResult

from bot import render
from tests.bot.conftest import ALICE, BOB, BotUnderTest, block_action, dms, token_of, untouched
from tests.helpers.identity import OAuthServer
from tests.helpers.text import text

ASK = {"registry": "sandbox"}


def said(result: CallToolResult) -> str:
    return text(result) + json.dumps(result.structured_content or {})


async def asked(bot: BotUnderTest, slack_confirming: OAuthServer) -> tuple[str, dict[str, Any]]:
    result = await slack_confirming.call(token_of(slack_confirming.idp), "delete_registry", ASK)
    assert not result.is_error, text(result)
    assert result.structured_content is not None
    assert result.structured_content["status"] == "pending_confirmation"
    assert "confirmation_token" not in said(result).replace('"confirmation_token": null', "")
    [card] = dms(bot, ALICE)
    return str(result.structured_content["result"]["id"]), card


async def press(bot: BotUnderTest, card: dict[str, Any], action: str, user: str, rid: str) -> None:
    ack = await bot.interact(block_action(bot, card, action, user=user, rid=rid))
    assert ack.status_code == 200
    await bot.slack.wait_for(lambda: bot.slack.responses.get(rid))


async def test_confirmed_by_its_person_in_the_dm_it_runs_once(bot: BotUnderTest, slack_confirming: OAuthServer) -> None:
    handoff, card = await asked(bot, slack_confirming)
    assert "Your AI assistant asks: Delete registry sandbox" in json.dumps(card)
    assert untouched(bot)
    await press(bot, card, render.HANDOFF_CONFIRM_ACTION, ALICE, "yes")
    assert "Executed" in json.dumps(bot.slack.responses["yes"][-1])
    assert not untouched(bot), "deleted (or being deleted)"
    status = await slack_confirming.call(token_of(slack_confirming.idp), "get_confirmation", {"request_id": handoff})
    assert status.structured_content is not None
    assert status.structured_content["status"] == "executed"
    await press(bot, card, render.HANDOFF_CONFIRM_ACTION, ALICE, "again")
    assert "already executed" in json.dumps(bot.slack.responses["again"])
    executed = [r for r in bot.stack.records if r.outcome.value == "executed" and r.operation == "delete_registry"]
    assert len(executed) == 1
    assert executed[0].email == "alice@example.com"


async def test_another_slack_user_cannot_confirm_it(bot: BotUnderTest, slack_confirming: OAuthServer) -> None:
    handoff, card = await asked(bot, slack_confirming)
    await press(bot, card, render.HANDOFF_CONFIRM_ACTION, BOB, "bob")
    assert "sent to someone else" in json.dumps(bot.slack.responses["bob"])
    assert untouched(bot)
    assert any(r.outcome.value == "denied" and handoff in (r.detail or "") for r in bot.stack.records)


async def test_after_its_time_it_is_refused(bot: BotUnderTest, slack_confirming: OAuthServer) -> None:
    handoff, card = await asked(bot, slack_confirming)
    bot.stack.clock.now += bot.stack.core.confirmer.ttl + 1
    await press(bot, card, render.HANDOFF_CONFIRM_ACTION, ALICE, "late")
    assert "expired" in json.dumps(bot.slack.responses["late"]).lower()
    assert untouched(bot)
    status = await slack_confirming.call(token_of(slack_confirming.idp), "get_confirmation", {"request_id": handoff})
    assert (status.structured_content or {}).get("status") == "expired"


async def test_when_the_registry_changed_it_is_stale(bot: BotUnderTest, slack_confirming: OAuthServer) -> None:
    handoff, card = await asked(bot, slack_confirming)
    registry = bot.stack.registry_named("sandbox")
    assert registry is not None
    await bot.stack.client.registries.update(registry.id, {"api_subnet_allow_list": ["10.0.0.0/8"]})
    await press(bot, card, render.HANDOFF_CONFIRM_ACTION, ALICE, "stale")
    assert "changed since the preview" in json.dumps(bot.slack.responses["stale"])
    assert untouched(bot)
    status = await slack_confirming.call(token_of(slack_confirming.idp), "get_confirmation", {"request_id": handoff})
    assert (status.structured_content or {}).get("status") == "stale"


async def test_cancel_in_the_dm_declines(bot: BotUnderTest, slack_confirming: OAuthServer) -> None:
    handoff, card = await asked(bot, slack_confirming)
    await press(bot, card, render.HANDOFF_CANCEL_ACTION, ALICE, "no")
    assert "nothing ran" in json.dumps(bot.slack.responses["no"])
    assert any(r.outcome.value == "declined" for r in bot.stack.records)
    status = await slack_confirming.call(token_of(slack_confirming.idp), "get_confirmation", {"request_id": handoff})
    assert (status.structured_content or {}).get("status") == "declined"


@pytest.mark.parametrize(
    ("email", "why"),
    [(None, "carries none"), ("nobody@example.com", "No Slack account here has the e-mail nobody@example.com")],
)
async def test_without_an_email_or_a_slack_match_it_refuses_saying_why(
    bot: BotUnderTest, slack_confirming: OAuthServer, email: str | None, why: str
) -> None:
    result = await slack_confirming.call(token_of(slack_confirming.idp, email), "delete_registry", ASK)
    assert result.is_error
    assert why in text(result)
    assert untouched(bot)


async def test_a_token_is_never_taken_in_slack_mode(bot: BotUnderTest, slack_confirming: OAuthServer) -> None:
    refused = await slack_confirming.call(
        token_of(slack_confirming.idp), "delete_registry", {**ASK, "confirmation_token": "x" * 40}
    )
    assert refused.is_error
    assert "in Slack only" in text(refused)

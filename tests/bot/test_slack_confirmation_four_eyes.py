"""REGISTRY_MCP_CONFIRM=slack on a resource that needs a second person: the person's own yes in their
DM turns into an approval request; nothing runs until someone else approves."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot import render
from tests.bot.conftest import ALICE, BotUnderTest, block_action, dms, token_of, untouched
from tests.conftest import Stack
from tests.helpers.clocks import Clock
from tests.helpers.identity import OAuthServer
from tools.app import Core
from tools.audit import AuditLog
from tools.client import RegistryClient
from tools.config import SafetySettings
from tools.emulator.app import EmulatorApp


@pytest.fixture
def stack(emulator: EmulatorApp, client: RegistryClient, tmp_path: Path) -> Stack:
    safety = SafetySettings(
        registry_confirm_secret="k" * 32,
        registry_approval_required="sandbox",
        registry_approval_channel="CAPPROVE",
    )
    audit, clock = AuditLog(tmp_path / "audit.jsonl"), Clock()
    return Stack(emulator, client, audit, Core.build(client, audit, safety, clock=clock), clock)


async def test_four_eyes_still_applies_after_the_person_s_own_yes(
    bot: BotUnderTest, slack_confirming: OAuthServer
) -> None:
    result = await slack_confirming.call(token_of(slack_confirming.idp), "delete_registry", {"registry": "sandbox"})
    assert (result.structured_content or {}).get("status") == "pending_confirmation"
    [card] = dms(bot, ALICE)
    await bot.interact(block_action(bot, card, render.HANDOFF_CONFIRM_ACTION, user=ALICE, rid="yes"))
    replies = await bot.slack.wait_for(lambda: bot.slack.responses.get("yes"))
    assert "Pending approval" in json.dumps(replies)
    assert untouched(bot), "nothing runs until a second person approves"
    assert any(r.outcome.value == "requested" for r in bot.stack.records)

"""What the bot says when it starts: nothing a library adds to alarm the operator."""

from __future__ import annotations

import logging

import pytest
from slack_sdk.web.async_client import AsyncWebClient

from bot.access import Access
from bot.app import build_app
from bot.deps import BotDeps
from tests.conftest import Stack


def test_no_library_warning_at_start_with_the_bot_token_in_the_environment(
    stack: Stack, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-from-the-environment")  # how every deployment sets it
    caplog.set_level(logging.DEBUG)
    build_app(
        BotDeps(stack.core, Access()),
        client=AsyncWebClient(token="xoxb-from-the-environment", base_url="http://127.0.0.1:9/api/"),
        signing_secret="s",
    )
    warnings = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert warnings == []

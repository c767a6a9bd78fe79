"""The Slack app manifest declares what the bot uses, and only that."""

from __future__ import annotations

from pathlib import Path

import yaml

MANIFEST = Path(__file__).parents[2] / "bot" / "manifest.yaml"


def test_manifest_declares_the_command_interactivity_and_minimal_scopes() -> None:
    manifest = yaml.safe_load(MANIFEST.read_text())
    [command] = manifest["features"]["slash_commands"]
    assert command["command"] == "/registry"
    assert command["url"].endswith("/slack/events")
    assert manifest["settings"]["interactivity"]["is_enabled"] is True
    assert manifest["settings"]["interactivity"]["request_url"].endswith("/slack/events")
    assert manifest["settings"]["interactivity"]["message_menu_options_url"].endswith("/slack/events")
    assert sorted(manifest["oauth_config"]["scopes"]["bot"]) == [
        "app_mentions:read",
        "chat:write",
        "commands",
        "im:history",
        "usergroups:read",
        "users:read",
        "users:read.email",
    ]


def test_manifest_subscribes_to_exactly_the_events_the_bot_answers() -> None:
    manifest = yaml.safe_load(MANIFEST.read_text())
    events = manifest["settings"]["event_subscriptions"]
    assert events["request_url"].endswith("/slack/events")
    assert sorted(events["bot_events"]) == ["app_home_opened", "app_mention", "message.im"]
    home = manifest["features"]["app_home"]
    assert home["home_tab_enabled"] is True
    assert home["messages_tab_enabled"] is True
    assert home["messages_tab_read_only_enabled"] is False


def test_manifest_declares_the_message_shortcut_the_bot_answers() -> None:
    from bot.shortcuts import CALLBACK

    manifest = yaml.safe_load(MANIFEST.read_text())
    [shortcut] = manifest["features"]["shortcuts"]
    assert shortcut["type"] == "message"
    assert shortcut["callback_id"] == CALLBACK
    assert len(shortcut["name"]) <= 24  # Slack's limit on a shortcut's name
    assert len(shortcut["description"]) <= 100

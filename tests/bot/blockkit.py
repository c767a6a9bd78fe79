"""Checks every Slack payload the bot builds: it parses with slack_sdk and stays inside Slack's limits."""

from __future__ import annotations

from typing import Any

from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

LIMITS = {
    "section": 3000,
    "button_text": 75,
    "button_value": 2000,
    "id": 255,
    "blocks": 50,
    "confirm_title": 100,
    "confirm_text": 300,
    "confirm_button": 30,
    "metadata": 3000,
    "modal_text": 24,
    "option_text": 75,
    "option_value": 150,
    "overflow_options": 5,
}


def _check_element(element: dict[str, Any]) -> None:
    if element.get("type") == "overflow":
        assert 1 <= len(element["options"]) <= LIMITS["overflow_options"]
        for option in element["options"]:
            assert len(option["text"]["text"]) <= LIMITS["option_text"]
            assert len(option["value"]) <= LIMITS["option_value"]
    if element.get("type") == "button":
        assert len(element["text"]["text"]) <= LIMITS["button_text"]
        assert len(element.get("value", "")) <= LIMITS["button_value"]
        assert len(element.get("action_id", "")) <= LIMITS["id"]
        confirm = element.get("confirm")
        if confirm:
            assert len(confirm["title"]["text"]) <= LIMITS["confirm_title"]
            assert len(confirm["text"]["text"]) <= LIMITS["confirm_text"]
            assert len(confirm["confirm"]["text"]) <= LIMITS["confirm_button"]
            assert len(confirm["deny"]["text"]) <= LIMITS["confirm_button"]


def check_blocks(blocks: list[dict[str, Any]], max_blocks: int = LIMITS["blocks"]) -> None:
    assert 0 < len(blocks) <= max_blocks, f"{len(blocks)} blocks"
    for raw in blocks:
        parsed = Block.parse(raw)
        assert parsed is not None, f"slack_sdk does not know {raw.get('type')!r}"
        parsed.validate_json()
        assert len(raw.get("block_id", "")) <= LIMITS["id"]
        if raw.get("text"):
            assert len(raw["text"]["text"]) <= LIMITS["section"]
        for field in raw.get("fields") or []:
            assert len(field["text"]) <= 2000
        for element in [*(raw.get("elements") or []), *([raw["accessory"]] if raw.get("accessory") else [])]:
            _check_element(element)


def assert_valid_message(message: dict[str, Any]) -> None:
    assert message.get("text"), "a notification fallback text"
    if message.get("blocks"):
        check_blocks(message["blocks"])


def assert_valid_view(view: dict[str, Any]) -> None:
    View(**view).validate_json()
    check_blocks(view["blocks"], max_blocks=100)
    assert len(view.get("private_metadata", "")) <= LIMITS["metadata"]
    if view["type"] == "modal":  # a Home tab has no title or buttons of its own
        assert view.get("title"), "a modal has a title"
        for key in ("title", "submit", "close"):  # submit only where there is something to submit
            if key in view:
                assert len(view[key]["text"]) <= LIMITS["modal_text"]

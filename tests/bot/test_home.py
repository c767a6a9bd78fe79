"""The App Home as a dashboard, over signed HTTP with the fake Slack Web API: the picker's options
(bounded, as the API names the registries), a pick opening the registry's details, and the most
urgent findings with their next steps."""

from __future__ import annotations

import json
from typing import Any

import httpx

from bot import render
from tests.bot.conftest import ALICE, BOB, BotUnderTest
from tests.conftest import TOKEN, Stack
from tests.helpers.raw import requests_answered
from tests.helpers.text import texts


async def raw_names(stack: Stack) -> list[str]:
    transport = httpx.ASGITransport(app=stack.emulator)
    headers = {"authorization": f"Bearer {TOKEN}"}
    names: list[str] = []
    async with httpx.AsyncClient(
        transport=transport, base_url="http://emulator/containerregistries/", headers=headers
    ) as http:
        token = None
        while True:
            params: dict[str, Any] = {"limit": 1000} | ({"pagination.token": token} if token else {})
            body = (await http.get("registries", params=params)).json()
            names += [r["properties"]["name"] for r in body["items"]]
            token = (body.get("pagination") or {}).get("token")
            if not token:
                return names


def suggestion(typed: str) -> dict[str, Any]:
    """What Slack sends while a person types into the Home tab's registry picker."""
    return {
        "type": "block_suggestion",
        "action_id": render.PICK_ACTION,
        "block_id": "pick",
        "value": typed,
        "user": {"id": ALICE, "username": "alice", "team_id": "T1"},
        "team": {"id": "T1", "domain": "acme"},
        "api_app_id": "A1",
        "container": {"type": "view", "view_id": "VHOME"},
        "view": {"id": "VHOME", "type": "home", "blocks": []},
    }


async def test_the_home_tab_is_a_dashboard(bot: BotUnderTest) -> None:
    await bot.event({"type": "app_home_opened", "user": ALICE, "channel": "DALICE", "tab": "home"}, event_id="EvH")
    [published] = await bot.slack.wait_for(lambda: bot.slack.api_calls("views.publish"))
    raw = published.params["view"]
    view = json.loads(raw) if isinstance(raw, str) else raw
    picker = view["blocks"][0]["elements"][0]
    assert (picker["type"], picker["action_id"]) == ("external_select", render.PICK_ACTION)
    shown = texts(view)
    assert "Needs care" in shown
    menus = [b["accessory"] for b in view["blocks"] if (b.get("accessory") or {}).get("type") == "overflow"]
    assert menus, "the most urgent findings carry their next steps"


async def test_opening_the_home_tab_again_soon_does_not_look_at_every_image_again(bot: BotUnderTest) -> None:
    """A look reads every image of every registry; everyone opens the Home tab all day. Within five
    minutes the tab shows the last look's findings and says when it looked."""
    before = await requests_answered(bot.stack.emulator)
    await bot.event({"type": "app_home_opened", "user": ALICE, "channel": "DALICE", "tab": "home"}, event_id="Ev1")
    await bot.slack.wait_for(lambda: bot.slack.api_calls("views.publish"))
    first = await requests_answered(bot.stack.emulator) - before
    await bot.event({"type": "app_home_opened", "user": BOB, "channel": "DBOB", "tab": "home"}, event_id="Ev2")
    await bot.slack.wait_for(lambda: len(bot.slack.api_calls("views.publish")) == 2)
    second = await requests_answered(bot.stack.emulator) - before - first
    assert second < 5 < first  # the second open lists the registries, and no more
    views = [c.params["view"] for c in bot.slack.api_calls("views.publish")]
    shown = [texts(json.loads(v) if isinstance(v, str) else v) for v in views]
    looked = [line for line in shown[0].splitlines() if "looked at" in line]
    assert looked
    assert looked[0] in shown[1]


async def test_the_picker_offers_registries_as_the_api_names_them_prefix_first(bot: BotUnderTest) -> None:
    names = await raw_names(bot.stack)
    answer = await bot.interact(suggestion("pro"))
    assert answer.status_code == 200
    offered = [o["value"] for o in answer.json()["options"]]
    starting = sorted(n for n in names if n.startswith("pro"))
    assert offered[: len(starting)] == starting
    assert set(offered) == {n for n in names if "pro" in n}


async def test_the_picker_stays_bounded_with_a_thousand_registries(bot: BotUnderTest) -> None:
    for i in range(1000):
        bot.stack.emulator.backend.create({"properties": {"name": f"team-{i:04d}", "location": "de/fra"}}, "t@x")
    answer = await bot.interact(suggestion("team-"))
    options = answer.json()["options"]
    assert len(options) == 100
    assert all(o["value"].startswith("team-") for o in options)
    assert all(len(o["text"]["text"]) <= 75 for o in options)


async def test_picking_a_registry_opens_its_details(bot: BotUnderTest) -> None:
    names = await raw_names(bot.stack)
    assert "sandbox" in names
    await bot.interact(
        {
            "type": "block_actions",
            "user": {"id": ALICE, "username": "alice", "team_id": "T1"},
            "api_app_id": "A1",
            "team": {"id": "T1", "domain": "acme"},
            "container": {"type": "view", "view_id": "VHOME"},
            "trigger_id": "trigger-pick",
            "view": {"id": "VHOME", "type": "home", "blocks": []},
            "actions": [
                {
                    "type": "external_select",
                    "action_id": render.PICK_ACTION,
                    "block_id": "pick",
                    "selected_option": {"text": {"type": "plain_text", "text": "sandbox"}, "value": "sandbox"},
                    "action_ts": "1.2",
                }
            ],
        }
    )
    [opened] = await bot.slack.wait_for(lambda: bot.slack.api_calls("views.open"))
    assert opened.params["trigger_id"] == "trigger-pick"
    raw = opened.params["view"]
    modal = json.loads(raw) if isinstance(raw, str) else raw
    assert modal["type"] == "modal"
    assert "sandbox.cr.es-vit.ionos.com" in texts(modal)

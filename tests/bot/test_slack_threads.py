"""Slack where incidents happen: long operations followed in place, mentions in threads, DMs, App Home.

The emulator here takes two minutes to provision and to delete a registry; the followers run on
virtual time (each poll's sleep moves the emulator's clock), so following takes milliseconds.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.bot.conftest import ALICE, BOB, OPS, BotUnderTest, block_action, view_payload
from tests.conftest import Stack
from tests.helpers.clocks import Clock, FakeClock, VirtualTime
from tests.helpers.text import texts
from tools.app import Core
from tools.audit import AuditLog
from tools.client import RegistryClient
from tools.config import SafetySettings
from tools.emulator.app import EmulatorApp, build_app
from tools.emulator.backend import Backend
from tools.follow import Followers

PROVISION = 120.0
THREAD = "1700000000.000100"


@pytest.fixture
def emulator(clock: FakeClock) -> EmulatorApp:
    return build_app(Backend(seed=12, clock=clock, provision_seconds=PROVISION))


@pytest.fixture
def wait_timeout() -> float:
    return 600.0


@pytest.fixture
def stack(
    emulator: EmulatorApp, client: RegistryClient, clock: FakeClock, tmp_path: Path, wait_timeout: float
) -> Stack:
    vt = VirtualTime(clock)
    audit = AuditLog(tmp_path / "audit.jsonl")
    safety = SafetySettings(
        registry_protected="prod-*,*-critical", registry_confirm_secret="k" * 32, registry_wait_timeout=wait_timeout
    )
    followers = Followers(client, clock=vt.clock, sleep=vt.sleep)
    confirm_clock = Clock()
    core = Core.build(client, audit, safety, clock=confirm_clock, followers=followers)
    return Stack(emulator, client, audit, core, confirm_clock)


def mention_event(text: str, *, user: str = ALICE, channel: str = OPS, thread: str | None = THREAD) -> dict[str, Any]:
    event = {"type": "app_mention", "user": user, "text": f"<@UBOT> {text}", "ts": "1700000001.000200"}
    event |= {"channel": channel, "event_ts": "1700000001.000200"}
    if thread:
        event["thread_ts"] = thread
    return event


def params(call: Any) -> dict[str, Any]:
    out = dict(call.params)
    if isinstance(out.get("blocks"), str):
        out["blocks"] = json.loads(out["blocks"])
    return out


# ---------------------------------------------------------------- slash commands follow in place


async def test_create_is_followed_in_place_until_running_and_the_person_is_mentioned(bot: BotUnderTest) -> None:
    ack = await bot.command("create team-blue --location de/fra", rid="c")
    assert ack.status_code == 200
    replies = await bot.slack.wait_for(lambda: len(bot.slack.responses.get("c", [])) >= 3 and bot.slack.responses["c"])
    first, final, said = replies[0], replies[1], replies[2]
    assert "Created registry team-blue" in texts(first)
    assert "New" in texts(first)
    assert "IONOS is still working on it" in texts(first)
    assert final["replace_original"] is True
    assert "team-blue is Running at team-blue.cr.de-fra.ionos.com after 2 min" in texts(final)
    assert "team-blue.cr.de-fra.ionos.com" in texts(final)
    assert said["response_type"] == "in_channel"
    assert said["text"].startswith(f"<@{ALICE}> team-blue is Running")


async def test_get_on_a_registry_still_new_follows_it_and_a_running_one_does_not(bot: BotUnderTest) -> None:
    plain = await bot.reply("get prod-images", rid="plain")
    assert "IONOS is still working" not in texts(plain)
    await bot.stack.client.create_registry({"name": "brand-new", "location": "de/fra"})  # made elsewhere
    await bot.command("get brand-new", rid="new")
    got = await bot.slack.wait_for(lambda: len(bot.slack.responses.get("new", [])) >= 3 and bot.slack.responses["new"])
    assert "IONOS is still working on it" in texts(got[0])
    assert "brand-new is Running at brand-new.cr.de-fra.ionos.com" in texts(got[1])
    assert got[2]["text"].startswith(f"<@{ALICE}> brand-new is Running")


async def test_a_confirmed_delete_is_followed_until_gone(bot: BotUnderTest) -> None:
    preview = await bot.reply("delete sandbox", rid="del")
    await bot.interact(block_action(bot, preview, "registry_confirm", rid="del"))
    opened = await bot.slack.wait_for(lambda: bot.slack.api_calls("views.open"))
    view = (
        json.loads(opened[-1].params["view"])
        if isinstance(opened[-1].params["view"], str)
        else opened[-1].params["view"]
    )
    await bot.interact(view_payload(view, "sandbox"))
    replies = await bot.slack.wait_for(lambda: len(bot.slack.responses["del"]) >= 5 and bot.slack.responses["del"])
    assert len(bot.slack.responses["del"]) <= 5, "Slack allows a response_url five uses"
    _, outcome, note, gone, said = replies[:5]
    assert "IONOS is still working on it" in texts(outcome)
    assert note["text"].startswith(f"<@{ALICE}> deleted registry *sandbox*")
    assert gone["replace_original"] is True
    assert "sandbox is gone (deleted) after 2 min" in texts(gone)
    assert said["response_type"] == "in_channel"
    assert said["text"].startswith(f"<@{ALICE}> sandbox is gone (deleted) after 2 min")
    assert bot.stack.registry_named("sandbox") is None


@pytest.mark.parametrize("wait_timeout", [10.0])
async def test_at_the_bound_it_says_still_in_progress_and_how_to_check(bot: BotUnderTest) -> None:
    await bot.command("create slow-one --location de/fra", rid="slow")
    replies = await bot.slack.wait_for(
        lambda: len(bot.slack.responses.get("slow", [])) >= 2 and bot.slack.responses["slow"]
    )
    final = texts(replies[-1])
    assert "slow-one is still provisioning (New)" in final
    assert "Check again with `/registry get slow-one`" in final
    assert not any(r.get("response_type") == "in_channel" for r in replies), "nobody is pinged for an unfinished job"


# ---------------------------------------------------------------- mentions answer in the thread


async def test_a_mention_in_a_thread_is_answered_in_that_thread_for_everyone(bot: BotUnderTest) -> None:
    ack = await bot.event(mention_event("get prod-images"))
    assert ack.status_code == 200
    [posted] = await bot.slack.wait_for(lambda: bot.slack.api_calls("chat.postMessage"))
    sent = params(posted)
    assert (sent["channel"], sent["thread_ts"]) == (OPS, THREAD)
    assert "prod-images.cr.de-fra.ionos.com" in texts(sent)
    assert bot.slack.api_calls("chat.postEphemeral") == []


async def test_a_top_level_mention_starts_a_thread(bot: BotUnderTest) -> None:
    await bot.event(mention_event("vulns prod-images/team/app:1.4.2", thread=None))
    [posted] = await bot.slack.wait_for(lambda: bot.slack.api_calls("chat.postMessage"))
    assert posted.params["thread_ts"] == "1700000001.000200"


async def test_the_same_event_delivered_twice_is_answered_once(bot: BotUnderTest) -> None:
    await bot.event(mention_event("get analytics"), event_id="EvSame")
    await bot.event(mention_event("get analytics"), event_id="EvSame")
    await bot.event(mention_event("get analytics"), event_id="EvOther")
    await bot.slack.wait_for(lambda: len(bot.slack.api_calls("chat.postMessage")) >= 2)
    assert len(bot.slack.api_calls("chat.postMessage")) == 2


async def test_a_reader_asking_to_delete_by_mention_is_refused_privately(bot: BotUnderTest) -> None:
    await bot.event(mention_event("delete sandbox", user=BOB))
    [private] = await bot.slack.wait_for(lambda: bot.slack.api_calls("chat.postEphemeral"))
    sent = params(private)
    assert (sent["user"], sent["thread_ts"]) == (BOB, THREAD)
    assert "You can look, but not delete" in texts(sent)
    assert bot.slack.api_calls("chat.postMessage") == []


async def test_a_writers_delete_by_mention_is_confirmed_privately_and_told_in_the_thread(bot: BotUnderTest) -> None:
    await bot.event(mention_event("delete sandbox"))
    [private] = await bot.slack.wait_for(lambda: bot.slack.api_calls("chat.postEphemeral"))
    preview = params(private)
    assert preview["user"] == ALICE
    assert "Delete registry sandbox?" in texts(preview)
    assert bot.slack.api_calls("chat.postMessage") == [], "no preview in public"
    button = next(e for b in preview["blocks"] if b["type"] == "actions" for e in b["elements"])
    assert json.loads(button["value"])["th"] == THREAD
    await bot.interact(block_action(bot, preview, "registry_confirm", rid="thr"))
    opened = await bot.slack.wait_for(lambda: bot.slack.api_calls("views.open"))
    raw = opened[-1].params["view"]
    await bot.interact(view_payload(json.loads(raw) if isinstance(raw, str) else raw, "sandbox"))
    public = await bot.slack.wait_for(
        lambda: [params(c) for c in bot.slack.api_calls("chat.postMessage") if "gone" in c.params.get("text", "")]
    )
    in_thread = [params(c) for c in bot.slack.api_calls("chat.postMessage") if c.params["channel"] == OPS]
    assert all(c["thread_ts"] == THREAD for c in in_thread)
    assert in_thread[0]["text"].startswith(f"<@{ALICE}> deleted registry *sandbox*")
    assert public[0]["text"].startswith(f"<@{ALICE}> sandbox is gone (deleted) after 2 min")


async def test_a_create_by_mention_is_updated_in_the_thread(bot: BotUnderTest) -> None:
    await bot.event(mention_event("create team-red --location de/fra"))
    updated = await bot.slack.wait_for(lambda: bot.slack.api_calls("chat.update"))
    first = next(params(c) for c in bot.slack.api_calls("chat.postMessage") if c.params["channel"] == OPS)
    assert "IONOS is still working on it" in texts(first)
    last = params(updated[-1])
    assert last["channel"] == OPS
    assert "team-red is Running at team-red.cr.de-fra.ionos.com" in texts(last)
    done = await bot.slack.wait_for(
        lambda: [
            c
            for c in bot.slack.api_calls("chat.postMessage")
            if c.params["channel"] == OPS and c.params.get("text", "").startswith("<@")
        ]
    )
    assert done[0].params["thread_ts"] == THREAD
    assert "@registry-ops get team-red" not in texts(last), "finished: nothing to check again"


async def test_a_new_token_by_mention_never_reaches_the_thread(bot: BotUnderTest) -> None:
    await bot.event(mention_event("tokens create sandbox ci-bot --scope team/*:pull"))
    [private] = await bot.slack.wait_for(lambda: bot.slack.api_calls("chat.postEphemeral"))
    assert "Password" in texts(params(private))
    public = [c for c in bot.slack.api_calls("chat.postMessage") if c.params["channel"] == OPS]
    assert public == []


async def test_mentions_keep_to_the_channel_allow_list(bot: BotUnderTest) -> None:
    bot.access.channels = frozenset({"CONLYHERE"})
    await bot.event(mention_event("get analytics"))
    [private] = await bot.slack.wait_for(lambda: bot.slack.api_calls("chat.postEphemeral"))
    assert "I only answer in" in texts(params(private))
    assert bot.slack.api_calls("chat.postMessage") == []


# ---------------------------------------------------------------- direct messages and the Home tab


async def test_a_direct_message_works_like_a_mention_and_stays_private(bot: BotUnderTest) -> None:
    dm = {"type": "message", "channel_type": "im", "channel": "DALICE", "user": ALICE, "ts": "5.1"}
    await bot.event({**dm, "text": "get analytics"}, event_id="EvDm1")
    [posted] = await bot.slack.wait_for(lambda: bot.slack.api_calls("chat.postMessage"))
    assert posted.params["channel"] == "DALICE"
    assert "analytics" in texts(params(posted))
    await bot.event({**dm, "text": "delete sandbox", "ts": "5.2"}, event_id="EvDm2")
    previews = await bot.slack.wait_for(lambda: bot.slack.api_calls("chat.postMessage")[1:])
    assert "Delete registry sandbox?" in texts(params(previews[0])), "a DM is private: the preview is posted there"
    await bot.event({**dm, "text": "get analytics", "bot_id": "B1", "ts": "5.3"}, event_id="EvDm3")
    await bot.event({**dm, "subtype": "message_changed", "ts": "5.4"}, event_id="EvDm4")
    await bot.reply("get analytics", rid="sync")  # something the bot certainly handled after those
    assert len(bot.slack.api_calls("chat.postMessage")) == 2, "its own messages and edits are not answered"


async def test_the_home_tab_lists_the_registries_when_opened(bot: BotUnderTest) -> None:
    await bot.event({"type": "app_home_opened", "user": ALICE, "channel": "DALICE", "tab": "home"}, event_id="EvH")
    [published] = await bot.slack.wait_for(lambda: bot.slack.api_calls("views.publish"))
    assert published.params["user_id"] == ALICE
    raw = published.params["view"]
    view = json.loads(raw) if isinstance(raw, str) else raw
    assert view["type"] == "home"
    shown = texts(view)
    assert "prod-images" in shown
    assert "Running" in shown
    assert "scan on" in shown or "scan off" in shown
    listed = view["blocks"][
        next(i for i, b in enumerate(view["blocks"]) if (b.get("text") or {}).get("text") == "Registries") :
    ]
    prod = next(b["text"]["text"] for b in listed if "prod-images" in b.get("text", {}).get("text", ""))
    assert ":lock: protected" in prod
    sandbox = next(b["text"]["text"] for b in listed if "*sandbox*" in b.get("text", {}).get("text", ""))
    assert ":lock:" not in sandbox
    await bot.event({"type": "app_home_opened", "user": ALICE, "channel": "DALICE", "tab": "messages"}, "EvH2")
    await bot.reply("get analytics", rid="sync")
    assert len(bot.slack.api_calls("views.publish")) == 1, "only the Home tab is drawn"

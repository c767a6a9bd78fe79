"""The bot driven exactly as Slack drives it: signed posts, block_actions, view_submission, offline."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.bot.conftest import ALICE, AUDIT, BOB, CAROL, BotUnderTest, block_action, preview_then_modal, view_payload
from tests.bot.fakes import slash_body
from tests.helpers.signing import signed
from tests.helpers.text import texts
from tools.audit import Outcome

# ---------------------------------------------------------------- requests Slack did not sign


async def test_signed_command_is_acked_empty_and_answered_later(bot: BotUnderTest) -> None:
    ack = await bot.command("list", rid="list")
    assert ack.status_code == 200
    assert ack.text == ""
    replies = await bot.slack.wait_for(lambda: bot.slack.responses.get("list"))
    assert "analytics" in texts(replies[0])
    assert replies[0]["response_type"] == "ephemeral"
    assert len(bot.slack.api_calls("auth.test")) == 1


@pytest.mark.parametrize(
    "headers",
    [
        lambda body: {"content-type": "application/x-www-form-urlencoded"},
        lambda body: signed(body, "the-wrong-secret"),
        lambda body: signed(body, "test-signing-secret", age=301),
        lambda body: signed(body, "test-signing-secret", signature="v0=" + "0" * 64),
    ],
    ids=["unsigned", "mis-signed", "stale", "forged"],
)
async def test_requests_not_signed_by_slack_get_401(bot: BotUnderTest, headers: Any) -> None:
    body = slash_body("delete sandbox", user=ALICE, channel="COPS", response_url=bot.slack.response_url("x"))
    response = await bot.http.post(bot.url + "/slack/events", content=body, headers=headers(body))
    assert response.status_code == 401
    assert bot.slack.responses.get("x") is None
    assert bot.stack.registry_named("sandbox") is not None


async def test_healthz_and_mcp_share_the_process(bot: BotUnderTest) -> None:
    health = await bot.http.get(bot.url + "/healthz")
    assert health.json()["ok"] is True
    body = {
        "jsonrpc": "2.0",
        "id": 1,
        "method": "initialize",
        "params": {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}},
    }
    mcp = await bot.http.post(bot.url + "/mcp", json=body, headers={"accept": "application/json, text/event-stream"})
    assert mcp.status_code == 200
    assert "ionos-registry-ops" in mcp.text


async def test_the_first_concurrent_commands_ask_slack_who_the_bot_is_once(bot: BotUnderTest) -> None:
    """After a deploy, a burst of commands must not each call auth.test inside its 3-second ack."""
    replies = await asyncio.gather(*(bot.reply("get analytics", rid=f"burst{i}") for i in range(12)))
    assert all("analytics" in texts(r) for r in replies)
    assert len(bot.slack.api_calls("auth.test")) == 1


async def test_metrics_show_slack_acks_and_operations(bot: BotUnderTest) -> None:
    def sample(text: str, name: str, **labels: str) -> float:
        for family in text_string_to_metric_families(text):
            for s in family.samples:
                if s.name == name and all(s.labels.get(k) == v for k, v in labels.items()):
                    return float(s.value)
        return 0.0

    before = (await bot.http.get(bot.url + "/metrics")).text
    await bot.reply("get analytics")
    after = (await bot.http.get(bot.url + "/metrics")).text
    acks = "registry_slack_ack_seconds_count"
    assert sample(after, acks) == sample(before, acks) + 1
    reads = {"front": "slack", "operation": "get_registry", "outcome": "executed"}
    assert (
        sample(after, "registry_operations_total", **reads) == sample(before, "registry_operations_total", **reads) + 1
    )
    assert sample(after, "registry_slack_ack_seconds_bucket", le="3.0") == sample(after, acks), "every ack within 3 s"


# ---------------------------------------------------------------- every subcommand


async def test_help_and_unknown_subcommands(bot: BotUnderTest) -> None:
    top = texts(await bot.reply("help"))
    assert "/registry create NAME --location LOC" in top
    assert "--gc-days mon,thu" in top
    assert "01:23 when only days are given" in top
    update = texts(await bot.reply("help update"))
    assert "--allow-remove CIDR,…: remove entries from the allow list" in update
    assert "['Monday'" not in update
    assert "True turns" not in update
    assert "/registry list" in texts(await bot.reply(""))
    wrong = texts(await bot.reply("lsit"))
    assert "unknown subcommand 'lsit'" in wrong
    assert "Did you mean `/registry list`" in wrong


async def test_list_pages_with_a_next_button(bot: BotUnderTest) -> None:
    first = await bot.reply("list --limit 7", rid="page")
    assert texts(first).count("·") == 7 * 6
    click = block_action(bot, first, "registry_list_next", rid="page")
    assert (await bot.interact(click)).status_code == 200
    replies = await bot.slack.wait_for(lambda: len(bot.slack.responses["page"]) > 1 and bot.slack.responses["page"])
    second = replies[-1]
    assert second["replace_original"] is True
    assert "sandbox" in texts(second)
    assert "that is all" in texts(second)


async def test_get_locations_and_check(bot: BotUnderTest) -> None:
    card = texts(await bot.reply("get prod-images"))
    assert "prod-images.cr.de-fra.ionos.com" in card
    assert "de/fra" in texts(await bot.reply("locations"))
    assert "available" in texts(await bot.reply("check brand-new-one"))
    assert "already in use" in texts(await bot.reply("check sandbox"))
    assert "Did you mean sandbox?" in texts(await bot.reply("get sandbx"))


async def test_create_then_update(bot: BotUnderTest) -> None:
    created = texts(await bot.reply("create team-blue --location de/txl --gc-days Mon,Thu --gc-time 02:00"))
    assert "Created registry team-blue" in created
    assert "Mon,Thu 02:00 UTC" in created
    updated = texts(await bot.reply("update Team-Blue --gc-time 1:30"))
    assert "garbage collection: Mon,Thu 02:00 UTC -> Mon,Thu 01:30 UTC" in updated
    unchanged = texts(await bot.reply("update team-blue --gc-days mon,thu --gc-time 01:30"))
    assert "Nothing to change" in unchanged
    audit_lines = await bot.slack.wait_for(
        lambda: [c.params["text"] for c in bot.slack.api_calls("chat.postMessage") if c.params["channel"] == AUDIT]
    )
    assert any("team-blue" in line and "Created" in line for line in audit_lines)
    assert {c.authorization for c in bot.slack.api_calls("chat.postMessage")} == {"Bearer xoxb-test"}


async def test_bad_flags_answer_with_that_subcommands_usage(bot: BotUnderTest) -> None:
    reply = texts(await bot.reply("create Bad_Name --location de/fra"))
    assert "NAME: must be 3-63 characters" in reply
    assert "/registry create NAME --location LOC" in reply
    api = texts(await bot.reply("create sandbox --location de/fra"))
    assert "NAME_ALREADY_IN_USE" in api


# ---------------------------------------------------------------- access


async def test_non_writers_cannot_mutate_and_are_told_who_can(bot: BotUnderTest) -> None:
    for text in (
        "create nope-nope --location de/fra",
        "update sandbox --allow none",
        "delete sandbox",
        "replace sandbox",
    ):
        reply = texts(await bot.reply(text, user=BOB, rid=f"bob-{text[:6]}"))
        assert "REGISTRY_BOT_WRITERS" in reply
        assert "<@UALICE>" in reply
        assert "<!subteam^SWRITERS>" in reply
    assert "analytics" in texts(await bot.reply("list", user=BOB)), "reads stay open"
    records = [(r.operation, r.outcome, r.registry_name, r.actor, r.front) for r in bot.stack.records]
    assert records == [
        ("create_registry", Outcome.DENIED, "nope-nope", "slack:UBOB", "slack"),
        ("update_registry", Outcome.DENIED, "sandbox", "slack:UBOB", "slack"),
        ("delete_registry", Outcome.DENIED, "sandbox", "slack:UBOB", "slack"),
        ("replace_registry", Outcome.DENIED, "sandbox", "slack:UBOB", "slack"),
    ]


async def test_user_group_members_may_write(bot: BotUnderTest) -> None:
    reply = texts(await bot.reply("create carols-one --location de/fra", user=CAROL))
    assert "Created registry carols-one" in reply


async def test_other_channels_get_no_answer_but_a_pointer(bot: BotUnderTest) -> None:
    bot.access.channels = frozenset({"COPS"})
    reply = texts(await bot.reply("delete sandbox", channel="CRANDOM"))
    assert "I only answer in <#COPS>" in reply
    assert bot.stack.registry_named("sandbox") is not None


# ---------------------------------------------------------------- delete and replace


async def test_delete_needs_the_typed_name(bot: BotUnderTest) -> None:
    view = await preview_then_modal(bot, "delete sandbox", "del")
    wrong = await bot.interact(view_payload(view, "sandbx"))
    assert wrong.json() == {"response_action": "errors", "errors": {"confirm_name": "Type exactly sandbox to confirm"}}
    assert bot.stack.registry_named("sandbox") is not None
    right = await bot.interact(view_payload(view, "sandbox"))
    assert right.status_code == 200
    assert right.text == ""
    replies = await bot.slack.wait_for(lambda: len(bot.slack.responses["del"]) >= 3 and bot.slack.responses["del"])
    outcome, note = replies[1], replies[2]
    assert outcome["replace_original"] is True
    assert "Deleted registry sandbox" in texts(outcome)
    assert note["response_type"] == "in_channel"
    assert note["text"].startswith("<@UALICE> deleted registry *sandbox*")
    assert bot.stack.registry_named("sandbox") is None
    audit = await bot.slack.wait_for(  # posted after the note: wait for it
        lambda: [c.params["text"] for c in bot.slack.api_calls("chat.postMessage") if c.params["channel"] == AUDIT]
    )
    assert audit == [note["text"]]


async def test_double_submit_deletes_once(bot: BotUnderTest) -> None:
    view = await preview_then_modal(bot, "delete sandbox", "dbl")
    first, second = await bot.interact(view_payload(view, "sandbox")), await bot.interact(view_payload(view, "sandbox"))
    assert (first.status_code, second.status_code) == (200, 200)
    await bot.slack.wait_for(lambda: len(bot.slack.responses["dbl"]) >= 3)
    assert bot.stack.emulator.hooks.requests["DELETE"] == 1
    outcomes = [r.outcome for r in bot.stack.records]
    assert outcomes.count(Outcome.EXECUTED) == 1
    assert outcomes.count(Outcome.DENIED) == 1
    assert all("already used" not in texts(r) for r in bot.slack.responses["dbl"]), "the success stays on screen"


async def test_only_the_person_who_asked_can_confirm(bot: BotUnderTest) -> None:
    preview = await bot.reply("delete sandbox", rid="other")
    await bot.interact(block_action(bot, preview, "registry_confirm", user=CAROL, rid="other"))
    replies = await bot.slack.wait_for(lambda: len(bot.slack.responses["other"]) >= 2 and bot.slack.responses["other"])
    assert "issued to someone else" in texts(replies[-1])
    assert replies[-1]["replace_original"] is False
    assert bot.slack.api_calls("views.open") == []
    assert bot.stack.registry_named("sandbox") is not None


async def test_an_expired_plan_is_refused(bot: BotUnderTest) -> None:
    view = await preview_then_modal(bot, "delete sandbox", "exp")
    bot.stack.clock.now += 301
    await bot.interact(view_payload(view, "sandbox"))
    replies = await bot.slack.wait_for(lambda: len(bot.slack.responses["exp"]) >= 2 and bot.slack.responses["exp"])
    assert "expired" in texts(replies[-1])
    assert bot.stack.registry_named("sandbox") is not None


async def test_a_registry_changed_in_between_is_refused_with_its_new_state(bot: BotUnderTest) -> None:
    view = await preview_then_modal(bot, "delete sandbox", "chg")
    stored = bot.stack.registry_named("sandbox")
    assert stored is not None
    stored.allow_list = ["203.0.113.9/32"]
    await bot.interact(view_payload(view, "sandbox"))
    replies = await bot.slack.wait_for(lambda: len(bot.slack.responses["chg"]) >= 2 and bot.slack.responses["chg"])
    assert "changed since the preview" in texts(replies[-1])
    assert "203.0.113.9/32" in texts(replies[-1])
    assert bot.stack.registry_named("sandbox") is not None


async def test_protected_registries_are_refused_at_once(bot: BotUnderTest) -> None:
    reply = texts(await bot.reply("delete prod-images"))
    assert "protected" in reply
    assert "REGISTRY_PROTECTED" in reply
    assert bot.stack.registry_named("prod-images") is not None


async def test_cancel_and_closing_the_modal_change_nothing(bot: BotUnderTest) -> None:
    preview = await bot.reply("delete sandbox", rid="cxl")
    await bot.interact(block_action(bot, preview, "registry_cancel", rid="cxl"))
    replies = await bot.slack.wait_for(lambda: len(bot.slack.responses["cxl"]) >= 2 and bot.slack.responses["cxl"])
    assert "Nothing changed" in texts(replies[-1])
    view = await preview_then_modal(bot, "delete sandbox", "cls")
    closed = await bot.interact(view_payload(view, None, kind="view_closed"))
    assert closed.status_code == 200
    await bot.slack.wait_for(lambda: len(bot.slack.responses["cls"]) >= 2)
    assert bot.stack.registry_named("sandbox") is not None
    assert [r.outcome for r in bot.stack.records] == [Outcome.DECLINED, Outcome.DECLINED]


async def test_replace_shows_the_diff_then_applies_it(bot: BotUnderTest) -> None:
    view = await preview_then_modal(bot, "replace ci-cache --gc-days Sat --allow 10.9.0.0/16", "rep")
    preview = texts(bot.slack.responses["rep"][0])
    assert "garbage collection: Tue,Fri 10:00 UTC -> Sat 01:23 UTC" in preview
    assert "API allow list: unrestricted (empty allow list) -> 10.9.0.0/16" in preview
    await bot.interact(view_payload(view, "ci-cache"))
    replies = await bot.slack.wait_for(lambda: len(bot.slack.responses["rep"]) >= 3 and bot.slack.responses["rep"])
    assert "Replaced registry ci-cache" in texts(replies[1])
    stored = bot.stack.registry_named("ci-cache")
    assert stored is not None
    assert stored.allow_list == ["10.9.0.0/16"]


async def test_a_failure_after_the_ack_is_answered_not_raised(bot: BotUnderTest) -> None:
    await httpx.AsyncClient(transport=httpx.ASGITransport(app=bot.stack.emulator)).post(
        "http://e/_emulator/faults", json={"status": 500, "count": 1}
    )
    reply = texts(await bot.reply("get ml-models"))
    assert "HTTP 500" in reply
    assert "INJECTED_FAULT" in reply


# ---------------------------------------------------------------- risky updates, tampering, malformed requests


async def test_a_risky_update_is_previewed_then_confirmed_by_the_typed_name(bot: BotUnderTest) -> None:
    view = await preview_then_modal(bot, "update data-pipeline --allow 10.20.0.0/16", "upd")
    preview = bot.slack.responses["upd"][0]
    assert "API allow list: 203.0.113.112/32 -> 10.20.0.0/16" in texts(preview)
    assert "removes 203.0.113.112/32" in texts(preview)
    assert "&gt;" not in preview["text"]
    assert "fingerprint" not in json.dumps(preview)
    assert bot.stack.registry_named("data-pipeline").allow_list == ["203.0.113.112/32"]  # type: ignore[union-attr]
    await bot.interact(view_payload(view, "data-pipeline"))
    replies = await bot.slack.wait_for(lambda: len(bot.slack.responses["upd"]) >= 3 and bot.slack.responses["upd"])
    outcome = replies[1]
    assert "Updated data-pipeline" in texts(outcome)
    assert "API allow list: 203.0.113.112/32 -> 10.20.0.0/16" in outcome["text"], "the fallback shows ->"
    assert bot.stack.registry_named("data-pipeline").allow_list == ["10.20.0.0/16"]  # type: ignore[union-attr]
    assert replies[2]["text"].startswith("<@UALICE> updated registry *data-pipeline*")


async def test_a_safe_update_answers_with_before_and_after_at_once(bot: BotUnderTest) -> None:
    reply = await bot.reply("update data-pipeline --allow-add 10.1.0.0/16")
    assert "API allow list: 203.0.113.112/32 -> 203.0.113.112/32, 10.1.0.0/16" in reply["text"]
    missing = texts(await bot.reply("update data-pipeline --allow-remove 10.9.9.9/32"))
    assert "--allow-remove: 10.9.9.9/32 is not in the allow list" in missing


async def test_protected_registries_update_only_confirmed(bot: BotUnderTest) -> None:
    preview = texts(await bot.reply("update prod-images --gc-days sun"))
    assert "Update registry prod-images?" in preview
    assert "protected" in preview


@pytest.mark.parametrize("where", ["button", "modal"])
async def test_a_tampered_confirmation_is_refused_and_audited(bot: BotUnderTest, where: str) -> None:
    preview = await bot.reply("delete sandbox", rid=f"tamper-{where}")
    click = block_action(bot, preview, "registry_confirm", rid=f"tamper-{where}")
    value = json.loads(click["actions"][0]["value"])
    body, sig = value["t"].split(".")
    forged = body + "." + ("A" * len(sig))
    if where == "button":
        click["actions"][0]["value"] = json.dumps({**value, "t": forged})
        await bot.interact(click)
    else:
        view = await preview_then_modal(bot, "delete sandbox", f"tamper-{where}")
        meta = json.loads(view["private_metadata"])
        view["private_metadata"] = json.dumps({**meta, "t": forged})
        await bot.interact(view_payload(view, "sandbox"))
    await bot.slack.wait_for(lambda: any(r.outcome == Outcome.DENIED for r in bot.stack.records))
    [record] = [r for r in bot.stack.records if r.outcome == Outcome.DENIED]
    assert (record.operation, record.registry_name, record.actor) == ("delete_registry", "sandbox", "slack:UALICE")
    assert "invalid confirmation" in (record.detail or "")
    assert bot.stack.registry_named("sandbox") is not None


@pytest.mark.parametrize(
    ("body", "content_type", "status"),
    [
        ("payload=%7Bx", "application/x-www-form-urlencoded", 400),
        ("{not json", "application/json", 400),
        ("payload=%5B1%5D", "application/x-www-form-urlencoded", 400),
        ("", "application/json", 400),
    ],
)
async def test_malformed_bodies_get_400_or_401_never_500(
    bot: BotUnderTest, caplog: pytest.LogCaptureFixture, body: str, content_type: str, status: int
) -> None:
    headers = signed(body, "test-signing-secret")
    headers["content-type"] = content_type
    assert (await bot.http.post(bot.url + "/slack/events", content=body, headers=headers)).status_code == status
    unsigned = {"content-type": content_type}
    assert (await bot.http.post(bot.url + "/slack/events", content=body, headers=unsigned)).status_code == 401
    garbage = await bot.http.post(bot.url + "/slack/events", content=b"\xff\xfe", headers=unsigned)
    assert garbage.status_code == 401
    assert "Traceback" not in caplog.text

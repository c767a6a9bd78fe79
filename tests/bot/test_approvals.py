"""Four eyes: a confirmed change on a covered registry waits for a second writer, from either front.

Frozen clocks throughout (the confirmation clock decides expiry); Slack is the fake Web API; the
second replica in the double-click test is a second core on the same real Redis.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest
from mcp import Client
from mcp.types import ElicitRequestParams, ElicitResult
from slack_sdk.web.async_client import AsyncWebClient

from bot.approvals import Courier
from tests.bot.conftest import ALICE, AUDIT, BOB, CAROL, BotUnderTest, block_action, view_payload
from tests.bot.test_slack_e2e import texts
from tests.conftest import Clock, Stack
from tools.approvals import ApprovalError
from tools.audit import AuditLog, Outcome
from tools.client import RegistryClient
from tools.config import SafetySettings
from tools.emulator.app import EmulatorApp
from tools.mcp_server import ServerOptions, build_server
from tools.operations import CATALOGUE, Caller, Core
from tools.state import MemoryStore, RedisStore

CHANNEL = "CAPPROVE"
TTL = 3600


def settings() -> SafetySettings:
    return SafetySettings(
        registry_protected="prod-*",
        registry_confirm_secret="k" * 32,
        registry_approval_required="sandbox,ml-*",
        registry_approval_channel=CHANNEL,
        registry_approval_ttl=TTL,
    )


@pytest.fixture
def stack(emulator: EmulatorApp, client: RegistryClient, tmp_path: Path) -> Stack:
    clock = Clock()
    audit = AuditLog(tmp_path / "audit.jsonl")
    return Stack(emulator, client, audit, Core.build(client, audit, settings(), clock=clock), clock)


def cards(bot: BotUnderTest) -> list[dict[str, Any]]:
    out = []
    for call in bot.slack.api_calls("chat.postMessage"):
        if call.params["channel"] == CHANNEL:
            params = dict(call.params)
            params["blocks"] = (
                json.loads(params["blocks"]) if isinstance(params.get("blocks"), str) else params["blocks"]
            )
            out.append(params)
    return out


async def request_delete(bot: BotUnderTest, name: str = "sandbox", rid: str = "req") -> dict[str, Any]:
    """Alice asks to delete ``name`` and confirms it; the card that lands in the approval channel."""
    preview = await bot.reply(f"delete {name}", rid=rid)
    await bot.interact(block_action(bot, preview, "registry_confirm", rid=rid))
    opened = await bot.slack.wait_for(lambda: bot.slack.api_calls("views.open"))
    raw = opened[-1].params["view"]
    await bot.interact(view_payload(json.loads(raw) if isinstance(raw, str) else raw, name))
    [card] = await bot.slack.wait_for(lambda: cards(bot))
    return dict(card)


def click(bot: BotUnderTest, card: dict[str, Any], action: str, user: str) -> dict[str, Any]:
    payload = block_action(bot, card, action, user=user, rid=f"card-{user}")
    payload["container"] = {"type": "message", "message_ts": "9.9", "channel_id": CHANNEL}
    payload["channel"] = {"id": CHANNEL, "name": "approvals"}
    return payload


def outcomes(stack: Stack, name: str = "sandbox") -> list[tuple[str, str]]:
    return [(r.operation, r.outcome.value) for r in stack.records if r.registry_name == name]


async def test_a_covered_delete_waits_for_a_second_writer_and_runs_on_approval(bot: BotUnderTest) -> None:
    card = await request_delete(bot)
    said = texts(card)
    assert "Approval needed: Delete registry sandbox" in said
    assert f"<@{ALICE}> asked in Slack" in said
    mine = bot.slack.responses["req"][-1]
    assert "a second writer must approve this in <#CAPPROVE>" in texts(mine)
    assert "registry_approve" not in json.dumps(mine), "the requester's copy has no buttons"
    assert bot.stack.registry_named("sandbox") is not None, "nothing ran yet"

    await bot.interact(click(bot, card, "registry_approve", CAROL))
    [decided] = await bot.slack.wait_for(lambda: bot.slack.responses.get(f"card-{CAROL}"))
    assert decided["replace_original"] is True
    assert f"Approved by slack:{CAROL}: Deleted registry sandbox" in texts(decided)
    assert "registry_approve" not in json.dumps(decided), "decided: no more buttons"
    assert bot.stack.registry_named("sandbox") is None
    told = await bot.slack.wait_for(
        lambda: [c for c in bot.slack.api_calls("chat.postMessage") if c.params["channel"] == ALICE]
    )
    assert "Approved by" in told[0].params["text"]
    steps = [o for op, o in outcomes(bot.stack) if op == "delete_registry"]
    assert steps == ["requested", "approved", "executed"]
    approver = next(r for r in bot.stack.records if r.outcome is Outcome.APPROVED)
    assert approver.actor == f"slack:{CAROL}"


async def test_the_requester_cannot_approve_their_own_change(bot: BotUnderTest) -> None:
    card = await request_delete(bot)
    await bot.interact(click(bot, card, "registry_approve", ALICE))
    [refused] = await bot.slack.wait_for(lambda: bot.slack.responses.get(f"card-{ALICE}"))
    assert "you asked for this change, so someone else must approve it" in texts(refused)
    assert refused["replace_original"] is False
    assert bot.stack.registry_named("sandbox") is not None
    assert ("delete_registry", "denied") in outcomes(bot.stack)
    await bot.interact(click(bot, card, "registry_approve", CAROL))  # still pending for someone else
    await bot.slack.wait_for(lambda: bot.slack.responses.get(f"card-{CAROL}"))
    assert bot.stack.registry_named("sandbox") is None


async def test_a_reader_cannot_approve(bot: BotUnderTest) -> None:
    card = await request_delete(bot)
    await bot.interact(click(bot, card, "registry_approve", BOB))
    [refused] = await bot.slack.wait_for(lambda: bot.slack.responses.get(f"card-{BOB}"))
    assert "may approve or reject changes" in texts(refused)
    assert bot.stack.registry_named("sandbox") is not None
    assert any(r.actor == f"slack:{BOB}" and r.outcome is Outcome.DENIED for r in bot.stack.records)


async def test_a_rejected_request_runs_nothing(bot: BotUnderTest) -> None:
    card = await request_delete(bot)
    await bot.interact(click(bot, card, "registry_reject", CAROL))
    [decided] = await bot.slack.wait_for(lambda: bot.slack.responses.get(f"card-{CAROL}"))
    assert "Rejected: nothing ran" in texts(decided)
    assert bot.stack.registry_named("sandbox") is not None
    assert [o for op, o in outcomes(bot.stack) if op == "delete_registry"] == ["requested", "rejected"]


async def test_an_expired_request_runs_nothing_and_says_so(bot: BotUnderTest) -> None:
    card = await request_delete(bot)
    bot.stack.clock.now += TTL + 1
    await bot.interact(click(bot, card, "registry_approve", CAROL))
    replies = await bot.slack.wait_for(
        lambda: len(bot.slack.responses.get(f"card-{CAROL}", [])) >= 2 and bot.slack.responses[f"card-{CAROL}"]
    )
    assert "expired" in texts(replies[0])
    assert "Expired: Delete registry sandbox" in texts(replies[1])
    assert bot.stack.registry_named("sandbox") is not None
    assert ("delete_registry", "expired") in outcomes(bot.stack)


async def test_a_change_since_the_preview_is_refused_and_both_are_told(bot: BotUnderTest) -> None:
    card = await request_delete(bot)
    sandbox = bot.stack.registry_named("sandbox")
    assert sandbox is not None
    await bot.stack.client.update_registry(
        sandbox.id, {"garbage_collection_schedule": {"days": ["Friday"], "time": "03:00"}}
    )
    await bot.interact(click(bot, card, "registry_approve", CAROL))
    [decided] = await bot.slack.wait_for(lambda: bot.slack.responses.get(f"card-{CAROL}"))
    assert "changed since the preview; nothing ran" in texts(decided)
    told = await bot.slack.wait_for(
        lambda: [c for c in bot.slack.api_calls("chat.postMessage") if c.params["channel"] == ALICE]
    )
    assert "changed since the preview" in told[0].params["text"]
    assert bot.stack.registry_named("sandbox") is not None
    assert [o for op, o in outcomes(bot.stack) if op == "delete_registry"][-1] == "stale"


async def test_double_clicks_on_two_replicas_run_it_once(stack: Stack, redis_url: str) -> None:
    replicas = [
        Core.build(stack.client, stack.audit, settings(), clock=stack.clock, store=RedisStore(redis_url))
        for _ in range(2)
    ]
    a, b = replicas
    op = CATALOGUE["delete_registry"]
    alice, carol, dave = (
        Caller(f"slack:{ALICE}", "slack"),
        Caller(f"slack:{CAROL}", "slack"),
        Caller("slack:UDAVE", "slack"),
    )
    plan = await a.confirmer.start(op, op.input.model_validate({"registry": "sandbox"}), alice)
    pending = await a.confirmer.execute(plan.claims, op, op.input.model_validate({"registry": "sandbox"}), caller=alice)  # type: ignore[union-attr]
    assert pending.status == "pending_approval"
    request_id = pending.result.id  # type: ignore[union-attr]
    deletes_before = stack.emulator.hooks.requests.get("DELETE", 0)
    results = await asyncio.gather(
        *(
            core.confirmer.approvals.decide(request_id, approve=True, approver=who, confirmer=core.confirmer, op=op)  # type: ignore[union-attr]
            for core, who in ((a, carol), (b, dave), (b, carol), (a, dave))
        ),
        return_exceptions=True,
    )
    done = [r for r in results if not isinstance(r, BaseException)]
    refused = [r for r in results if isinstance(r, ApprovalError)]
    assert len(done) == 1
    assert len(refused) == 3
    assert done[0].status == "executed"
    assert stack.emulator.hooks.requests.get("DELETE", 0) - deletes_before == 1, "one DELETE reached the API"
    for core in replicas:
        await core.store.aclose()


async def test_an_assistants_request_is_approved_in_slack(bot: BotUnderTest) -> None:
    """An AI assistant (MCP) asks for Alice; Carol approves in Slack; the assistant reads the outcome."""

    async def alice_types(ctx: Any, params: ElicitRequestParams) -> ElicitResult:
        return ElicitResult(action="accept", content={"name": "ml-models"})

    server = build_server(bot.stack.core, ServerOptions(actor="mcp:alice@example.com"))
    async with Client(server, elicitation_callback=alice_types) as assistant:  # type: ignore[arg-type]
        asked = await assistant.call_tool("delete_registry", {"registry": "ml-models"})
        assert asked.structured_content is not None
        assert asked.structured_content["status"] == "pending_approval"
        request_id = asked.structured_content["result"]["id"]
        assert asked.structured_content["result"]["channel"] == CHANNEL
        assert bot.stack.registry_named("ml-models") is not None
        # Any replica's courier posts it (here: once, by hand).
        await Courier(bot_deps(bot), AsyncWebClient(token="xoxb-test", base_url=bot.slack.api_url), CHANNEL).drain()
        [card] = await bot.slack.wait_for(lambda: cards(bot))
        assert "asked *through an AI assistant* (MCP), acting for them" in texts(card)
        await bot.interact(click(bot, card, "registry_approve", CAROL))
        await bot.slack.wait_for(lambda: bot.slack.responses.get(f"card-{CAROL}"))
        status = await assistant.call_tool("get_approval", {"request_id": request_id})
    assert status.structured_content is not None
    assert status.structured_content["status"] == "executed"
    assert bot.stack.registry_named("ml-models") is None
    requested = next(r for r in bot.stack.records if r.outcome is Outcome.REQUESTED)
    assert (requested.actor, requested.front) == ("mcp:alice@example.com", "mcp")


async def test_a_person_cannot_approve_what_their_assistant_asked(bot: BotUnderTest, stack: Stack) -> None:
    """Carol's assistant asks (OAuth: carol@example.com); Carol, the same person in Slack, may not approve."""
    bot.slack.emails[CAROL] = "carol@example.com"
    op = CATALOGUE["delete_registry"]
    carol_mcp = Caller("mcp:carol@example.com", "mcp", email="carol@example.com")
    inp = op.input.model_validate({"registry": "sandbox"})
    plan = await stack.confirmer.start(op, inp, carol_mcp)
    pending = await stack.confirmer.execute(plan.claims, op, inp, caller=carol_mcp)  # type: ignore[union-attr]
    await Courier(bot_deps(bot), AsyncWebClient(token="xoxb-test", base_url=bot.slack.api_url), CHANNEL).drain()
    [card] = await bot.slack.wait_for(lambda: cards(bot))
    await bot.interact(click(bot, card, "registry_approve", CAROL))
    [refused] = await bot.slack.wait_for(lambda: bot.slack.responses.get(f"card-{CAROL}"))
    assert "you asked for this change" in texts(refused)
    assert stack.registry_named("sandbox") is not None
    assert pending.status == "pending_approval"


def bot_deps(bot: BotUnderTest) -> Any:
    from bot.commands import BotDeps

    return BotDeps(bot.stack.core, bot.access, AUDIT)


def test_covered_resources_need_an_approval_channel() -> None:
    with pytest.raises(ValueError, match="REGISTRY_APPROVAL_CHANNEL must be set too"):
        SafetySettings(registry_approval_required="prod-*")


async def test_each_request_is_announced_once_even_when_a_courier_dies(stack: Stack) -> None:
    ticking = Clock()
    store = MemoryStore(clock=lambda: ticking.now)
    core = Core.build(stack.client, stack.audit, settings(), clock=stack.clock, store=store)
    approvals = core.confirmer.approvals
    assert approvals is not None
    op = CATALOGUE["delete_registry"]
    alice = Caller(f"slack:{ALICE}", "slack")
    inp = op.input.model_validate({"registry": "sandbox"})
    plan = await core.confirmer.start(op, inp, alice)
    await core.confirmer.execute(plan.claims, op, inp, caller=alice)  # type: ignore[union-attr]
    posted: list[str] = []
    stuck = asyncio.Event()

    async def dies(approval: Any) -> None:
        await stuck.wait()

    async def posts(approval: Any) -> None:
        posted.append(approval.id)

    dying = asyncio.ensure_future(approvals.announce(dies))
    await asyncio.sleep(0.05)
    dying.cancel()  # the replica dies while posting: its lease stays
    with pytest.raises(asyncio.CancelledError):
        await dying
    assert await approvals.announce(posts) == 0, "leased by the one that died"
    ticking.now += 61
    assert sorted(await asyncio.gather(approvals.announce(posts), approvals.announce(posts))) == [0, 1]
    assert await approvals.announce(posts) == 0
    assert len(posted) == 1

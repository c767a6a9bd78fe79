"""Four eyes: a confirmed change on a covered registry waits for a second writer, from either front.

Every person here comes through a real path: Slack people through signed requests to the bot
(their e-mail from ``users.info`` on the fake Web API), assistants' people through bearer tokens
checked by the real OAuth verifier. Frozen clocks decide expiry; the two-replica tests run two
bots with two cores on one real Redis.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from mcp import Client
from slack_sdk.web.async_client import AsyncWebClient

from bot import render
from bot.approvals import Courier
from tests.bot.conftest import (
    ALICE,
    BOB,
    CAROL,
    BotUnderTest,
    block_action,
    check_traffic,
    choose,
    raw_token,
    serving_bot,
    view_payload,
    writers,
)
from tests.bot.fakes import FakeSlack
from tests.conftest import Stack
from tests.helpers.clocks import Clock
from tests.helpers.identity import IdentityProvider, OAuthServer, mcp_with_oauth
from tests.helpers.text import text, texts
from tools.app import Core
from tools.audit import AuditLog, AuditRecord, Outcome
from tools.client import RegistryClient
from tools.config import SafetySettings
from tools.confirmation.approvals import OPEN
from tools.emulator.app import EmulatorApp
from tools.mcp_server import ServerOptions, build_server
from tools.state import MemoryStore, RedisStore

CHANNEL = "CAPPROVE"
TTL = 3600
DAVE = "UDAVE"  # a second writer through the user group


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


@pytest.fixture
async def assistant(bot: BotUnderTest, fresh_idp: IdentityProvider) -> AsyncIterator[OAuthServer]:
    """MCP over HTTP with OAuth on the bot's core: each call is the person its bearer token names."""
    bot.slack.emails.update({ALICE: "alice@example.com", CAROL: "carol@example.com", DAVE: "dave@example.com"})
    async with mcp_with_oauth(bot.stack.core, fresh_idp) as server:
        yield server


def alice_token(idp: IdentityProvider, **claims: Any) -> str:
    return idp.token("u-alice", **{"email": "alice@example.com", **claims})


def cards(slack: FakeSlack) -> list[dict[str, Any]]:
    out = []
    for call in slack.api_calls("chat.postMessage"):
        if call.params["channel"] == CHANNEL:
            params = dict(call.params)
            params["blocks"] = (
                json.loads(params["blocks"]) if isinstance(params.get("blocks"), str) else params["blocks"]
            )
            out.append(params)
    return out


def courier(bot: BotUnderTest) -> Courier:
    """What every registry-bot replica runs beside serving (``Courier.run`` does these steps each second)."""
    return Courier(bot.deps, AsyncWebClient(token="xoxb-test", base_url=bot.slack.api_url), CHANNEL)


async def request_delete(bot: BotUnderTest, name: str = "sandbox", rid: str = "req") -> dict[str, Any]:
    """Alice asks to delete ``name`` and confirms it; the card that lands in the approval channel."""
    preview = await bot.reply(f"delete {name}", rid=rid)
    await bot.interact(block_action(bot, preview, "registry_confirm", rid=rid))
    opened = await bot.slack.wait_for(lambda: bot.slack.api_calls("views.open"))
    raw = opened[-1].params["view"]
    await bot.interact(view_payload(json.loads(raw) if isinstance(raw, str) else raw, name))
    [card] = await bot.slack.wait_for(lambda: cards(bot.slack))
    await card_kept(bot)
    return dict(card)


async def card_kept(bot: BotUnderTest) -> None:
    """Wait until the replica that posted the card has recorded where it is (after Slack answered)."""
    approvals = bot.stack.core.confirmer.approvals
    for _ in range(1000):
        bodies = [(await approvals.load(i))[1] for i in await approvals.store.items(OPEN)]
        if bodies and all("card" in body for body in bodies):
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the card was never recorded")


async def assistant_asks(bot: BotUnderTest, assistant: OAuthServer, token: str, name: str = "ml-models") -> str:
    """An assistant deletes ``name`` for the token's person; a courier posts the request; its id."""
    asked = await assistant.confirmed(token, "delete_registry", {"registry": name})
    assert asked.structured_content is not None, text(asked)
    assert asked.structured_content["status"] == "pending_approval"
    await courier(bot).drain()
    return str(asked.structured_content["result"]["id"])


def click(bot: BotUnderTest, card: dict[str, Any], action: str, user: str) -> dict[str, Any]:
    payload = block_action(bot, card, action, user=user, rid=f"card-{user}")
    payload["container"] = {"type": "message", "message_ts": "9.9", "channel_id": CHANNEL}
    payload["channel"] = {"id": CHANNEL, "name": "approvals"}
    return payload


async def clicked(bot: BotUnderTest, card: dict[str, Any], action: str, user: str) -> dict[str, Any]:
    """``user`` presses ``action`` on the card; what they see next."""
    await bot.interact(click(bot, card, action, user))
    [answer] = await bot.slack.wait_for(lambda: bot.slack.responses.get(f"card-{user}"))
    return dict(answer)


def outcomes(records: list[AuditRecord], name: str = "sandbox") -> list[tuple[str, str]]:
    return [(r.operation, r.outcome.value) for r in records if r.registry_name == name]


def dms(slack: FakeSlack, user: str) -> list[str]:
    return [str(c.params.get("text")) for c in slack.api_calls("chat.postMessage") if c.params["channel"] == user]


# ---------------------------------------------------------------- Slack asks, Slack decides


async def test_a_covered_delete_waits_for_a_second_writer_and_runs_on_approval(bot: BotUnderTest) -> None:
    card = await request_delete(bot)
    said = texts(card)
    assert "Approval needed: Delete registry sandbox" in said
    assert f"<@{ALICE}> asked in Slack" in said
    mine = bot.slack.responses["req"][-1]
    assert "a second writer must approve this in <#CAPPROVE>" in texts(mine)
    assert "registry_approve" not in json.dumps(mine), "the requester's copy has no buttons"
    assert bot.stack.registry_named("sandbox") is not None, "nothing ran yet"

    decided = await clicked(bot, card, "registry_approve", CAROL)
    assert decided["replace_original"] is True
    assert f"Approved by slack:{CAROL}: Deleted registry sandbox" in texts(decided)
    assert "registry_approve" not in json.dumps(decided), "decided: no more buttons"
    assert bot.stack.registry_named("sandbox") is None
    told = await bot.slack.wait_for(lambda: dms(bot.slack, ALICE))
    assert "Approved by" in told[0]
    steps = [o for op, o in outcomes(bot.stack.records) if op == "delete_registry"]
    assert steps == ["requested", "approved", "executed"]
    [executed] = [r for r in bot.stack.records if r.outcome is Outcome.EXECUTED]
    assert executed.actor == f"slack:{ALICE}", "the change is the requester's"
    assert f"approved by slack:{CAROL}" in str(executed.detail), "and the record says who approved it"


async def test_the_requester_cannot_approve_their_own_change(bot: BotUnderTest) -> None:
    card = await request_delete(bot)
    refused = await clicked(bot, card, "registry_approve", ALICE)
    assert "you asked for this change, so someone else must approve it" in texts(refused)
    assert refused["replace_original"] is False
    assert bot.stack.registry_named("sandbox") is not None
    assert ("delete_registry", "denied") in outcomes(bot.stack.records)
    await clicked(bot, card, "registry_approve", CAROL)  # still pending for someone else
    assert bot.stack.registry_named("sandbox") is None


async def test_a_reader_cannot_approve(bot: BotUnderTest) -> None:
    card = await request_delete(bot)
    refused = await clicked(bot, card, "registry_approve", BOB)
    assert "may approve or reject changes" in texts(refused)
    assert bot.stack.registry_named("sandbox") is not None
    assert any(r.actor == f"slack:{BOB}" and r.outcome is Outcome.DENIED for r in bot.stack.records)


async def test_a_rejected_request_runs_nothing(bot: BotUnderTest) -> None:
    card = await request_delete(bot)
    decided = await clicked(bot, card, "registry_reject", CAROL)
    assert "Rejected: nothing ran" in texts(decided)
    assert bot.stack.registry_named("sandbox") is not None
    assert [o for op, o in outcomes(bot.stack.records) if op == "delete_registry"] == ["requested", "rejected"]


async def test_an_expired_request_runs_nothing_and_says_so_on_a_late_click(bot: BotUnderTest) -> None:
    card = await request_delete(bot)
    bot.stack.clock.now += TTL + 1
    await bot.interact(click(bot, card, "registry_approve", CAROL))
    replies = await bot.slack.wait_for(
        lambda: len(bot.slack.responses.get(f"card-{CAROL}", [])) >= 2 and bot.slack.responses[f"card-{CAROL}"]
    )
    assert "expired" in texts(replies[0])
    assert "Expired: Delete registry sandbox" in texts(replies[1])
    assert bot.stack.registry_named("sandbox") is not None
    assert ("delete_registry", "expired") in outcomes(bot.stack.records)


async def test_a_change_since_the_preview_is_refused_and_both_are_told(bot: BotUnderTest) -> None:
    card = await request_delete(bot)
    sandbox = bot.stack.registry_named("sandbox")
    assert sandbox is not None
    await bot.stack.client.update_registry(
        sandbox.id, {"garbage_collection_schedule": {"days": ["Friday"], "time": "03:00"}}
    )
    decided = await clicked(bot, card, "registry_approve", CAROL)
    assert "changed since the preview; nothing ran" in texts(decided)
    told = await bot.slack.wait_for(lambda: dms(bot.slack, ALICE))
    assert "changed since the preview" in told[0]
    assert bot.stack.registry_named("sandbox") is not None
    assert [o for op, o in outcomes(bot.stack.records) if op == "delete_registry"][-1] == "stale"


# ---------------------------------------------------------------- an assistant asks


async def test_an_assistants_request_is_approved_in_slack(bot: BotUnderTest, assistant: OAuthServer) -> None:
    """Alice's assistant asks (her OAuth token); Carol approves in Slack; the assistant reads the outcome,
    and Alice hears it in a DM (her e-mail is her Slack account)."""
    token = alice_token(assistant.idp)
    request_id = await assistant_asks(bot, assistant, token)
    assert bot.stack.registry_named("ml-models") is not None
    [card] = cards(bot.slack)
    assert "asked *through an AI assistant* (MCP), acting for them" in texts(card)
    assert "alice@example.com" in texts(card)
    await clicked(bot, card, "registry_approve", CAROL)
    status = await assistant.call(token, "get_approval", {"request_id": request_id})
    assert status.structured_content is not None
    assert status.structured_content["status"] == "executed"
    assert bot.stack.registry_named("ml-models") is None
    requested = next(r for r in bot.stack.records if r.outcome is Outcome.REQUESTED)
    assert (requested.actor, requested.front, requested.email) == ("mcp:alice@example.com", "mcp", "alice@example.com")
    told = await bot.slack.wait_for(lambda: dms(bot.slack, ALICE))
    assert "asked through your AI assistant" in told[0]


@pytest.mark.parametrize("as_issued", ["alice@example.com", "Alice@Example.COM "])
async def test_a_person_cannot_approve_what_their_assistant_asked(
    bot: BotUnderTest, assistant: OAuthServer, as_issued: str
) -> None:
    """Alice's assistant asks; Alice's own Slack account (the same e-mail, in any case) is refused."""
    await assistant_asks(bot, assistant, alice_token(assistant.idp, email=as_issued))
    [card] = cards(bot.slack)
    refused = await clicked(bot, card, "registry_approve", ALICE)
    assert "you asked for this change" in texts(refused)
    assert bot.stack.registry_named("ml-models") is not None
    denied = [r for r in bot.stack.records if r.outcome is Outcome.DENIED]
    assert [(r.actor, r.email) for r in denied] == [(f"slack:{ALICE}", "alice@example.com")]
    await clicked(bot, card, "registry_approve", CAROL)
    assert bot.stack.registry_named("ml-models") is None, "someone else still may"


async def test_an_approver_whose_email_cannot_be_read_is_refused(bot: BotUnderTest, assistant: OAuthServer) -> None:
    """No unknown reads as 'someone else': Carol's profile hides her e-mail, so she may be Alice."""
    del bot.slack.emails[CAROL]
    await assistant_asks(bot, assistant, alice_token(assistant.idp))
    [card] = cards(bot.slack)
    refused = await clicked(bot, card, "registry_approve", CAROL)
    assert "your e-mail address could not be read" in texts(refused)
    assert "users:read.email" in texts(refused)
    assert bot.stack.registry_named("ml-models") is not None
    assert any(r.outcome is Outcome.DENIED and "approver not identifiable" in str(r.detail) for r in bot.stack.records)


@pytest.mark.parametrize("claims", [{"email": None}, {"email_verified": False}], ids=["no e-mail", "unverified"])
async def test_an_assistant_that_cannot_say_who_its_person_is_is_refused_before_anything_is_asked(
    bot: BotUnderTest, assistant: OAuthServer, claims: dict[str, Any]
) -> None:
    refused = await assistant.call(alice_token(assistant.idp, **claims), "delete_registry", {"registry": "ml-models"})
    assert refused.is_error
    assert "does not say who you are" in text(refused)
    assert "OAuth" in text(refused)
    assert refused.structured_content is None, "no preview, no confirmation token"
    await courier(bot).drain()
    assert cards(bot.slack) == []
    assert bot.stack.registry_named("ml-models") is not None
    assert ("delete_registry", "denied") in outcomes(bot.stack.records, "ml-models")


async def test_an_assistant_without_oauth_is_refused_on_covered_registries(bot: BotUnderTest) -> None:
    """The shared MCP actor (stdio, or HTTP without OAuth) could be anyone in Slack."""
    server = build_server(bot.stack.core, ServerOptions(actor="mcp:stdio"))
    async with Client(server) as anonymous:
        refused = await anonymous.call_tool("delete_registry", {"registry": "ml-models"})
        allowed = await anonymous.call_tool("delete_registry", {"registry": "analytics"})
    assert refused.is_error
    assert "does not say who you are" in text(refused)
    assert not allowed.is_error, "registries without four eyes are unaffected"
    assert allowed.structured_content is not None
    assert allowed.structured_content["status"] == "confirmation_required"


# ---------------------------------------------------------------- expiry at the TTL


async def test_a_request_nobody_decides_expires_at_its_time(bot: BotUnderTest) -> None:
    await request_delete(bot)
    [posted] = [c for c in bot.slack.api_calls("chat.postMessage") if c.params["channel"] == CHANNEL]
    assert await courier(bot).settle() == 0, "not due yet"
    bot.stack.clock.now += TTL + 1
    assert await courier(bot).settle() == 1
    [update] = bot.slack.api_calls("chat.update")
    assert (update.params["channel"], update.params["ts"]) == (CHANNEL, posted.answer["ts"]), "the card itself"
    blocks = update.params["blocks"]
    assert "Expired: Delete registry sandbox" in texts(
        {**update.params, "blocks": json.loads(blocks) if isinstance(blocks, str) else blocks}
    )
    assert "registry_approve" not in json.dumps(update.params), "no buttons once expired"
    assert any("Nobody approved it in time" in dm for dm in dms(bot.slack, ALICE))
    assert await courier(bot).settle() == 0, "told once"
    assert [o for op, o in outcomes(bot.stack.records) if op == "delete_registry"] == ["requested", "expired"]
    assert bot.stack.registry_named("sandbox") is not None


async def test_an_assistants_expired_request_reads_expired_and_its_person_is_told(
    bot: BotUnderTest, assistant: OAuthServer
) -> None:
    token = alice_token(assistant.idp)
    request_id = await assistant_asks(bot, assistant, token)
    bot.stack.clock.now += TTL + 1
    assert await courier(bot).settle() == 1
    status = await assistant.call(token, "get_approval", {"request_id": request_id})
    assert status.structured_content is not None
    assert status.structured_content["status"] == "expired"
    assert any("asked through your AI assistant" in dm and "in time" in dm for dm in dms(bot.slack, ALICE))


# ---------------------------------------------------------------- replicas


@dataclass
class Replicas:
    a: BotUnderTest
    b: BotUnderTest


@pytest.fixture
async def replicas(stack: Stack, redis_url: str) -> AsyncIterator[Replicas]:
    """Two bots, two cores, one real Redis, one Slack workspace."""
    fake = await FakeSlack().start()
    fake.group_members["SWRITERS"] = [CAROL, DAVE]
    cores = [
        Core.build(stack.client, stack.audit, settings(), clock=stack.clock, store=RedisStore(redis_url))
        for _ in range(2)
    ]
    stacks = [Stack(stack.emulator, stack.client, stack.audit, core, stack.clock) for core in cores]
    try:
        async with serving_bot(stacks[0], fake, writers()) as a, serving_bot(stacks[1], fake, writers()) as b:
            yield Replicas(a, b)
    finally:
        for core in cores:
            await core.store.aclose()
        await fake.stop()
    check_traffic(fake)


async def test_double_clicks_on_two_replicas_run_it_once(replicas: Replicas) -> None:
    a, b = replicas.a, replicas.b
    card = await request_delete(a)
    deletes_before = a.stack.emulator.hooks.requests.get("DELETE", 0)
    await asyncio.gather(
        *(
            replica.interact(click(replica, card, "registry_approve", who))
            for replica, who in ((a, CAROL), (b, DAVE), (b, CAROL), (a, DAVE))
        )
    )
    answers = await a.slack.wait_for(
        lambda: (
            len(a.slack.responses.get(f"card-{CAROL}", [])) >= 2
            and len(a.slack.responses.get(f"card-{DAVE}", [])) >= 2
            and a.slack.responses[f"card-{CAROL}"] + a.slack.responses[f"card-{DAVE}"]
        )
    )
    refusals = [texts(r) for r in answers if r.get("replace_original") is False]
    assert len(refusals) == 3, refusals
    assert all("already" in said for said in refusals), refusals
    steps = [r.outcome for r in a.stack.records if r.registry_name == "sandbox"]
    assert (steps.count(Outcome.APPROVED), steps.count(Outcome.EXECUTED)) == (1, 1)
    assert a.stack.emulator.hooks.requests.get("DELETE", 0) - deletes_before == 1, "one DELETE reached the API"
    assert a.stack.registry_named("sandbox") is None


async def test_expiry_is_told_once_across_replicas(replicas: Replicas) -> None:
    a, b = replicas.a, replicas.b
    await request_delete(a)
    a.stack.clock.now += TTL + 1
    told = await asyncio.gather(courier(a).settle(), courier(b).settle(), courier(a).settle())
    assert sorted(told) == [0, 0, 1]
    assert len(a.slack.api_calls("chat.update")) == 1
    assert sum("in time" in dm for dm in dms(a.slack, ALICE)) == 1
    assert [r.outcome for r in a.stack.records if r.registry_name == "sandbox"].count(Outcome.EXPIRED) == 1


async def test_each_request_is_announced_once_even_when_a_courier_dies(
    bot: BotUnderTest, assistant: OAuthServer
) -> None:
    ticking = Clock()
    store = MemoryStore(clock=lambda: ticking.now)
    core = Core.build(bot.stack.client, bot.stack.audit, settings(), clock=bot.stack.clock, store=store)
    async with mcp_with_oauth(core, assistant.idp) as on_this_store:
        asked = await on_this_store.confirmed(alice_token(assistant.idp), "delete_registry", {"registry": "sandbox"})
    assert asked.structured_content is not None
    assert asked.structured_content["status"] == "pending_approval"
    approvals = core.confirmer.approvals
    assert approvals is not None
    posted: list[str] = []
    stuck, entered = asyncio.Event(), asyncio.Event()

    async def dies(approval: Any) -> None:
        entered.set()
        await stuck.wait()

    async def posts(approval: Any) -> None:
        posted.append(approval.id)

    dying = asyncio.ensure_future(approvals.announce(dies))
    await entered.wait()
    dying.cancel()  # the replica dies while posting: its lease stays
    with pytest.raises(asyncio.CancelledError):
        await dying
    assert await approvals.announce(posts) == 0, "leased by the one that died"
    ticking.now += 61
    assert sorted(await asyncio.gather(approvals.announce(posts), approvals.announce(posts))) == [0, 1]
    assert await approvals.announce(posts) == 0
    assert len(posted) == 1


def test_covered_resources_need_an_approval_channel() -> None:
    with pytest.raises(ValueError, match="REGISTRY_APPROVAL_CHANNEL must be set too"):
        SafetySettings(registry_approval_required="prod-*")


async def test_revoke_from_a_digest_on_a_covered_registry_waits_for_a_second_writer(bot: BotUnderTest) -> None:
    found = await bot.stack.core.watch.look(bot.stack.core.now())
    token = next(f.subject for f in found.findings if f.kind == "token" and f.registry == "sandbox")
    sandbox = found.routed((("sandbox", "CSANDBOX"),), None)["CSANDBOX"]  # its own routed digest
    message = {"ts": "1764900000.000300", **render.watch_report(sandbox.report(), "Registry watch")}
    await bot.interact(choose(bot, message, "Revoke…", f"sandbox {token}", rid="revoke"))
    [preview] = await bot.slack.wait_for(lambda: bot.slack.responses.get("revoke"))
    await bot.interact(block_action(bot, preview, "registry_confirm", rid="revoke"))
    opened = await bot.slack.wait_for(lambda: bot.slack.api_calls("views.open"))
    raw = opened[-1].params["view"]
    await bot.interact(view_payload(json.loads(raw) if isinstance(raw, str) else raw, token))
    [card] = await bot.slack.wait_for(lambda: cards(bot.slack))
    await card_kept(bot)
    assert f"Approval needed: Delete token {token}" in texts(card)
    assert await raw_token(bot.stack, "sandbox", token) is not None, "the person's own yes ran nothing"
    await clicked(bot, card, "registry_approve", CAROL)
    assert await raw_token(bot.stack, "sandbox", token) is None

"""The registry watch: findings, the digest (one per interval across replicas, nothing repeated, nothing
lost when a replica dies mid-run), `/registry watch`, the MCP tool, and never a secret."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from mcp import Client
from slack_sdk.web.async_client import AsyncWebClient

from bot.watch import Digests
from tests.bot.conftest import BotUnderTest
from tests.bot.fakes import FakeSlack
from tests.conftest import Stack
from tests.helpers.clocks import Clock
from tests.helpers.raw import requests_answered
from tests.helpers.text import texts
from tools.app import Core
from tools.audit import AuditLog
from tools.config import SafetySettings
from tools.mcp_server import ServerOptions, build_server
from tools.state import MemoryStore, RedisStore, StateStore
from tools.values import routes_of

INTERVAL = 3600.0
CHANNEL = "CWATCH"


@dataclass
class Replica:
    core: Core
    digests: Digests


@pytest.fixture
async def fake_slack() -> AsyncIterator[FakeSlack]:
    fake = await FakeSlack().start()
    yield fake
    await fake.stop()


def replica(
    stack: Stack,
    store: StateStore,
    slack: FakeSlack,
    clock: Clock,
    lease: float = 300.0,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    routes: tuple[tuple[str, str], ...] = (),
) -> Replica:
    """One replica: its own core on the shared emulator and store, posting to the fake Slack."""
    core = Core.build(
        stack.client, AuditLog(), SafetySettings(registry_confirm_secret="k" * 32), clock=clock, store=store
    )
    web = AsyncWebClient(token="xoxb-watch", base_url=slack.api_url)
    digests = Digests(core, web, CHANNEL, INTERVAL, clock=clock, lease=lease, sleep=sleep, routes=routes)
    return Replica(core, digests)


def digests_posted(slack: FakeSlack) -> list[dict[str, Any]]:
    out = []
    for call in slack.api_calls("chat.postMessage"):
        params = dict(call.params)
        if isinstance(params.get("blocks"), str):
            params["blocks"] = json.loads(params["blocks"])
        out.append(params)
    return out


async def test_two_replicas_post_exactly_one_digest_per_interval_and_repeat_nothing(
    stack: Stack, redis_url: str, fake_slack: FakeSlack
) -> None:
    a, b = (replica(stack, RedisStore(redis_url), fake_slack, stack.clock) for _ in range(2))
    ran = await asyncio.gather(a.digests.tick(), b.digests.tick(), a.digests.tick(), b.digests.tick())
    assert sorted(ran) == [False, False, False, True], "one replica ran this slot's digest"
    [first] = digests_posted(fake_slack)
    assert first["channel"] == CHANNEL
    said = texts(first).lower()
    assert "critical vulnerabilities with a fix" in said
    assert "tokens expiring within 14 days" in said

    stack.clock.now += INTERVAL  # the next slot: nothing changed, nothing posted
    assert sorted(await asyncio.gather(a.digests.tick(), b.digests.tick())) == [False, True]
    assert len(digests_posted(fake_slack)) == 1

    # Something new: a token expiring in three days. The next digest says that, and only that.
    now = stack.emulator.backend.clock()
    sandbox = stack.registry_named("sandbox")
    assert sandbox is not None
    await stack.client.tokens.create(
        sandbox.id,
        {
            "name": "fresh-one",
            "expiry_date": (now + timedelta(days=3)).isoformat(),
            "scopes": [{"name": "team/*", "actions": ["pull"]}],
        },
    )
    stack.clock.now += INTERVAL
    await asyncio.gather(a.digests.tick(), b.digests.tick())
    [_, second] = digests_posted(fake_slack)
    assert "token fresh-one of sandbox expires" in texts(second)
    assert "vulnerabilities" not in texts(second).lower(), "nothing already said is repeated"
    for r in (a, b):
        await r.core.store.aclose()


async def test_a_replica_dying_mid_digest_loses_nothing(stack: Stack, fake_slack: FakeSlack) -> None:
    ticking = Clock()
    store = MemoryStore(clock=lambda: ticking.now)  # the lease expires on this clock
    dying = replica(stack, store, fake_slack, stack.clock, lease=300)
    survivor = replica(stack, store, fake_slack, stack.clock, lease=300)
    stuck, posting = asyncio.Event(), asyncio.Event()

    async def hang(**_: Any) -> None:
        posting.set()
        await stuck.wait()

    dying.digests.slack.chat_postMessage = hang  # type: ignore[method-assign,assignment]
    run = asyncio.ensure_future(dying.digests.tick())
    await posting.wait()
    run.cancel()  # the replica dies mid-run: no done mark, its lease still held
    with pytest.raises(asyncio.CancelledError):
        await run
    assert await survivor.digests.tick() is False, "the lease is still held"
    ticking.now += 301
    assert await survivor.digests.tick() is True, "taken over once the lease expired"
    assert len(digests_posted(fake_slack)) == 1


async def test_a_replica_slower_than_its_lease_keeps_its_slot(stack: Stack, fake_slack: FakeSlack) -> None:
    """A big estate can take longer than the 5-minute lease: the live replica renews it, so no other
    replica starts the same digest meanwhile (and posts it twice)."""
    ticking = Clock()
    store = MemoryStore(clock=lambda: ticking.now)
    asleep, wake = asyncio.Event(), asyncio.Queue[None]()

    async def keeper_sleep(seconds: float) -> None:  # the test decides when a renewal is due
        asleep.set()
        await wake.get()

    slow = replica(stack, store, fake_slack, stack.clock, lease=300, sleep=keeper_sleep)
    other = replica(stack, store, fake_slack, stack.clock, lease=300)
    posting, finish = asyncio.Event(), asyncio.Event()
    post = slow.digests.slack.chat_postMessage

    async def slow_post(**kw: Any) -> Any:
        posting.set()
        await finish.wait()
        return await post(**kw)

    slow.digests.slack.chat_postMessage = slow_post  # type: ignore[method-assign]
    run = asyncio.ensure_future(slow.digests.tick())
    await posting.wait()
    for _ in range(3):  # 600 s in all, twice the lease, renewed every 200 s
        await asleep.wait()
        asleep.clear()
        ticking.now += 200
        wake.put_nowait(None)
        await asleep.wait()  # renewed, asleep again
        assert await other.digests.tick() is False, "still held by the live replica"
    finish.set()
    assert await run is True
    assert len(digests_posted(fake_slack)) == 1


async def test_a_digest_never_carries_a_secret(stack: Stack, fake_slack: FakeSlack) -> None:
    now = stack.emulator.backend.clock()
    sandbox = stack.registry_named("sandbox")
    assert sandbox is not None
    created = await stack.client.tokens.create(
        sandbox.id,
        {
            "name": "leaky",
            "expiry_date": (now + timedelta(days=1)).isoformat(),
            "scopes": [{"name": "team/*", "actions": ["pull"]}],
        },
    )
    assert created.password is not None
    one = replica(stack, MemoryStore(), fake_slack, stack.clock)
    assert await one.digests.tick()
    everything = (await one.core.watch.look(one.core.now())).report()
    assert "token leaky of sandbox expires" in "\n".join(everything.lines())
    posted = json.dumps(digests_posted(fake_slack)) + everything.model_dump_json()
    for secret in stack.emulator.content.issued_passwords:
        assert secret not in posted


async def test_slash_watch_answers_now_for_the_person_asking(bot: BotUnderTest) -> None:
    reply = await bot.reply("watch --days 30")
    said = texts(reply)
    assert "Registry watch" in said
    assert "tokens expiring within 30 days" in said.lower()
    assert ":new:" in said, "nothing was digested yet: everything is new"
    assert "Next page" in said, "the rest is a button away"
    assert bot.slack.api_calls("chat.postMessage") == [], "looking now posts nothing anywhere"


async def test_the_mcp_tool_returns_the_findings_as_data(stack: Stack) -> None:
    async with Client(build_server(stack.core, ServerOptions(actor="mcp:test"))) as client:
        result = await client.call_tool("watch_registries", {"token_days": 7, "limit": 1000})
    assert not result.is_error
    data = result.structured_content
    assert data is not None
    kinds = {f["kind"] for f in data["findings"]}
    assert {"token", "vulnerability"} <= kinds
    token = next(f for f in data["findings"] if f["kind"] == "token")
    assert set(token) == {"kind", "rank", "registry", "protected", "subject", "detail", "due", "new"}
    assert data["token_days"] == 7
    assert all(f["new"] for f in data["findings"])


async def test_looks_asked_at_once_share_one_pass_and_a_next_page_continues_its_look(stack: Stack) -> None:
    """A look reads every image of every registry: two asked at the same moment read them once, and
    the next page of a report is cut from the look its first page came from."""
    async with Client(build_server(stack.core, ServerOptions(actor="mcp:test"))) as client:
        before = await requests_answered(stack.emulator)
        one = await client.call_tool("watch_registries", {"limit": 1000})
        alone = await requests_answered(stack.emulator) - before
        before = await requests_answered(stack.emulator)
        pair = await asyncio.gather(*(client.call_tool("watch_registries", {"limit": 1000}) for _ in range(2)))
        together = await requests_answered(stack.emulator) - before
        first = await client.call_tool("watch_registries", {"limit": 2})
        before = await requests_answered(stack.emulator)
        assert first.structured_content is not None
        cursor = first.structured_content["next_cursor"]
        second = await client.call_tool("watch_registries", {"limit": 2, "cursor": cursor})
        paged = await requests_answered(stack.emulator) - before
    assert together == alone
    assert pair[0].structured_content == pair[1].structured_content
    assert one.structured_content is not None
    everything = one.structured_content["findings"]
    assert second.structured_content is not None
    assert paged == 0
    assert second.structured_content["checked_at"] == first.structured_content["checked_at"]
    pages = first.structured_content["findings"] + second.structured_content["findings"]
    assert [(f["kind"], f["registry"], f["subject"]) for f in pages] == [
        (f["kind"], f["registry"], f["subject"]) for f in everything[:4]
    ]


async def test_only_new_after_a_digest_is_empty_until_something_changes(stack: Stack, fake_slack: FakeSlack) -> None:
    one = replica(stack, stack.core.store, fake_slack, stack.clock)
    assert await one.digests.tick()
    async with Client(build_server(stack.core, ServerOptions(actor="mcp:test"))) as client:
        result = await client.call_tool("watch_registries", {"only_new": True})
    assert result.structured_content is not None
    assert result.structured_content["findings"] == []
    said = "\n".join(getattr(c, "text", "") for c in result.content)
    assert "Nothing to worry about" not in said, "never an all-clear while findings stand"
    assert "Nothing new since the digest at 2026-11-26 12:00 UTC" in said
    assert f"{result.structured_content['standing']} findings still stand" in said


async def test_routes_send_each_registrys_findings_to_its_channel_once_across_two_replicas(
    stack: Stack, redis_url: str, fake_slack: FakeSlack
) -> None:
    routes = routes_of("prod-*=C0PROD,sand*=C0SANDBOX")
    a, b = (replica(stack, RedisStore(redis_url), fake_slack, stack.clock, routes=routes) for _ in range(2))
    ran = await asyncio.gather(a.digests.tick(), b.digests.tick(), a.digests.tick(), b.digests.tick())
    assert sorted(ran) == [False, False, False, True]
    posted = digests_posted(fake_slack)
    by_channel = {p["channel"]: texts(p) for p in posted}
    assert len(posted) == len(by_channel), "one digest per channel"
    assert set(by_channel) == {"C0PROD", "C0SANDBOX", CHANNEL}

    # Each channel names only registries routed to it, and every channel with findings got its digest.
    def home(registry: str) -> str:
        return "C0PROD" if registry.startswith("prod-") else "C0SANDBOX" if registry.startswith("sand") else CHANNEL

    every = {f.registry for f in (await a.core.watch.look(a.core.now())).findings}
    assert {home(r) for r in every} == set(by_channel)
    for channel, text in by_channel.items():
        named = {r for r in every if re.search(rf"\b{re.escape(r)}\b", text)}
        assert named, channel
        assert {home(r) for r in named} == {channel}, (channel, named)

    stack.clock.now += INTERVAL  # the next slot: nothing new anywhere, nothing posted anywhere
    await asyncio.gather(a.digests.tick(), b.digests.tick())
    assert len(digests_posted(fake_slack)) == len(posted)
    for r in (a, b):
        await r.core.store.aclose()


@pytest.mark.parametrize("bad", ["prod-*", "prod-*=", "=C0PROD", "prod-*=#ops", "prod-*=c0prod"])
def test_a_bad_route_is_refused_naming_the_rule(bad: str) -> None:
    with pytest.raises(ValueError, match="NAME-GLOB=CHANNEL-ID"):
        routes_of(bad)

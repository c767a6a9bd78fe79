"""Rate limits per person and front: a burst is refused beyond the limit with when to retry, another
person is answered meanwhile, replicas sharing a store enforce one limit, a refused change is audited."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from mcp import Client
from mcp.types import ResourceTemplateReference

from tests.bot.conftest import ALICE, BOB, serving_bot, writers
from tests.bot.fakes import FakeSlack
from tests.conftest import Stack, caller
from tests.helpers.clocks import Clock
from tests.helpers.text import text
from tools import metrics
from tools.app import Core
from tools.audit import AuditLog
from tools.client import RegistryClient
from tools.config import SafetySettings
from tools.errors import TooManyCallsError
from tools.mcp_server import ServerOptions, build_server
from tools.operations import CATALOGUE, UpdateInput
from tools.startup import StartupError, load
from tools.state import open_store


def limited(stack: Stack, tmp_path: Path, *, store_url: str | None = None, **limits: str) -> Core:
    safety = SafetySettings(registry_confirm_secret="k" * 32, **limits)
    return Core.build(
        stack.client, AuditLog(tmp_path / "audit.jsonl"), safety, clock=Clock(), store=open_store(store_url)
    )


async def test_a_burst_of_200_is_refused_beyond_the_limit_each_saying_when_to_retry(
    stack: Stack, tmp_path: Path
) -> None:
    core = limited(stack, tmp_path, registry_rate_limit="50/minute")
    async with Client(build_server(core, ServerOptions(actor="mcp:test"))) as client:
        results = [await client.call_tool("get_registry", {"registry": "prod-images"}) for _ in range(200)]
    answered = [r for r in results if not r.is_error]
    refused = [r for r in results if r.is_error]
    assert len(answered) == 50
    assert len(refused) == 150
    for result in refused:
        said = text(result)
        assert "rate limited: try again in " in said
        assert "Next: Try again in " in said
        assert "REGISTRY_RATE_LIMIT=50/minute" in said


async def test_another_person_is_answered_during_one_person_s_burst(stack: Stack, tmp_path: Path) -> None:
    core = limited(stack, tmp_path, registry_rate_limit="20/minute")
    limited_stack = Stack(stack.emulator, stack.client, core.audit, core, stack.clock)
    fake = await FakeSlack().start()
    try:
        async with serving_bot(limited_stack, fake, writers()) as bot:
            burst = [bot.reply("list", user=ALICE, rid=f"alice-{n}") for n in range(40)]
            answers = await asyncio.gather(*burst, bot.reply("get prod-images", user=BOB, rid="bob"))
    finally:
        await fake.stop()
    *alice, bob = answers
    assert "prod-images" in str(bob)
    assert "rate limited" not in str(bob)
    refused = [a for a in alice if "rate limited: try again in" in str(a)]
    assert len(refused) == 20
    assert all(a["response_type"] == "ephemeral" for a in refused)


async def test_completions_count_against_the_person_s_read_limit(stack: Stack, tmp_path: Path) -> None:
    """An assistant's client completes as the person types: each completion reads the API, so a burst
    of them is bounded like a burst of reads, and shares one window with the person's tool calls."""
    core = limited(stack, tmp_path, registry_rate_limit="5/minute")
    ref = ResourceTemplateReference(type="ref/resource", uri="ionos-cr://registries/{registry}")
    async with Client(build_server(core, ServerOptions(actor="mcp:test"))) as client:
        offered = [(await client.complete(ref, {"name": "registry", "value": "pro"})).completion for _ in range(8)]
        refused = await client.call_tool("get_registry", {"registry": "prod-images"})
    assert all("prod-images" in c.values for c in offered[:5])
    assert all(c.values == [] for c in offered[5:])
    assert refused.is_error
    assert "REGISTRY_RATE_LIMIT=5/minute" in text(refused)


@pytest.fixture
async def replicas(stack: Stack, tmp_path: Path, redis_url: str) -> AsyncIterator[tuple[Core, Core]]:
    a = limited(stack, tmp_path / "a", store_url=redis_url, registry_rate_limit="10/minute")
    b = limited(stack, tmp_path / "b", store_url=redis_url, registry_rate_limit="10/minute")
    yield a, b
    await a.store.aclose()
    await b.store.aclose()


async def test_two_replicas_sharing_a_store_enforce_one_limit(replicas: tuple[Core, Core]) -> None:
    a, b = replicas
    op, person = CATALOGUE["list_locations"], caller("mcp:http:ana@example.com")
    inp = op.input()
    for n in range(10):
        await op.call(a if n % 2 else b, inp, person)
    with pytest.raises(TooManyCallsError):
        await op.call(a, inp, person)
    with pytest.raises(TooManyCallsError):
        await op.call(b, inp, person)
    await op.call(b, inp, caller("mcp:http:ben@example.com"))  # someone else: their own window


async def test_a_refused_change_is_audited_denied_and_counted(stack: Stack, tmp_path: Path) -> None:
    metrics.enable()
    before = refusals("slack", "write")
    core = limited(stack, tmp_path, registry_write_rate_limit="2/minute")
    records: list[str] = []
    core.audit.listeners.append(lambda r: records.append(f"{r.outcome.value}: {r.detail}"))
    person = caller("slack:U-ANA", "slack")
    update = CATALOGUE["update_registry"]
    for _ in range(2):
        await core.confirmer.run(update, UpdateInput(registry="sandbox", gc_days=["Mon"], gc_time="02:00"), person)
    with pytest.raises(TooManyCallsError, match="rate limited"):
        await core.confirmer.run(update, UpdateInput(registry="sandbox", gc_days=["Tue"], gc_time="03:00"), person)
    assert "denied: rate limited (REGISTRY_WRITE_RATE_LIMIT=2/minute)" in records
    assert refusals("slack", "write") == before + 1


def refusals(front: str, kind: str) -> float:
    wanted = f'registry_rate_limited_total{{front="{front}",kind="{kind}"}} '
    lines = [line for line in metrics.exposition()[0].decode().splitlines() if line.startswith(wanted)]
    return float(lines[0].rsplit(" ", 1)[1]) if lines else 0.0


@pytest.mark.parametrize("value", ["lots", "10/fortnight", "-1/minute", "1.5/second"])
def test_a_bad_limit_is_one_line_naming_the_variable(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("REGISTRY_RATE_LIMIT", value)
    with pytest.raises(StartupError) as refused:
        load("registry-bot", SafetySettings)
    assert refused.value.code == 2
    said = refused.value.message
    assert "REGISTRY_RATE_LIMIT must be N/second, N/minute or N/hour" in said
    assert repr(value) in said


async def test_defaults_leave_a_normal_assistant_session_untouched(stack: Stack) -> None:
    """The stack runs on the default limits: a session of 100 reads in a minute is all answered."""
    assert (stack.core.confirmer.limiter.reads.count, stack.core.confirmer.limiter.writes.count) == (120, 20)
    client: RegistryClient = stack.client
    assert client is stack.core.client
    async with Client(build_server(stack.core, ServerOptions(actor="mcp:test"))) as mcp:
        for _ in range(100):
            assert not (await mcp.call_tool("list_locations", {})).is_error

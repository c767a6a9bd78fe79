"""MCP tools that follow a registry while it provisions or deletes: wait, progress, the bound, cancel."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from mcp import Client
from mcp.types import CallToolResult, ElicitRequestParams, ElicitResult

from tests.conftest import api_settings
from tests.helpers.clocks import FakeClock, VirtualTime
from tests.helpers.text import text
from tests.helpers.waiting import eventually
from tools.app import Core
from tools.audit import AuditLog
from tools.client import RegistryClient
from tools.config import SafetySettings
from tools.emulator.app import EmulatorApp, build_app
from tools.emulator.backend import Backend
from tools.follow import Followers
from tools.mcp_server import ServerOptions, build_server

PROVISION = 120.0


@dataclass
class Changing:
    """A core on an emulator where registries take two minutes to provision and to delete."""

    app: EmulatorApp
    core: Core
    time: VirtualTime

    def registry_id(self, name: str) -> str:
        return next(r.id for r in self.app.backend._by_id.values() if r.name == name)


@pytest.fixture
async def changing(clock: FakeClock) -> AsyncIterator[Changing]:
    app = build_app(Backend(seed=12, clock=clock, provision_seconds=PROVISION))
    vt = VirtualTime(clock)
    async with RegistryClient(api_settings("http://emulator"), transport=httpx.ASGITransport(app=app)) as client:
        followers = Followers(client, clock=vt.clock, sleep=vt.sleep)
        safety = SafetySettings(registry_confirm_secret="k" * 32, registry_wait_timeout=600)
        yield Changing(app, Core.build(client, AuditLog(), safety, followers=followers), vt)


async def follow_call(
    changing: Changing, tool: str, args: dict[str, Any], person: Any = None
) -> tuple[CallToolResult, list[tuple[float, float | None, str | None]]]:
    heard: list[tuple[float, float | None, str | None]] = []

    async def progress(progress: float, total: float | None, message: str | None) -> None:
        heard.append((progress, total, message))

    server = build_server(changing.core, ServerOptions(actor="mcp:test"))
    async with Client(server, elicitation_callback=person) as client:
        result = await client.call_tool(tool, args, progress_callback=progress)
    return result, heard


async def test_without_wait_the_answer_comes_at_once_with_how_to_wait(changing: Changing) -> None:
    result, heard = await follow_call(changing, "create_registry", {"name": "team-blue", "location": "de/fra"})
    assert not result.is_error
    assert result.structured_content is not None
    assert result.structured_content["registry"]["state"] == "New"
    assert "call get_registry wait=true" in text(result)
    assert heard == []
    assert changing.time.slept == [], "nothing was polled"


async def test_create_with_wait_reports_progress_and_answers_running(changing: Changing) -> None:
    args = {"name": "team-blue", "location": "de/fra", "wait": True}
    result, heard = await follow_call(changing, "create_registry", args)
    assert not result.is_error, text(result)
    assert result.structured_content is not None
    registry = result.structured_content["registry"]
    assert (registry["state"], registry["hostname"]) == ("Running", "team-blue.cr.de-fra.ionos.com")
    assert "team-blue is Running at team-blue.cr.de-fra.ionos.com after 2 min" in text(result)
    assert len(heard) >= 3
    values = [v for v, _, _ in heard]
    assert values == sorted(values)
    assert len(set(values)) == len(values), "progress only ever increases"
    assert {total for _, total, _ in heard} == {600.0}
    assert all(re.fullmatch(r"team-blue: New after [\d a-z]+ s", str(m)) for _, _, m in heard), heard


async def test_at_the_bound_it_says_still_provisioning_not_an_error(changing: Changing) -> None:
    await follow_call(changing, "create_registry", {"name": "slow-one", "location": "de/fra"})
    result, _ = await follow_call(changing, "get_registry", {"registry": "slow-one", "wait": True, "wait_timeout": 10})
    assert not result.is_error
    assert result.structured_content is not None
    assert result.structured_content["state"] == "New"
    said = text(result)
    assert "slow-one is still provisioning (New) after" in said
    assert "that is not an error" in said
    assert "call get_registry with wait=true again" in said


async def test_get_on_a_running_registry_does_not_wait(changing: Changing) -> None:
    result, heard = await follow_call(changing, "get_registry", {"registry": "prod-images", "wait": True})
    assert not result.is_error
    assert heard == []
    assert changing.time.slept == []
    assert "wait=true" not in text(result)


async def test_a_confirmed_delete_with_wait_answers_when_gone(changing: Changing) -> None:
    async def person(ctx: Any, params: ElicitRequestParams) -> ElicitResult:
        return ElicitResult(action="accept", content={"name": "sandbox"})

    rid = changing.registry_id("sandbox")
    result, heard = await follow_call(changing, "delete_registry", {"registry": "sandbox", "wait": True}, person)
    assert not result.is_error, text(result)
    assert result.structured_content is not None
    assert result.structured_content["status"] == "executed"
    assert result.structured_content["result"] == {"id": rid, "name": "sandbox", "state": "Deleted"}
    assert "sandbox is gone (deleted) after 2 min" in text(result)
    assert heard


async def test_the_token_path_may_add_wait_on_the_confirming_call(changing: Changing) -> None:
    """``wait`` changes how the answer arrives, not what is done: the confirmation is not bound to it."""
    first, _ = await follow_call(changing, "delete_registry", {"registry": "sandbox"})
    assert first.structured_content is not None
    token = first.structured_content["confirmation_token"]
    args = {"registry": "sandbox", "confirmation_token": token, "wait": True, "wait_timeout": 900}
    done, heard = await follow_call(changing, "delete_registry", args)
    assert not done.is_error, text(done)
    assert "gone (deleted)" in text(done)
    assert heard


async def test_cancelling_the_call_stops_polling_at_once(changing: Changing) -> None:
    await follow_call(changing, "create_registry", {"name": "walk-away", "location": "de/fra"})
    rid = changing.registry_id("walk-away")
    never, asleep = asyncio.Event(), asyncio.Event()

    async def stuck(seconds: float) -> None:
        asleep.set()
        await never.wait()

    changing.core.followers.sleep = stuck
    server = build_server(changing.core, ServerOptions(actor="mcp:test"))
    async with Client(server) as client:
        call = asyncio.ensure_future(client.call_tool("get_registry", {"registry": "walk-away", "wait": True}))
        await asyncio.wait_for(asleep.wait(), 5)  # the server is following, between two polls
        poller = changing.core.followers.polling(rid)
        assert poller is not None
        assert poller.task is not None
        call.cancel()
        with pytest.raises(asyncio.CancelledError):
            await call
        await eventually(lambda: changing.core.followers.polling(rid) is None, timeout=5)
    assert changing.core.followers.polling(rid) is None, "the server stopped following"
    assert poller.task.done()

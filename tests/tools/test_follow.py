"""Following registries while they provision or delete: one poller per registry, on virtual time."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest

from tests.conftest import api_settings
from tests.helpers.clocks import FakeClock, VirtualTime
from tools.client import RegistryClient, RetryPolicy
from tools.emulator.app import EmulatorApp, build_app
from tools.emulator.backend import Backend
from tools.follow import Followers, Pace, Progress, settled

PROVISION = 120.0


@dataclass
class Setup:
    app: EmulatorApp
    client: RegistryClient
    time: VirtualTime
    followers: Followers
    gets: list[str]


@pytest.fixture
async def setup(clock: FakeClock) -> AsyncIterator[Setup]:
    app = build_app(Backend(seed=12, clock=clock, provision_seconds=PROVISION))
    gets: list[str] = []

    async def count(request: httpx.Request) -> None:
        if request.method == "GET" and "/registries/" in request.url.path:
            gets.append(request.url.path)

    transport = httpx.ASGITransport(app=app)
    settings = api_settings("http://emulator")
    async with RegistryClient(settings, transport=transport, retry=RetryPolicy(max_retries=0)) as client:
        client._http._client.event_hooks["request"].append(count)
        vt = VirtualTime(clock)
        yield Setup(app, client, vt, Followers(client, clock=vt.clock, sleep=vt.sleep), gets)


async def test_a_new_registry_is_followed_until_it_runs(setup: Setup) -> None:
    created = await setup.client.create_registry({"name": "team-blue", "location": "de/fra"})
    assert created.state == "New"
    changes: list[Progress] = []

    async def heard(progress: Progress, changed: bool) -> None:
        changes.append(progress)

    done = await setup.followers.follow(created.id, created.name, created.state, within=600, on_update=heard)
    assert done.state == "Running"
    assert done.registry is not None
    assert done.registry.properties.hostname == "team-blue.cr.de-fra.ionos.com"
    assert not done.timed_out
    assert PROVISION <= done.elapsed < PROVISION + 15.1, "noticed within one interval of finishing"
    assert setup.time.slept[:4] == [2.0, 3.0, 4.5, 6.75], "starts near 2 s and backs off"
    assert max(setup.time.slept) == 15.0, "never waits more than 15 s between polls"
    assert all(p.state == "New" for p in changes)
    assert setup.followers.polling(created.id) is None, "the poller is gone with its last follower"


async def test_a_deleted_registry_is_followed_until_gone(setup: Setup) -> None:
    page = await setup.client.list_registries(None, 1, None)
    victim = page.items[0]
    await setup.client.delete_registry(victim.id)
    done = await setup.followers.follow(victim.id, victim.name, "Deleting", within=600)
    assert done.gone
    assert done.done
    assert done.state is None


async def test_fifty_followers_share_one_poller(setup: Setup) -> None:
    created = await setup.client.create_registry({"name": "shared-wait", "location": "de/fra"})
    alone = Followers(setup.client, clock=setup.time.clock, sleep=setup.time.sleep)
    results = await asyncio.gather(
        *(setup.followers.follow(created.id, created.name, "New", within=600) for _ in range(50))
    )
    assert {r.state for r in results} == {"Running"}
    path = f"/containerregistries/registries/{created.id}"
    shared_polls = setup.gets.count(path)
    assert shared_polls == len(setup.time.slept), "one GET per interval for all fifty"

    second = await setup.client.create_registry({"name": "single-wait", "location": "de/fra"})
    before = len(setup.gets)
    await alone.follow(second.id, second.name, "New", within=600)
    assert len(setup.gets) - before == shared_polls, "fifty followers cost what one costs"


async def test_the_bound_answers_still_in_progress(setup: Setup) -> None:
    created = await setup.client.create_registry({"name": "slow-one", "location": "de/fra"})
    done = await setup.followers.follow(created.id, created.name, "New", within=10)
    assert done.timed_out
    assert done.state == "New"
    assert not done.done
    # On virtual time the bound is noticed at the poll that crosses it (in real time, at once).
    assert sum(setup.time.slept[:-1]) < 10 <= done.elapsed == sum(setup.time.slept)


async def test_leaving_stops_polling_at_once(setup: Setup) -> None:
    created = await setup.client.create_registry({"name": "walk-away", "location": "de/fra"})
    gate, asleep = asyncio.Event(), asyncio.Event()

    async def slow_sleep(seconds: float) -> None:
        asleep.set()
        await gate.wait()

    followers = Followers(setup.client, clock=setup.time.clock, sleep=slow_sleep)
    task = asyncio.ensure_future(followers.follow(created.id, created.name, "New", within=600))
    await asyncio.wait_for(asleep.wait(), 5)  # the poller is waiting for its first poll
    poller = followers.polling(created.id)
    assert poller is not None
    assert poller.task is not None
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    await asyncio.sleep(0)
    assert poller.task.cancelled() or poller.task.done()
    assert followers.polling(created.id) is None
    assert poller.polls == 0


async def test_a_429_is_waited_out_and_polling_goes_on(setup: Setup) -> None:
    created = await setup.client.create_registry({"name": "rate-limited", "location": "de/fra"})
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=setup.app), base_url="http://emu") as raw:
        fault = await raw.post("/_emulator/faults", json={"status": 429, "count": 1, "retry_after": 7})
        assert fault.status_code == 200, fault.text
    done = await setup.followers.follow(created.id, created.name, "New", within=600)
    assert done.state == "Running"
    assert setup.time.slept[1] == 3.0 + 7, "the next wait adds the server's Retry-After"


async def test_transient_failures_are_polled_through(setup: Setup) -> None:
    created = await setup.client.create_registry({"name": "flaky-api", "location": "de/fra"})
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=setup.app), base_url="http://emu") as raw:
        await raw.post("/_emulator/faults", json={"status": 503, "count": 2})
    done = await setup.followers.follow(created.id, created.name, "New", within=600)
    assert done.state == "Running"


@pytest.mark.parametrize(
    ("state", "expected"),
    [("New", False), ("Deleting", False), ("BUSY", False), ("Running", True), ("RUNNING", True), ("FAILED", True)],
)
def test_what_counts_as_settled(state: str, expected: bool) -> None:
    assert settled(state) is expected
    assert settled(None)


def test_the_pace_grows_to_a_ceiling() -> None:
    intervals = Pace().intervals()
    assert [round(next(intervals), 2) for _ in range(8)] == [2.0, 3.0, 4.5, 6.75, 10.12, 15.0, 15.0, 15.0]

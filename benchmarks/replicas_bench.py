"""Two registry-bot replicas behind a round-robin balancer, sharing one real Redis/Valkey.

1. Slack ack latency through the balancer: 300 signed slash commands, 30 at a time, the API
   answering after 1.5 s; baseline: /healthz through the same balancer under the same load.
2. What the shared store costs a confirmed delete: the confirmation engine executing a delete
   (against the in-process emulator) with the Redis store and with the memory store, interleaved;
   the median difference is the store's price (two round trips: "used?" and the atomic claim).
"""

from __future__ import annotations

import asyncio
import contextlib
import statistics
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import aiohttp
import httpx

from benchmarks.bot_bench import API_LATENCY_MS, COMMANDS, CONCURRENCY, SECRET, ack_rows, incident, timed_requests
from benchmarks.harness import Row, emulator, print_table, running
from tests.bot.fakes import FakeSlack
from tests.e2e.conftest import child_env
from tests.helpers.ports import free_port
from tests.store_server import StoreServer
from tools.app import Core
from tools.audit import AuditLog
from tools.client import RegistryClient
from tools.config import ApiSettings, SafetySettings
from tools.emulator.app import build_app
from tools.emulator.backend import Backend
from tools.operations import CATALOGUE, RegistryRefInput
from tools.people import Caller
from tools.state import MemoryStore, RedisStore, StateStore

DELETES = 200
CONFIRM_SECRET = "bench-confirm-secret-shared-by-every-replica"


@contextlib.contextmanager
def replicas(api_url: str, slack_api: str, state_url: str, count: int = 2) -> Iterator[list[int]]:
    ports = [free_port() for _ in range(count)]
    env = child_env(
        IONOS_TOKEN="bench-token",
        IONOS_API_URL=api_url,
        SLACK_SIGNING_SECRET=SECRET,
        SLACK_BOT_TOKEN="xoxb-bench",
        SLACK_API_URL=slack_api,
        REGISTRY_BOT_WRITERS="*",
        REGISTRY_CONFIRM_SECRET=CONFIRM_SECRET,
        REGISTRY_STATE_URL=state_url,
    )
    with ExitStack() as stack:
        for port in ports:
            stack.enter_context(running(["bot", "--port", str(port)], f"http://127.0.0.1:{port}/healthz", env=env))
        yield ports


async def acks_through_the_balancer(api_url: str, state_url: str) -> list[Row]:
    fake = await FakeSlack().start()
    with replicas(api_url, fake.api_url, state_url) as ports:
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        # Its own process, as a real balancer is: in this one it would compete with the load generator.
        balancer = running(["benchmarks.balancer", str(port), *map(str, ports)], base + "/healthz")
        balancer.__enter__()
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=CONCURRENCY)) as http:
            # Open every connection first (the balancer pins each to a replica); the replicas get no
            # warm-up command: their first commands are measured, as after a deploy.
            await timed_requests([(base + "/healthz", None, {})] * CONCURRENCY * 2, http)
            health = await timed_requests([(base + "/healthz", None, {})] * COMMANDS, http)
            jobs = incident(base, fake)
            acks = await timed_requests(jobs, http)
            await fake.wait_for(lambda: sum(1 for k in fake.responses if k.startswith("r")) == COMMANDS, timeout=180)
        balancer.__exit__(None, None, None)
    await fake.stop()
    return ack_rows("2 replicas, store on: ", acks, health, " via the balancer")


async def delete_times(state_url: str) -> tuple[list[float], list[float]]:
    """Per store, the time of ``Confirmer.execute`` for a confirmed delete, interleaved."""
    app = build_app(Backend(seed=12))
    settings = ApiSettings.model_validate({"ionos_token": "bench", "ionos_api_url": "http://emulator"})
    # One person asks for every delete: the per-person write limit is not what is measured here.
    safety = SafetySettings(registry_confirm_secret=CONFIRM_SECRET, registry_write_rate_limit="0/minute")
    stores: dict[str, StateStore] = {"memory": MemoryStore(), "redis": RedisStore(state_url)}
    times: dict[str, list[float]] = {"memory": [], "redis": []}
    op = CATALOGUE["delete_registry"]
    who = Caller("slack:UBENCH", "slack")
    async with RegistryClient(settings, transport=httpx.ASGITransport(app=app)) as client:
        cores = {name: Core.build(client, AuditLog(), safety, store=store) for name, store in stores.items()}
        await stores["redis"].ping()  # connect before timing
        for i in range(DELETES):
            for name in ("memory", "redis") if i % 2 else ("redis", "memory"):
                registry = f"bench-{name}-{i}"
                await client.create_registry({"name": registry, "location": "de/fra"})
                inp = RegistryRefInput(registry=registry)
                plan = await cores[name].confirmer.start(op, inp, who)
                start = time.perf_counter()
                await cores[name].confirmer.execute(plan.claims, op, inp, caller=who)  # type: ignore[union-attr]
                times[name].append(time.perf_counter() - start)
    await stores["redis"].aclose()
    return times["redis"], times["memory"]


def main() -> list[Row]:
    with tempfile.TemporaryDirectory() as tmp:
        store = StoreServer(Path(tmp))
        store.start()
        try:
            with emulator(seed=12, latency_ms=API_LATENCY_MS) as api_url:
                rows = asyncio.run(acks_through_the_balancer(api_url, store.url))
            redis, memory = asyncio.run(delete_times(store.url))
        finally:
            store.stop()
    ms = 1000
    rows.append(
        Row(
            f"confirmed delete, Redis store (median of {DELETES})",
            statistics.median(redis) * ms,
            statistics.median(memory) * ms,
            2,
            "memory store",
            unit="ms",
            kind="delta",
        )
    )
    print_table(
        f"Replicas: two registry-bot processes behind a round-robin balancer, one Redis/Valkey; "
        f"{COMMANDS} commands, {CONCURRENCY} at a time, API answering after {API_LATENCY_MS} ms",
        rows,
    )
    return rows


if __name__ == "__main__":
    main()

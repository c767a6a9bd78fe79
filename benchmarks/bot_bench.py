"""Slack bot under load: 300 signed slash commands, 30 at a time, the API answering after 1.5 s.

Ack latency (p50, p99, max) is measured against the same server's /healthz under the same
load (the baseline); every answer must reach the response_url sink; the bot's resident
memory is read from /proc after the run.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Sequence
from pathlib import Path

import aiohttp

from benchmarks.harness import Row, emulator, print_table, running
from tests.bot.fakes import FakeSlack, slash_body
from tests.e2e.conftest import child_env
from tests.helpers.ports import free_port
from tests.helpers.signing import signed

COMMANDS, CONCURRENCY, API_LATENCY_MS = 300, 30, 1500
SECRET = "bench-signing-secret"


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


async def timed_requests(
    make: Sequence[tuple[str, str | None, dict[str, str]]], http: aiohttp.ClientSession
) -> list[float]:
    """Latency of each request as a client sees it, ``CONCURRENCY`` in flight (aiohttp: a light client)."""
    gate = asyncio.Semaphore(CONCURRENCY)

    async def one(url: str, body: str | None, headers: dict[str, str]) -> float:
        async with gate:
            start = time.perf_counter()
            method = "POST" if body else "GET"
            async with http.request(method, url, data=body, headers=headers) as response:
                await response.read()
                elapsed = time.perf_counter() - start
                assert response.status == 200, await response.text()
            return elapsed

    return list(await asyncio.gather(*(one(*m) for m in make)))


def bot_env(api_url: str, fake: FakeSlack, **extra: str) -> dict[str, str]:
    """A registry-bot process's environment: the emulator at ``api_url``, Slack at the local fake."""
    return child_env(
        IONOS_TOKEN="bench-token",
        IONOS_API_URL=api_url,
        SLACK_SIGNING_SECRET=SECRET,
        SLACK_BOT_TOKEN="xoxb-bench",
        SLACK_API_URL=fake.api_url,
        **extra,
    )


def incident(base: str, fake: FakeSlack) -> list[tuple[str, str | None, dict[str, str]]]:
    """COMMANDS signed slash commands, reads, each from its own person (a busy incident: many people,
    each within REGISTRY_RATE_LIMIT), answered at response_url ``r<i>``."""
    jobs: list[tuple[str, str | None, dict[str, str]]] = []
    for i in range(COMMANDS):
        body = slash_body(
            "get prod-images" if i % 2 else "list --limit 5",
            user=f"UBENCH{i}",
            channel="C1",
            response_url=fake.response_url(f"r{i}"),
        )
        jobs.append((base + "/slack/events", body, signed(body, SECRET)))
    return jobs


def ack_rows(prefix: str, acks: list[float], health: list[float], via: str = "") -> list[Row]:
    """Slack acks against /healthz on the same server: p50 and p99 within 100 ms, the slowest within
    Slack's 3 s."""
    return [
        Row.millis(f"{prefix}ack p50", statistics.median(acks), statistics.median(health), 100, f"/healthz p50{via}"),
        Row.millis(f"{prefix}ack p99", pct(acks, 0.99), pct(health, 0.99), 100, f"/healthz p99{via}"),
        Row.millis(f"{prefix}slowest ack", max(acks), max(health), 3000, f"slowest /healthz{via}"),
    ]


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def run(api_url: str) -> list[Row]:
    fake = await FakeSlack().start()
    port = free_port()
    env = bot_env(api_url, fake, REGISTRY_BOT_WRITERS="*")
    base = f"http://127.0.0.1:{port}"
    with running(["bot", "--port", str(port)], base + "/healthz", env=env) as pid:
        connector = aiohttp.TCPConnector(limit=CONCURRENCY)
        async with aiohttp.ClientSession(connector=connector) as http:
            warm = slash_body("list", user="UBENCH", channel="C1", response_url=fake.response_url("warm-up"))
            await timed_requests([(base + "/slack/events", warm, signed(warm, SECRET))], http)
            await fake.wait_for(lambda: fake.responses.get("warm-up"), timeout=30)
            del fake.responses["warm-up"]
            health = await timed_requests([(base + "/healthz", None, {})] * COMMANDS, http)
            jobs = incident(base, fake)
            started = time.perf_counter()
            acks = await timed_requests(jobs, http)
            await fake.wait_for(lambda: len(fake.responses) == COMMANDS, timeout=180)
            drained = time.perf_counter() - started
        memory = rss_mb(pid)
    await fake.stop()
    answered = sum(
        1 for replies in fake.responses.values() if "prod-images" in str(replies[0]) or "Registries" in str(replies[0])
    )
    return [
        *ack_rows("", acks, health),
        Row(
            f"answers missing at the response_url (all {answered} arrived within {drained:.1f} s)",
            COMMANDS - answered,
            COMMANDS,
            0,
            "commands sent",
            unit="",
            kind="abs",
        ),
        Row("bot resident memory after the run", memory, 150, 150, "150 MB budget", unit="MB", kind="abs"),
    ]


def main() -> list[Row]:
    with emulator(seed=12, latency_ms=API_LATENCY_MS) as api_url:
        rows = asyncio.run(run(api_url))
    print_table(
        f"Slack bot: {COMMANDS} signed slash commands, {CONCURRENCY} at a time, API answering after "
        f"{API_LATENCY_MS} ms",
        rows,
    )
    return rows


if __name__ == "__main__":
    main()

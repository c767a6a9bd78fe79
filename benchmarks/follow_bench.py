"""Fifty people waiting on one new registry: one poll per interval, and the bot still acks fast.

A `registry-emulator` process provisions registries in 20 s and answers after 1.5 s (as in the
Slack bot benchmark); a `registry-bot` process gets 50
concurrent `/registry get NAME` for a registry that is still `New`, so 50 answers follow it, and
then, while they follow, 150 more commands 30 at a time. Counted at the emulator: the GETs of that
registry while it was followed, against the intervals the poller's pace has in that time (the
baseline is one poller per person: 50 per interval). Measured at the client: every ack.
"""

from __future__ import annotations

import asyncio
import time
from itertools import accumulate

import aiohttp
import httpx

from benchmarks.bot_bench import SECRET, pct, timed_requests
from benchmarks.harness import TOKEN, Row, emulator, print_table, running
from tests.bot.fakes import FakeSlack, slash_body
from tests.e2e.conftest import child_env
from tests.helpers.ports import free_port
from tests.helpers.signing import signed
from tools.follow import Pace

FOLLOWERS, MORE, CONCURRENCY, PROVISION = 50, 150, 30, 20.0
API_LATENCY_S = 1.5  # as in the Slack bot benchmark: acks must not wait for the API


def intervals_within(seconds: float, answer_takes: float) -> int:
    """How many polls one poller makes until ``seconds`` have passed (the one that sees it done included):
    each waits its interval, then the API's answer."""
    steps = (wait + answer_takes for wait in Pace().intervals())
    return next(i for i, total in enumerate(accumulate(steps), 1) if total >= seconds)


async def run(api: str) -> list[Row]:
    fake = await FakeSlack().start()
    port = free_port()
    env = child_env(
        IONOS_TOKEN=TOKEN,
        IONOS_API_URL=api,
        SLACK_SIGNING_SECRET=SECRET,
        SLACK_BOT_TOKEN="xoxb-bench",
        SLACK_API_URL=fake.api_url,
        REGISTRY_BOT_WRITERS="*",
    )
    base = f"http://127.0.0.1:{port}"
    auth = {"authorization": f"Bearer {TOKEN}"}
    with running(["bot", "--port", str(port)], base + "/healthz", env=env):
        async with httpx.AsyncClient(base_url=api, headers=auth) as emulator:
            created = await emulator.post(
                "/containerregistries/registries", json={"properties": {"name": "wait-here", "location": "de/fra"}}
            )
            created.raise_for_status()
            path = f"/containerregistries/registries/{created.json()['id']}"
            started = time.perf_counter()
            async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=FOLLOWERS)) as http:
                await timed_requests([(base + "/healthz", None, {})] * 60, http)
                follow = []
                for i in range(FOLLOWERS):
                    body = slash_body(
                        "get wait-here", user=f"U{i}", channel="C1", response_url=fake.response_url(f"w{i}")
                    )
                    follow.append((base + "/slack/events", body, signed(body, SECRET)))
                acks = list(await asyncio.gather(*(timed_requests([job], http) for job in follow)))
                await fake.wait_for(lambda: sum(1 for k in fake.responses if k.startswith("w")) == FOLLOWERS, 60)
                before = (await emulator.get("/_emulator/stats", params={"path": path})).json()["path"].get("GET", 0)
                more = []
                for i in range(MORE):
                    body = slash_body(
                        "list --limit 5", user="UBENCH", channel="C1", response_url=fake.response_url(f"m{i}")
                    )
                    more.append((base + "/slack/events", body, signed(body, SECRET)))
                acks_under_load = await timed_requests(more, http)

                def all_done() -> bool:
                    return all(len(fake.responses.get(f"w{i}", [])) >= 3 for i in range(FOLLOWERS))

                await fake.wait_for(all_done, timeout=PROVISION + 60)
            followed_for = time.perf_counter() - started
            polls = (await emulator.get("/_emulator/stats", params={"path": path})).json()["path"].get(
                "GET", 0
            ) - before
    await fake.stop()
    burst = [a for batch in acks for a in batch]
    intervals = intervals_within(PROVISION, API_LATENCY_S)
    running_said = sum(1 for i in range(FOLLOWERS) if "is Running" in str(fake.responses[f"w{i}"][1]))
    return [
        Row(
            f"API polls while {FOLLOWERS} people follow one new registry ({intervals} poll intervals, "
            f"{followed_for:.0f} s): at most one per interval",
            polls,
            FOLLOWERS * intervals,
            intervals,
            "one poller per person",
            unit="",
            kind="abs",
        ),
        Row(
            f"answers updated to Running in place ({running_said} of {FOLLOWERS})",
            FOLLOWERS - running_said,
            FOLLOWERS,
            0,
            "followers",
            unit="",
            kind="abs",
        ),
        Row.millis(
            f"ack p99 of {MORE} commands ({CONCURRENCY} at a time) while the {FOLLOWERS} follows run",
            pct(acks_under_load, 0.99),
            0.1,
            100,
            "target",
        ),
        Row.millis(
            f"slowest ack of the {FOLLOWERS} `get` commands sent at once (the burst that starts them)",
            max(burst),
            3.0,
            3000,
            "Slack's limit",
        ),
    ]


def main() -> list[Row]:
    with emulator(seed=12, latency_ms=API_LATENCY_S * 1000, provision_seconds=PROVISION) as api:
        rows = asyncio.run(run(api))
    print_table(
        f"Following: {FOLLOWERS} people waiting on one registry that provisions in {PROVISION:.0f} s, "
        f"the API answering after {API_LATENCY_S * 1000:.0f} ms",
        rows,
    )
    return rows


if __name__ == "__main__":
    main()

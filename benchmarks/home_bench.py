"""The Home tab's registry picker under 1,000 registries: the options Slack loads as people type.

A `registry-bot` process against a `registry-emulator` holding 1,000 registries; 10 people type 20
keystrokes each (signed `block_suggestion` requests, one person at a time, as typing is); each answer
must hold at most 100 options. p99 against the same server's `/healthz` p99; Slack gives an options
request 3 seconds, the target is 100 ms.

`python -m benchmarks.home_bench` prints the table.
"""

from __future__ import annotations

import asyncio
import json
import time

import aiohttp

from benchmarks.bot_bench import SECRET, bot_env, pct
from benchmarks.harness import Row, emulator, print_table, running
from tests.bot.fakes import FakeSlack, payload_body
from tests.helpers.ports import free_port
from tests.helpers.signing import signed

REGISTRIES, PEOPLE, KEYSTROKES = 1000, 10, 20
TYPED = "registry-00123"  # what a person types, one more letter per request (names: registry-NNNNN)


def suggestion(user: str, typed: str) -> str:
    return payload_body(
        {
            "type": "block_suggestion",
            "action_id": "registry_pick",
            "block_id": "pick",
            "value": typed,
            "user": {"id": user, "username": user.lower(), "team_id": "T1"},
            "team": {"id": "T1", "domain": "bench"},
            "api_app_id": "A1",
            "container": {"type": "view", "view_id": "VHOME"},
            "view": {"id": "VHOME", "type": "home", "blocks": []},
        }
    )


async def run(api_url: str) -> tuple[list[float], list[float], int]:
    fake = await FakeSlack().start()
    port = free_port()
    env = bot_env(api_url, fake)
    base = f"http://127.0.0.1:{port}"
    options, health, most = [], [], 0
    with running(["bot", "--port", str(port)], base + "/healthz", env=env):
        async with aiohttp.ClientSession() as http:
            for person in range(PEOPLE):
                for n in range(KEYSTROKES):
                    body = suggestion(f"UBENCH{person}", TYPED[: n % len(TYPED)])
                    start = time.perf_counter()
                    async with http.post(base + "/slack/events", data=body, headers=signed(body, SECRET)) as r:
                        answer = json.loads(await r.read())
                    options.append(time.perf_counter() - start)
                    most = max(most, len(answer["options"]))
                    start = time.perf_counter()
                    async with http.get(base + "/healthz") as r:
                        await r.read()
                    health.append(time.perf_counter() - start)
    await fake.stop()
    return options, health, most


def main() -> list[Row]:
    with emulator(seed=REGISTRIES) as api_url:
        options, health, most = asyncio.run(run(api_url))
    if most > 100:
        raise SystemExit(f"an options answer held {most} options (Slack shows 100)")
    name = f"registry picker options over {REGISTRIES} registries, p99 of {len(options)}"
    rows = [Row.millis(name, pct(options, 0.99), pct(health, 0.99), 100, "/healthz p99, same server")]
    print_table("App Home registry picker", rows)
    return rows


if __name__ == "__main__":
    main()

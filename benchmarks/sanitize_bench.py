"""What the sanitizer costs: the CVE sweep and `list_registries` with it and without it, in one run.

Every string a view holds passes `tools.sanitize` as the view is built. Here the same catalogue calls
run in child processes with the sanitizer and without it (no field given its cleaner), alternating,
against one emulator. Target: at most 5 % added.

- `list_registries`: every page of 2,000 registries (100 a page) and the JSON a front sends,
  the emulator answering at once: the worst case, where nothing hides the sanitizer's work.
- The CVE sweep: `find_vulnerable_images` over 40 registries x 300 images, the API answering after
  50 ms (as in `sweep_bench`).

Parent: `python -m benchmarks.sanitize_bench` prints the table.
Child:  `python -m benchmarks.sanitize_bench <list|sweep> <on|off> <url>` prints one sample.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable

from benchmarks.harness import TOKEN, Row, emulator, print_table

REGISTRIES = 2000
SWEEP_REGISTRIES, SWEEP_ARTIFACTS, LATENCY_MS = 40, 300, 50.0
CVE = "CVE-2021-44228"


def drop_sanitizer() -> None:
    """Views without the sanitizer: no field gets its cleaner, as no view class exists yet."""
    from tools.models import wire

    wire.cleaner_for = lambda annotation, metadata: None


async def timed(run: Callable[[], Awaitable[object]], rounds: int) -> tuple[float, object]:
    """The fastest of ``rounds`` runs after one warm-up (pydantic builds each view's validator on first use).

    The fastest, as timeit does: what the code costs, without the emulator's and the machine's hiccups."""
    answer = await run()
    walls = []
    for _ in range(rounds):
        start = time.perf_counter()
        answer = await run()
        walls.append(time.perf_counter() - start)
    return min(walls), answer


async def measure_lists(url: str) -> tuple[float, object]:
    from tools import ApiSettings, RegistryClient
    from tools.app import Core
    from tools.audit import AuditLog
    from tools.config import SafetySettings
    from tools.operations import CATALOGUE
    from tools.operations.registry_inputs import ListInput
    from tools.people import Caller
    from tools.views import RegistryList

    run_list = CATALOGUE["list_registries"].run
    assert run_list is not None
    async with RegistryClient(ApiSettings(ionos_token=TOKEN, ionos_api_url=url)) as client:
        core = Core.build(client, AuditLog(), SafetySettings())

        async def every_page() -> int:
            cursor, shown, sent = None, 0, 0
            while True:
                page = await run_list(core, ListInput(limit=100, cursor=cursor), Caller("bench", "bench"))
                assert isinstance(page, RegistryList)
                sent += len(page.model_dump_json())
                shown += len(page.registries)
                if not page.next_cursor:
                    break
                cursor = page.next_cursor
            assert shown == REGISTRIES, shown
            return sent

        return await timed(every_page, rounds=15)


async def measure_sweep(url: str) -> tuple[float, object]:
    from tools import ApiSettings, RegistryClient
    from tools.app import Core
    from tools.audit import AuditLog
    from tools.config import SafetySettings
    from tools.operations import CATALOGUE
    from tools.operations.image_inputs import SweepInput
    from tools.people import Caller
    from tools.views import SweepResult

    sweep = CATALOGUE["find_vulnerable_images"].run
    assert sweep is not None
    async with RegistryClient(ApiSettings(ionos_token=TOKEN, ionos_api_url=url)) as client:
        core = Core.build(client, AuditLog(), SafetySettings())

        async def once() -> int:
            result = await sweep(core, SweepInput(vulnerability_id=CVE, max_images=1000), Caller("bench", "bench"))
            assert isinstance(result, SweepResult)
            return result.found

        return await timed(once, rounds=7)


def pair(scenario: str, url: str, pairs: int = 7) -> tuple[float, float]:
    """Child processes with and without the sanitizer, alternating; the median of each side.

    Both sides must give the same answer: the sanitizer may not change what a clean registry says."""
    sides: dict[str, list[float]] = {"on": [], "off": []}
    answers = set()
    for i in range(pairs):
        for side in ("on", "off") if i % 2 == 0 else ("off", "on"):
            out = subprocess.run(
                [sys.executable, "-m", "benchmarks.sanitize_bench", scenario, side, url],
                check=True,
                capture_output=True,
                text=True,
            )
            data = json.loads(out.stdout.strip().splitlines()[-1])
            sides[side].append(float(data["wall"]))
            answers.add(data["answer"])
    if len(answers) != 1:
        raise SystemExit(f"{scenario}: the sanitizer changed the answer on clean data: {sorted(answers)}")
    return statistics.median(sides["on"]), statistics.median(sides["off"])


def main() -> list[Row]:
    with emulator(REGISTRIES) as url:
        listed = pair("list", url)
    with emulator(SWEEP_REGISTRIES, LATENCY_MS, artifacts=SWEEP_ARTIFACTS) as url:
        swept = pair("sweep", url)
    rows = [
        Row(
            f"list_registries: every page of {REGISTRIES} registries and its JSON",
            *listed,
            1.05,
            "the same views without the sanitizer",
        ),
        Row(
            f"CVE sweep: {SWEEP_REGISTRIES} x {SWEEP_ARTIFACTS} images, {LATENCY_MS:.0f} ms latency",
            *swept,
            1.05,
            "the same views without the sanitizer",
        ),
    ]
    print_table("The sanitizer's cost (ours: with it)", rows)
    return rows


if __name__ == "__main__":
    if len(sys.argv) == 4:
        scenario, side, base = sys.argv[1:]
        if side == "off":
            drop_sanitizer()
        wall, answer = asyncio.run((measure_lists if scenario == "list" else measure_sweep)(base))
        print(json.dumps({"wall": wall, "answer": answer}))
    else:
        main()

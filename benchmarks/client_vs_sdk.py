"""Our RegistryClient vs the official SDK against one emulator on loopback.

Parent: `python -m benchmarks.client_vs_sdk` prints the table.
Child:  `python -m benchmarks.client_vs_sdk <scenario> <ours|sdk> <url>` prints one sample.
"""

from __future__ import annotations

import asyncio
import sys
import time

from benchmarks.harness import TOKEN, Row, emulator, measure, median, print_table, report

GETS = 1000
REGISTRIES = 2000
LOOKUPS = 200


def lookup_names() -> list[str]:
    from tools.emulator.samples import sample_name

    return [sample_name(i) for i in range(0, REGISTRIES, REGISTRIES // LOOKUPS)]


# ---------------------------------------------------------------- ours


async def ours(scenario: str, url: str) -> float:
    from tools import ApiSettings, RegistryClient

    settings = ApiSettings(ionos_token=TOKEN, ionos_api_url=url)
    async with RegistryClient(settings) as client:
        first = (await client.list_registries(limit=1)).items[0]
        start = time.perf_counter()
        if scenario == "get":
            for _ in range(GETS):
                await client.get_registry(first.id)
        elif scenario == "list":
            everything = [r async for r in client.iter_registries(page_size=100)]
            assert len(everything) == REGISTRIES
        else:
            found = await client.find_registries(lookup_names(), concurrency=20)
            assert all(found.values())
        return time.perf_counter() - start


# ---------------------------------------------------------------- official SDK, as a user writes it


def sdk(scenario: str, url: str) -> float:
    import ionoscloud_container_registry as cr

    api = cr.RegistriesApi(cr.ApiClient(cr.Configuration(host=url + "/containerregistries", token=TOKEN)))
    first = (api.registries_get(limit="1").items or [])[0]
    start = time.perf_counter()
    if scenario == "get":
        for _ in range(GETS):
            api.registries_find_by_id(first.id)
    elif scenario == "list":
        everything = []
        token = None
        while True:
            page = api.registries_get(limit="100", pagination_token=token)
            everything.extend(page.items or [])
            token = page.pagination.token if page.pagination else None
            if not token:
                break
        assert len(everything) == REGISTRIES
    else:
        for name in lookup_names():
            match = next(
                r
                for r in api.registries_get(filter_name=name).items or []
                if r.properties and r.properties.name == name
            )
            api.registries_find_by_id(match.id)
    return time.perf_counter() - start


# ---------------------------------------------------------------- parent


SCENARIOS = [
    # name, latency, repeats, target
    ("get", "1,000 sequential get-by-id, no added latency", 0.0, 5, 1.2),
    ("list", "list all 2,000 registries (limit 100), 20 ms latency", 20.0, 7, 1.05),
    ("lookup", "200 lookups by name, 50 ms latency (ours: 20 in flight)", 50.0, 1, 0.1),
]


def main() -> list[Row]:
    rows = []
    for key, title, latency, repeats, target in SCENARIOS:
        with emulator(REGISTRIES, latency) as url:
            mine, theirs = [], []
            for _ in range(repeats):
                mine.append(measure("benchmarks.client_vs_sdk", key, "ours", url))
                theirs.append(measure("benchmarks.client_vs_sdk", key, "sdk", url))
        ours, base = median(mine), median(theirs)
        rows.append(Row(title, ours.wall, base.wall, target, "official SDK", rss=(ours.rss_mb, base.rss_mb)))
    print_table("RegistryClient vs the official SDK (ionoscloud-container-registry)", rows)
    return rows


if __name__ == "__main__":
    if len(sys.argv) == 4:
        scenario, impl, base = sys.argv[1:]
        report(asyncio.run(ours(scenario, base)) if impl == "ours" else sdk(scenario, base))
    else:
        main()

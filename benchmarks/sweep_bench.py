"""The CVE sweep "which of our images have CVE-X" vs the official SDK used as people write it.

40 registries x 300 images each, the API answering after 50 ms. Ours: `find_vulnerable_images`
through the catalogue (concurrent registries, lazy pages). The SDK: registry by registry, page by
page, with the same `filter.vulnerabilityId`. Both must find the same images.

Parent: `python -m benchmarks.sweep_bench` prints the table.
Child:  `python -m benchmarks.sweep_bench <ours|sdk> <url>` prints one sample.
"""

from __future__ import annotations

import sys
import time

from benchmarks.harness import TOKEN, Row, agreeing, child, emulator, wall_and_memory

REGISTRIES, ARTIFACTS, LATENCY_MS = 40, 300, 50.0
CVE = "CVE-2021-44228"
found_count: list[int] = []


async def ours(url: str) -> float:
    from tools import ApiSettings, RegistryClient
    from tools.app import Core
    from tools.audit import AuditLog
    from tools.config import SafetySettings
    from tools.operations import CATALOGUE
    from tools.operations.image_inputs import SweepInput
    from tools.people import Caller
    from tools.views import SweepResult

    async with RegistryClient(ApiSettings(ionos_token=TOKEN, ionos_api_url=url)) as client:
        core = Core.build(client, AuditLog(), SafetySettings())
        sweep = CATALOGUE["find_vulnerable_images"].run
        assert sweep is not None
        await client.list_registries(limit=1)  # warm: the connection pool, as the SDK's first call below
        start = time.perf_counter()
        inp = SweepInput(vulnerability_id=CVE, max_images=1000)
        result = await sweep(core, inp, Caller("bench", "bench"))
        elapsed = time.perf_counter() - start
    assert isinstance(result, SweepResult)
    found_count.append(result.found)
    return elapsed


def sdk(url: str) -> float:
    import ionoscloud_container_registry as cr

    api_client = cr.ApiClient(cr.Configuration(host=url + "/containerregistries", token=TOKEN))
    registries, artifacts = cr.RegistriesApi(api_client), cr.ArtifactsApi(api_client)
    registries.registries_get(limit="1")
    start = time.perf_counter()
    everything, token = [], None
    while True:
        page = registries.registries_get(limit="100", pagination_token=token)
        everything.extend(page.items or [])
        token = page.pagination.token if page.pagination else None
        if not token:
            break
    found = []
    for registry in everything:
        offset = 0
        while True:
            hits = artifacts.registries_artifacts_get(
                registry.id, offset=offset, limit=100, filter_vulnerability_id=CVE
            )
            items = hits.items or []
            found.extend(items)
            if len(items) < 100:
                break
            offset += 100
    found_count.append(len(found))
    return time.perf_counter() - start


def main() -> list[Row]:
    with emulator(REGISTRIES, LATENCY_MS, artifacts=ARTIFACTS) as url:
        a, b = agreeing("benchmarks.sweep_bench", url, ours=3, sdk=3)
    name = f"CVE sweep: {REGISTRIES} registries x {ARTIFACTS} images, {LATENCY_MS:.0f} ms latency"
    return wall_and_memory("CVE sweep", name, a, b, 0.15, "official SDK, registry by registry, page by page")


if __name__ == "__main__":
    if len(sys.argv) == 3:
        child(ours, sdk, found_count)
    else:
        main()

"""The watch digest vs the official SDK used sequentially for the same findings.

40 registries x 300 images x 20 tokens, the API answering after 50 ms. Ours: `watch_registries`
through the catalogue (registries, tokens, images and their fixable findings concurrently, every
page). The SDK: registry by registry, page by page, the same filters. Both must find the same
tokens, vulnerabilities and registries, or the benchmark fails.

Parent: `python -m benchmarks.watch_bench` prints the table.
Child:  `python -m benchmarks.watch_bench <ours|sdk> <url>` prints one sample.
"""

from __future__ import annotations

import sys
import time
from datetime import UTC, datetime, timedelta

from benchmarks.harness import TOKEN, Row, agreeing, child, emulator, wall_and_memory

REGISTRIES, ARTIFACTS, TOKENS, LATENCY_MS, DAYS = 40, 300, 20, 50.0, 14
SEVERE = {"critical", "high"}
found_count: list[int] = []


async def ours(url: str) -> float:
    from tools import ApiSettings, RegistryClient
    from tools.app import Core
    from tools.audit import AuditLog
    from tools.config import SafetySettings
    from tools.operations import CATALOGUE
    from tools.operations.watch import WatchInput
    from tools.people import Caller
    from tools.views import WatchReport

    async with RegistryClient(ApiSettings(ionos_token=TOKEN, ionos_api_url=url)) as client:
        core = Core.build(client, AuditLog(), SafetySettings(registry_watch_token_days=DAYS))
        watch = CATALOGUE["watch_registries"].run
        assert watch is not None
        await client.list_registries(limit=1)  # warm: the connection pool, as the SDK's first call below
        start = time.perf_counter()
        result = await watch(core, WatchInput(limit=1000), Caller("bench", "bench"))
        elapsed = time.perf_counter() - start
    assert isinstance(result, WatchReport)
    found_count.append(result.found)
    return elapsed


def sdk(url: str) -> float:
    import ionoscloud_container_registry as cr

    api_client = cr.ApiClient(cr.Configuration(host=url + "/containerregistries", token=TOKEN))
    registries, tokens = cr.RegistriesApi(api_client), cr.TokensApi(api_client)
    artifacts = cr.ArtifactsApi(api_client)
    registries.registries_get(limit="1")
    start = time.perf_counter()
    now = datetime.now(UTC)
    soon = now + timedelta(days=DAYS)
    everything, token = [], None
    while True:
        page = registries.registries_get(limit="100", pagination_token=token)
        everything.extend(page.items or [])
        token = page.pagination.token if page.pagination else None
        if not token:
            break
    findings = 0
    for registry in everything:
        if registry.metadata is not None and (registry.metadata.state or "").lower() != "running":
            findings += 1
        offset = 0
        while True:
            listed = tokens.registries_tokens_get(registry.id, offset=str(offset), limit="100").items or []
            findings += sum(
                1
                for t in listed
                if t.properties is not None
                and t.properties.expiry_date is not None
                and t.properties.expiry_date <= soon
            )
            if len(listed) < 100:
                break
            offset += 100
        advisories: set[str] = set()  # one finding per advisory and registry, as ours reports them
        offset = 0
        while True:
            images = artifacts.registries_artifacts_get(registry.id, offset=offset, limit=100).items or []
            for image in images:
                meta = image.metadata
                if meta is None or not meta.vuln_fixable_count or (meta.vuln_max_severity or "").lower() not in SEVERE:
                    continue
                assert image.properties is not None
                voffset = 0
                while True:
                    vulns = (
                        artifacts.registries_repositories_artifacts_vulnerabilities_get(
                            registry.id,
                            image.properties.repository_name,
                            image.id,
                            offset=voffset,
                            limit=100,
                            filter_fixable=True,
                        ).items
                        or []
                    )
                    advisories |= {
                        str(v.id) for v in vulns if v.properties and (v.properties.severity or "").lower() in SEVERE
                    }
                    if len(vulns) < 100:
                        break
                    voffset += 100
            if len(images) < 100:
                break
            offset += 100
        findings += len(advisories)
    found_count.append(findings)
    return time.perf_counter() - start


def main() -> list[Row]:
    with emulator(REGISTRIES, LATENCY_MS, artifacts=ARTIFACTS, tokens=TOKENS) as url:
        # One SDK run: sequentially, the SDK's ~7,000 requests take six minutes at 50 ms each.
        a, b = agreeing("benchmarks.watch_bench", url, ours=3, sdk=1)
    name = (
        f"watch digest: {REGISTRIES} registries x {ARTIFACTS} images x {TOKENS} tokens, {LATENCY_MS:.0f} ms "
        f"latency ({a.found} findings)"
    )
    return wall_and_memory("Registry watch", name, a, b, 0.15, "official SDK, sequentially, the same findings")


if __name__ == "__main__":
    if len(sys.argv) == 3:
        child(ours, sdk, found_count)
    else:
        main()

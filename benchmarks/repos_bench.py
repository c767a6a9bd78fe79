"""The cost of a repository's true worst severity: `list_repositories` with it, against the official SDK.

The API's `lastSeverity` is only the image pushed last; the truth needs every image of every
repository shown. 12 registries x 300 images, the API answering after 50 ms; the largest registry
is listed (about 6 repositories of 50 images each). Three sides:

- ours: `list_repositories` (repositories read 8 at a time, every page followed);
- the SDK computing the same truth as people write it: repository by repository, page by page;
- the SDK's one page of repositories: what the answer cost before, when it printed `lastSeverity`.

Both truths must agree (the worst per repository), or the benchmark fails.

Parent: `python -m benchmarks.repos_bench` prints the table.
Child:  `python -m benchmarks.repos_bench <ours|truth|page> <url>` prints one sample.
"""

from __future__ import annotations

import asyncio
import sys
import time

from benchmarks.harness import TOKEN, Row, emulator, measure, median, print_table, report

REGISTRIES, ARTIFACTS, LATENCY_MS = 12, 300, 50.0
REGISTRY = "prod-images"
ORDER = ("critical", "high", "medium", "low", "none", "unknown")
found: list[str] = []


def signature(worst: dict[str, str | None]) -> str:
    """What both truths must agree on: each repository's worst, as one comparable value."""
    return ",".join(f"{k}={v}" for k, v in sorted(worst.items()))


async def ours(url: str) -> float:
    from tools import ApiSettings, RegistryClient
    from tools.app import Core
    from tools.audit import AuditLog
    from tools.config import SafetySettings
    from tools.operations import CATALOGUE
    from tools.operations.image_inputs import ListRepositoriesInput
    from tools.people import Caller
    from tools.views import RepositoryList

    async with RegistryClient(ApiSettings(ionos_token=TOKEN, ionos_api_url=url)) as client:
        core = Core.build(client, AuditLog(), SafetySettings())
        run = CATALOGUE["list_repositories"].run
        assert run is not None
        await client.list_registries(limit=1)  # warm the pool, as the SDK's first call below
        start = time.perf_counter()
        result = await run(core, ListRepositoriesInput(registry=REGISTRY, limit=100), Caller("bench", "bench"))
        elapsed = time.perf_counter() - start
    assert isinstance(result, RepositoryList)
    found.append(signature({r.name: r.worst_severity.value if r.worst_severity else None for r in result.repositories}))
    return elapsed


def sdk(url: str, truth: bool) -> float:
    import ionoscloud_container_registry as cr

    api_client = cr.ApiClient(cr.Configuration(host=url + "/containerregistries", token=TOKEN))
    registries, repositories = cr.RegistriesApi(api_client), cr.RepositoriesApi(api_client)
    artifacts = cr.ArtifactsApi(api_client)
    registries.registries_get(limit="1")
    start = time.perf_counter()
    listed = registries.registries_get(filter_name=REGISTRY).items or []
    registry = next(r for r in listed if r.properties is not None and r.properties.name == REGISTRY)
    repos = repositories.registries_repositories_get(registry.id, limit=100).items or []
    if not truth:
        found.append("one page")
        return time.perf_counter() - start
    worst: dict[str, str | None] = {}
    for repo in repos:
        assert repo.properties is not None
        name, offset, seen = str(repo.properties.name), 0, []
        while True:
            page = artifacts.registries_repositories_artifacts_get(registry.id, name, offset=offset, limit=100)
            items = page.items or []
            seen += [
                str(a.metadata.vuln_max_severity).lower() for a in items if a.metadata and a.metadata.vuln_max_severity
            ]
            if len(items) < 100:
                break
            offset += 100
        worst[name] = min(seen, key=ORDER.index) if seen else None
    found.append(signature(worst))
    return time.perf_counter() - start


def main() -> list[Row]:
    with emulator(REGISTRIES, LATENCY_MS, artifacts=ARTIFACTS) as url:
        mine = [measure("benchmarks.repos_bench", "ours", url) for _ in range(3)]
        truth = [measure("benchmarks.repos_bench", "truth", url) for _ in range(3)]
        page = [measure("benchmarks.repos_bench", "page", url) for _ in range(3)]
        if len({s.found for s in mine + truth}) != 1:
            raise SystemExit(f"the two truths differ: {[s.found for s in mine + truth]}")
    a, b, c = median(mine), median(truth), median(page)
    rows = [
        Row(
            f"repositories with their true worst: {REGISTRY}, {ARTIFACTS} images, {LATENCY_MS:.0f} ms latency",
            a.wall,
            b.wall,
            0.5,
            "official SDK computing the same, repository by repository",
            rss=(a.rss_mb, b.rss_mb),
        ),
        Row(
            "the truth's cost over one page of lastSeverity",
            a.wall,
            c.wall,
            4.0,
            "official SDK, one page of repositories (lastSeverity only)",
        ),
    ]
    print_table("Repository severities", rows)
    return rows


if __name__ == "__main__":
    if len(sys.argv) == 3:
        impl, base = sys.argv[1:]
        wall = asyncio.run(ours(base)) if impl == "ours" else sdk(base, truth=impl == "truth")
        report(wall, found=found[-1])
    else:
        main()

"""Vulnerabilities: of an image (worst first), one advisory, and the sweep "which images have CVE-X"."""

from __future__ import annotations

import asyncio

from tools.errors import RegistryError, UnknownAdvisoryError
from tools.models import Artifact, Registry, Severity, Vulnerability
from tools.operations.catalogue import AnyOperation, Flag, Kind, Operation, Resource, Services, SlackForm
from tools.operations.image_inputs import ListVulnerabilitiesInput, SweepInput, VulnerabilityInput, offset_of
from tools.people import Caller
from tools.resolve import resolve, resolve_image
from tools.views import AffectedImage, SweepResult, VulnerabilityDetail, VulnerabilityList, VulnerabilitySummary

SWEEP_CONCURRENCY = 32  # the client's connection pool: more would only queue
SWEEP_PAGE = 500


async def list_vulnerabilities(core: Services, inp: ListVulnerabilitiesInput, caller: Caller) -> VulnerabilityList:
    """Worst first. Every finding is read (the lists are short), so the counts are the image's own;
    the filters (``severity``: at least that bad; ``fixable``) then say what they hide."""
    registry, artifact = await resolve_image(core.client, inp.ref())
    repo = artifact.properties.repository_name or inp.ref().repository
    found: list[Vulnerability] = [
        v async for v in core.client.vulnerabilities.iter_of_artifact(registry.id, repo, artifact.digest)
    ]
    core.advisories.note(v.id for v in found)
    found.sort(key=lambda v: (v.severity.rank, -(v.properties.score or 0), v.id))
    counts = {s.value: sum(v.severity is s for v in found) for s in Severity}
    filters = []
    if inp.severity is not None:
        limit_rank = inp.severity.rank
        found = [v for v in found if v.severity.rank <= limit_rank]
        filters.append(f"{inp.severity.value} or worse")
    if inp.fixable is not None:
        found = [v for v in found if bool(v.properties.fixable) is inp.fixable]
        filters.append("fixable" if inp.fixable else "not fixable")
    offset = offset_of(inp.cursor)
    end = offset + inp.limit
    tag = f":{inp.ref().tag}" if inp.ref().tag else ""
    return VulnerabilityList(
        image=f"{registry.name}/{repo}{tag}@{artifact.digest[:19]}",
        counts=counts,
        filters=filters,
        matched=len(found),
        offset=offset,
        vulnerabilities=[VulnerabilitySummary.of(v) for v in found[offset:end]],
        next_cursor=str(end) if end < len(found) else None,
    )


async def get_vulnerability(core: Services, inp: VulnerabilityInput, caller: Caller) -> VulnerabilityDetail:
    return VulnerabilityDetail.of_advisory(await core.advisories.get(inp.vulnerability_id))


async def find_vulnerable_images(core: Services, inp: SweepInput, caller: Caller) -> SweepResult:
    """Every image with ``vulnerability_id``, across every registry (or the ones named): concurrently,
    at most ``SWEEP_CONCURRENCY`` registries at a time, each followed to its last page. Each page is
    turned into the few facts shown at once, so memory holds findings, not API objects. An advisory
    IONOS does not know is an error (with what it may have meant), never "0 images"."""
    client, vid = core.client, inp.vulnerability_id
    advisory_lookup = asyncio.ensure_future(_advisory(core, vid))
    if inp.registries:
        registries = [await resolve(client, ref) for ref in dict.fromkeys(inp.registries)]
    else:
        registries = [r async for r in client.registries.iter()]
    gate = asyncio.Semaphore(SWEEP_CONCURRENCY)

    async def search(registry: Registry) -> list[AffectedImage]:
        async with gate:
            pages = client.artifacts.iter_in_registry(registry.id, vulnerability_id=vid, page_size=SWEEP_PAGE)
            return [affected(registry, a) async for a in pages]

    results = await asyncio.gather(*(search(r) for r in registries), return_exceptions=True)
    advisory, missing = await advisory_lookup
    images: list[AffectedImage] = []
    failed: list[str] = []
    for registry, found in zip(registries, results, strict=True):
        if isinstance(found, RegistryError):
            failed.append(f"{registry.name}: {found.message}")
            continue
        if isinstance(found, BaseException):
            raise found
        images += found
    if isinstance(missing, UnknownAdvisoryError) and not images:
        raise missing
    images.sort(key=lambda i: (i.registry, i.reference))
    offset = offset_of(inp.cursor)
    end = offset + inp.max_images
    return SweepResult(
        vulnerability=vid,
        severity=advisory.severity if advisory else None,
        fix=advisory.fix if advisory else None,
        advisory_note=_why_missing(missing),
        registries_searched=len(registries),
        registries_affected=len({i.registry for i in images}),
        found=len(images),
        offset=offset,
        images=images[offset:end],
        next_cursor=str(end) if end < len(images) else None,
        failed=failed,
        checked_at=core.now(),
    )


async def _advisory(core: Services, vid: str) -> tuple[VulnerabilitySummary | None, RegistryError | None]:
    """The advisory, or why not: unknown to IONOS (an error unless images have it), or not readable now."""
    try:
        return VulnerabilitySummary.of(await core.advisories.get(vid)), None
    except RegistryError as exc:
        return None, exc


def _why_missing(missing: RegistryError | None) -> str | None:
    if missing is None:
        return None
    if isinstance(missing, UnknownAdvisoryError):
        return "IONOS has no advisory record for this id, though images carry it: severity and fix unknown."
    return f"The advisory could not be read ({missing.message}): severity and fix unknown."


def affected(registry: Registry, artifact: Artifact) -> AffectedImage:
    host = registry.properties.hostname or registry.name
    return AffectedImage(
        registry=registry.name,
        reference=f"{host}/{artifact.properties.repository_name}@{artifact.digest}",
        tags=artifact.tags,
        pulls=artifact.metadata.pull_count,
        last_pulled=artifact.metadata.last_pulled_at,
    )


# ---------------------------------------------------------------- declarations

RESOURCE = Resource(name="vulnerabilities", toolset="vulnerabilities")

OPERATIONS: tuple[AnyOperation, ...] = (
    Operation(
        name="list_vulnerabilities",
        resource=RESOURCE,
        kind=Kind.READ,
        input=ListVulnerabilitiesInput,
        output=VulnerabilityList,
        summary="An image's vulnerabilities, worst first, with fixed versions; filter by minimum severity, fixable.",
        method="GET",
        slack=SlackForm(
            words=("vulns",),
            positional=("image",),
            metavars=("IMAGE",),
            flags=(
                Flag(
                    field="severity",
                    flag="--severity",
                    kind="value",
                    metavar="LEVEL",
                    help="at least this bad: critical, high, medium, low",
                ),
                Flag(
                    field="fixable", flag="--fixable", kind="true", metavar="", help="only those a newer package fixes"
                ),
                Flag(field="limit", flag="--limit", kind="int", metavar="N", help="shown per page, 1-100 (default 20)"),
            ),
            aliases=("vulnerabilities",),
            help="is this image vulnerable? worst first, with fixes",
        ),
        title="List an image's vulnerabilities",
        run=list_vulnerabilities,
        refs=(),
    ),
    Operation(
        name="get_vulnerability",
        resource=RESOURCE,
        kind=Kind.READ,
        input=VulnerabilityInput,
        output=VulnerabilityDetail,
        summary="One advisory by id (CVE-…, GHSA-…): severity, score, affected package, fix, references.",
        method="GET",
        slack=SlackForm(
            words=("vulns", "get"),
            positional=("vulnerability_id",),
            metavars=("CVE-ID",),
            aliases=("cve",),
            help="one advisory",
        ),
        title="Show an advisory",
        run=get_vulnerability,
        refs=(),
    ),
    Operation(
        name="find_vulnerable_images",
        resource=RESOURCE,
        kind=Kind.READ,
        input=SweepInput,
        output=SweepResult,
        summary="Which images have this vulnerability, across every registry (or the ones given).",
        method="GET",
        slack=SlackForm(
            words=("vulns", "find"),
            positional=("vulnerability_id",),
            metavars=("CVE-ID",),
            flags=(
                Flag(
                    field="registries",
                    flag="--in",
                    kind="list",
                    metavar="REGISTRY,…",
                    help="only these registries (default: all)",
                ),
                Flag(
                    field="max_images",
                    flag="--limit",
                    kind="int",
                    metavar="N",
                    help="images per page, 1-1000 (default 100; all are counted)",
                ),
            ),
            aliases=("which",),
            help="which of our images have CVE-…?",
        ),
        title="Find images with a vulnerability",
        run=find_vulnerable_images,
        refs=(),
    ),
)

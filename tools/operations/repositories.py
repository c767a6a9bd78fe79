"""Repositories and images: reads, and the confirmed repository delete."""

from __future__ import annotations

from datetime import datetime
from functools import partial

from tools import views
from tools.client import RegistryClient
from tools.confirmation import Applied, Change, Pinned
from tools.confirmation.previews import Preview, Target, digest
from tools.gather import bounded
from tools.models import Artifact, Registry, Repository, severity_of
from tools.operations.catalogue import AnyOperation, Flag, Kind, Operation, Resource, Services, SlackForm
from tools.operations.image_inputs import (
    ImageInput,
    ListImagesInput,
    ListRepositoriesInput,
    RepositoryInput,
    offset_of,
    repository_refs,
)
from tools.people import Caller
from tools.resolve import resolve, resolve_image, resolve_repository

RESOURCE = Resource(name="repositories", toolset="repositories")
IMAGES_PAGE = 500
WORST_AT_ONCE = 8  # repositories read at once for their worst image (the client's pool is 32)


def cursor_after(offset: int, next_offset: int | None) -> str | None:
    return str(next_offset) if next_offset is not None else None


async def worst_of(client: RegistryClient, registry_id: str, repository: str) -> views.Worst:
    """The worst severity over every image of the repository (the API's ``lastSeverity`` is only the
    image pushed last), and which image: the most recently pushed one among the worst."""
    found: tuple[tuple[int, float], Artifact] | None = None
    async for artifact in client.artifacts.iter(registry_id, repository, page_size=IMAGES_PAGE):
        raw = artifact.metadata.vuln_max_severity
        if raw is None:
            continue  # not scanned
        pushed = artifact.metadata.last_pushed_at
        key = (severity_of(raw).rank, -(pushed.timestamp() if pushed else 0.0))
        if found is None or key < found[0]:
            found = (key, artifact)
    if found is None:
        return views.Worst(severity=None, image=None)
    artifact = found[1]
    label = artifact.tags[0] if artifact.tags else f"@{views.short(artifact.digest)}"
    return views.Worst(severity=severity_of(artifact.metadata.vuln_max_severity), image=label)


async def worsts(client: RegistryClient, registry_id: str, repos: list[Repository]) -> list[views.Worst]:
    return await bounded([partial(worst_of, client, registry_id, r.name) for r in repos], WORST_AT_ONCE)


async def list_repositories(core: Services, inp: ListRepositoriesInput, caller: Caller) -> views.RepositoryList:
    """Each repository with its true worst severity. A severity filter needs every repository's worst
    before it can page, so it reads them all (bounded); without one, only the page shown."""
    client, offset = core.client, offset_of(inp.cursor)
    registry = await resolve(client, inp.registry)
    if inp.severity is None:
        page = await client.repositories.list(registry.id, name_filter=inp.name_filter, offset=offset, limit=inp.limit)
        found = await worsts(client, registry.id, page.items)
        return views.RepositoryList(
            registry=registry.name,
            repositories=[views.RepositorySummary.of(r, w) for r, w in zip(page.items, found, strict=True)],
            severity_at_least=None,
            matched=page.total,
            offset=offset,
            next_cursor=cursor_after(offset, page.next_offset),
        )
    repos = [r async for r in client.repositories.iter(registry.id, name_filter=inp.name_filter)]
    rank = inp.severity.rank
    matching = [
        views.RepositorySummary.of(r, w)
        for r, w in zip(repos, await worsts(client, registry.id, repos), strict=True)
        if w.severity is not None and w.severity.rank <= rank
    ]
    end = offset + inp.limit
    return views.RepositoryList(
        registry=registry.name,
        repositories=matching[offset:end],
        severity_at_least=inp.severity,
        matched=len(matching),
        offset=offset,
        next_cursor=str(end) if end < len(matching) else None,
    )


async def get_repository(core: Services, inp: RepositoryInput, caller: Caller) -> views.RepositoryDetail:
    registry, repo = await resolve_repository(core.client, inp.ref())
    return views.RepositoryDetail.of_registry(registry.name, repo, await worst_of(core.client, registry.id, repo.name))


async def list_images(core: Services, inp: ListImagesInput, caller: Caller) -> views.ArtifactList:
    registry, repo = await resolve_repository(core.client, inp.ref())
    offset = offset_of(inp.cursor)
    page = await core.client.artifacts.list(registry.id, repo.name, offset=offset, limit=inp.limit)
    return views.ArtifactList(
        repository=f"{registry.name}/{repo.name}",
        images=[views.ArtifactSummary.of(a) for a in page.items],
        next_cursor=cursor_after(offset, page.next_offset),
    )


def artifact_detail(registry: Registry, artifact: Artifact) -> views.ArtifactDetail:
    host = registry.properties.hostname or registry.name
    return views.ArtifactDetail(
        **views.ArtifactSummary.of(artifact).model_dump(),
        reference=f"{host}/{artifact.properties.repository_name}@{artifact.digest}",
        scanned=artifact.metadata.last_scanned_at,
        media_type=artifact.properties.media_type,
    )


async def get_image(core: Services, inp: ImageInput, caller: Caller) -> views.ArtifactDetail:
    registry, artifact = await resolve_image(core.client, inp.ref())
    return artifact_detail(registry, artifact)


# ---------------------------------------------------------------- the confirmed delete


def repository_target(registry: Registry, repo: Repository) -> Target:
    meta = repo.metadata
    state = digest([repo.name, meta.artifact_count, meta.push_count, str(meta.last_pushed_at)])
    return Target("repository", registry.id, registry.name, repo.name, repo.name, state, f"{registry.name}/{repo.name}")


async def prepare_delete_repository(
    client: RegistryClient, inp: RepositoryInput, pinned: Pinned | None, now: datetime
) -> Change:
    ref = inp.ref()
    if pinned is not None:
        registry = await client.registries.get(pinned.registry_id)
        repo = await client.repositories.get(registry.id, pinned.target_id)
    else:
        registry, repo = await resolve_repository(client, ref)
    summary = views.RepositorySummary.of(repo, await worst_of(client, registry.id, repo.name))
    host = registry.properties.hostname or registry.name
    preview = Preview(
        title=f"DELETE repository {registry.name}/{repo.name}",
        facts=[
            f"{summary.artifacts or 0} images, {summary.pulls or 0} pulls in all, "
            f"last pulled {views.day(summary.last_pulled)}",
            f"last pushed {views.day(summary.last_pushed)}, {summary.severities()}",
        ],
        changes=[],
        warnings=[
            "Every image and tag in it is deleted. This cannot be undone.",
            f"Pulls of {host}/{repo.name} will fail (space comes back only after garbage collection).",
        ],
    )

    async def apply() -> Applied:
        await client.repositories.delete(registry.id, repo.name)
        return Applied(f"Deleted repository {registry.name}/{repo.name} and its {summary.artifacts or 0} images.")

    detail = views.RepositoryDetail(
        **summary.model_dump(),
        registry=registry.name,
        created_by=repo.metadata.created_by,
        created=repo.metadata.created_date,
    )
    return Change(repository_target(registry, repo), preview, apply, list(preview.warnings), [], current=detail)


# ---------------------------------------------------------------- declarations

REPO = ("repository",)
SEVERITY = Flag(
    field="severity",
    flag="--severity",
    kind="value",
    metavar="LEVEL",
    help="only repositories whose worst image is at least this bad",
)

OPERATIONS: tuple[AnyOperation, ...] = (
    Operation(
        name="list_repositories",
        resource=RESOURCE,
        kind=Kind.READ,
        input=ListRepositoriesInput,
        output=views.RepositoryList,
        summary="List a registry's repositories: images, pulls, last push/pull, worst severity.",
        method="GET",
        slack=SlackForm(
            words=("repos", "list"),
            positional=("registry", "name_filter"),
            metavars=("REGISTRY", "FILTER"),
            flags=(
                SEVERITY,
                Flag(
                    field="limit",
                    flag="--limit",
                    kind="int",
                    metavar="N",
                    help="repositories per page, 1-100 (default 20)",
                ),
            ),
            aliases=("repos", "repositories"),
            optional=True,
            help="a registry's repositories, worst severity and pulls",
        ),
        title="List repositories",
        run=list_repositories,
        refs=(),
    ),
    Operation(
        name="get_repository",
        resource=RESOURCE,
        kind=Kind.READ,
        input=RepositoryInput,
        output=views.RepositoryDetail,
        summary="Show one repository: images, pulls, last push/pull, worst severity.",
        method="GET",
        slack=SlackForm(
            words=("repos", "get"),
            positional=REPO,
            metavars=("REGISTRY/REPO",),
            aliases=("repo",),
            help="one repository",
        ),
        title="Show a repository",
        run=get_repository,
        refs=(),
    ),
    Operation(
        name="delete_repository",
        resource=RESOURCE,
        kind=Kind.CONFIRMED,
        input=RepositoryInput,
        output=views.RepositoryDetail,
        summary="Delete a repository and every image in it (irreversible).",
        method="DELETE",
        slack=SlackForm(
            words=("repos", "delete"),
            positional=REPO,
            metavars=("REGISTRY/REPO",),
            aliases=("repos rm",),
            help="delete a repository",
        ),
        title="Delete a repository",
        prepare=prepare_delete_repository,
        protect="refuse",
        refs=REPO,
        target_refs=repository_refs,
    ),
    Operation(
        name="list_images",
        resource=RESOURCE,
        kind=Kind.READ,
        input=ListImagesInput,
        output=views.ArtifactList,
        summary="List a repository's images: tags, digest, pushed, pulls, vulnerabilities.",
        method="GET",
        slack=SlackForm(
            words=("images", "list"),
            positional=REPO,
            metavars=("REGISTRY/REPO",),
            flags=(
                Flag(
                    field="limit", flag="--limit", kind="int", metavar="N", help="images per page, 1-100 (default 20)"
                ),
            ),
            aliases=("images",),
            help="a repository's images",
        ),
        title="List images",
        run=list_images,
        refs=(),
    ),
    Operation(
        name="get_image",
        resource=RESOURCE,
        kind=Kind.READ,
        input=ImageInput,
        output=views.ArtifactDetail,
        summary="Show one image by reference (tags resolve to digests): pulls, scan, worst severity.",
        method="GET",
        slack=SlackForm(
            words=("images", "get"),
            positional=("image",),
            metavars=("IMAGE",),
            aliases=("image",),
            help="one image, by reference",
        ),
        title="Show an image",
        run=get_image,
        refs=(),
    ),
)

"""Repositories and images: reads, and the confirmed repository delete."""

from __future__ import annotations

from datetime import datetime

from tools.client import RegistryClient
from tools.confirm import Applied, Change, Pinned
from tools.models import Artifact, Registry, Repository
from tools.operations.catalogue import Core, Flag, Kind, Operation, SlackForm, declare
from tools.operations.content_inputs import (
    ImageInput,
    ListImagesInput,
    ListRepositoriesInput,
    RepositoryInput,
    offset_of,
    repository_refs,
)
from tools.people import Caller
from tools.previews import Preview, Target, digest
from tools.resolve import resolve, resolve_image, resolve_repository
from tools.views import (
    ArtifactDetail,
    ArtifactList,
    ArtifactSummary,
    RepositoryDetail,
    RepositoryList,
    RepositorySummary,
    day,
)

RESOURCE = "repositories"


def cursor_after(offset: int, next_offset: int | None) -> str | None:
    return str(next_offset) if next_offset is not None else None


async def list_repositories(core: Core, inp: ListRepositoriesInput, caller: Caller) -> RepositoryList:
    registry = await resolve(core.client, inp.registry)
    offset = offset_of(inp.cursor)
    page = await core.client.repositories.list(
        registry.id, name_filter=inp.name_filter, severity=inp.severity, offset=offset, limit=inp.limit
    )
    return RepositoryList(
        registry=registry.name,
        repositories=[RepositorySummary.of(r) for r in page.items],
        next_cursor=cursor_after(offset, page.next_offset),
    )


async def get_repository(core: Core, inp: RepositoryInput, caller: Caller) -> RepositoryDetail:
    registry, repo = await resolve_repository(core.client, inp.ref())
    return RepositoryDetail.of_registry(registry.name, repo)


async def list_images(core: Core, inp: ListImagesInput, caller: Caller) -> ArtifactList:
    registry, repo = await resolve_repository(core.client, inp.ref())
    offset = offset_of(inp.cursor)
    page = await core.client.artifacts.list(registry.id, repo.name, offset=offset, limit=inp.limit)
    return ArtifactList(
        repository=f"{registry.name}/{repo.name}",
        images=[ArtifactSummary.of(a) for a in page.items],
        next_cursor=cursor_after(offset, page.next_offset),
    )


def artifact_detail(registry: Registry, artifact: Artifact) -> ArtifactDetail:
    host = registry.properties.hostname or registry.name
    return ArtifactDetail(
        **ArtifactSummary.of(artifact).model_dump(),
        reference=f"{host}/{artifact.properties.repository_name}@{artifact.digest}",
        scanned=artifact.metadata.last_scanned_at,
        media_type=artifact.properties.media_type,
    )


async def get_image(core: Core, inp: ImageInput, caller: Caller) -> ArtifactDetail:
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
        registry = await client.get_registry(pinned.registry_id)
        repo = await client.repositories.get(registry.id, pinned.target_id)
    else:
        registry, repo = await resolve_repository(client, ref)
    summary = RepositorySummary.of(repo)
    host = registry.properties.hostname or registry.name
    worst = summary.worst_severity.value if summary.worst_severity else "not scanned"
    preview = Preview(
        title=f"DELETE repository {registry.name}/{repo.name}",
        facts=[
            f"{summary.artifacts or 0} images, {summary.pulls or 0} pulls in all, "
            f"last pulled {day(summary.last_pulled)}",
            f"last pushed {day(summary.last_pushed)}, worst severity of the last image: {worst}",
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

    detail = RepositoryDetail.of_registry(registry.name, repo)
    return Change(repository_target(registry, repo), preview, apply, list(preview.warnings), [], current=detail)


# ---------------------------------------------------------------- declarations

REPO = ("repository",)
SEVERITY = Flag("severity", "--severity", "value", "LEVEL", "only repositories whose last image is this bad")

declare(
    Operation(
        "list_repositories",
        RESOURCE,
        Kind.READ,
        ListRepositoriesInput,
        RepositoryList,
        "List a registry's repositories: images, pulls, last push/pull, worst severity.",
        "GET",
        SlackForm(
            ("repos", "list"),
            ("registry", "name_filter"),
            ("REGISTRY", "FILTER"),
            (SEVERITY, Flag("limit", "--limit", "int", "N", "repositories per page, 1-100 (default 20)")),
            aliases=("repos", "repositories"),
            optional=True,
            help="a registry's repositories, worst severity and pulls",
        ),
        title="List repositories",
        run=list_repositories,
        refs=(),
    ),
    Operation(
        "get_repository",
        RESOURCE,
        Kind.READ,
        RepositoryInput,
        RepositoryDetail,
        "Show one repository: images, pulls, last push/pull, worst severity.",
        "GET",
        SlackForm(("repos", "get"), REPO, ("REGISTRY/REPO",), aliases=("repo",), help="one repository"),
        title="Show a repository",
        run=get_repository,
        refs=(),
    ),
    Operation(
        "delete_repository",
        RESOURCE,
        Kind.CONFIRMED,
        RepositoryInput,
        RepositoryDetail,
        "Delete a repository and every image in it (irreversible).",
        "DELETE",
        SlackForm(("repos", "delete"), REPO, ("REGISTRY/REPO",), aliases=("repos rm",), help="delete a repository"),
        title="Delete a repository",
        prepare=prepare_delete_repository,
        protect="refuse",
        refs=REPO,
        target_refs=repository_refs,
    ),
    Operation(
        "list_images",
        RESOURCE,
        Kind.READ,
        ListImagesInput,
        ArtifactList,
        "List a repository's images: tags, digest, pushed, pulls, vulnerabilities.",
        "GET",
        SlackForm(
            ("images", "list"),
            REPO,
            ("REGISTRY/REPO",),
            (Flag("limit", "--limit", "int", "N", "images per page, 1-100 (default 20)"),),
            aliases=("images",),
            help="a repository's images",
        ),
        title="List images",
        run=list_images,
        refs=(),
    ),
    Operation(
        "get_image",
        RESOURCE,
        Kind.READ,
        ImageInput,
        ArtifactDetail,
        "Show one image by reference (tags resolve to digests): pulls, scan, worst severity.",
        "GET",
        SlackForm(("images", "get"), ("image",), ("IMAGE",), aliases=("image",), help="one image, by reference"),
        title="Show an image",
        run=get_image,
        refs=(),
    ),
)

"""``client.repositories`` and ``client.artifacts``: what is stored in a registry."""

from __future__ import annotations

from collections.abc import AsyncGenerator

from tools.client.base import SubClient, checked, every, paging, registry_id, segment
from tools.models import (
    Artifact,
    ArtifactsResponse,
    Page,
    RepositoriesResponse,
    Repository,
    Severity,
    check_digest,
    check_repository_name,
    check_vulnerability_id,
    severity_of,
)


def repository_name(value: str) -> str:
    return checked("repository", value, check_repository_name)


def digest_of(value: str) -> str:
    return checked("digest", value, check_digest)


class Repositories(SubClient):
    async def list(
        self,
        registry: str,
        *,
        name_filter: str | None = None,
        severity: Severity | str | None = None,
        offset: int = 0,
        limit: int = 100,
        order_by: str | None = None,
    ) -> Page[Repository]:
        rid, params = registry_id(registry), paging(offset, limit)
        if name_filter:
            params["filter.name"] = name_filter
        if severity:
            params["filter.vulnerabilitySeverity"] = severity_of(severity).wire
        if order_by:
            params["orderBy"] = order_by
        action = f"list repositories of registry {rid}"
        return await self._page(RepositoriesResponse, f"registries/{rid}/repositories", params, action)

    def iter(
        self,
        registry: str,
        *,
        name_filter: str | None = None,
        severity: Severity | str | None = None,
        page_size: int = 100,
    ) -> AsyncGenerator[Repository, None]:
        return every(
            lambda offset: self.list(
                registry, name_filter=name_filter, severity=severity, offset=offset, limit=page_size
            )
        )

    async def get(self, registry: str, name: str) -> Repository:
        rid, repo = registry_id(registry), repository_name(name)
        path = f"registries/{rid}/repositories/{segment(repo)}"
        return await self._one(Repository, "GET", path, f"get repository {repo}")

    async def delete(self, registry: str, name: str) -> None:
        """Deletes the repository and every artifact in it."""
        rid, repo = registry_id(registry), repository_name(name)
        path = f"registries/{rid}/repositories/{segment(repo)}"
        await self._http.request("DELETE", path, action=f"delete repository {repo}")


class Artifacts(SubClient):
    async def list(
        self, registry: str, repository: str, *, offset: int = 0, limit: int = 100, order_by: str | None = None
    ) -> Page[Artifact]:
        """The artifacts of one repository."""
        rid, repo, params = registry_id(registry), repository_name(repository), paging(offset, limit)
        if order_by:
            params["orderBy"] = order_by
        path = f"registries/{rid}/repositories/{segment(repo)}/artifacts"
        return await self._page(ArtifactsResponse, path, params, f"list artifacts of {repo}")

    def iter(self, registry: str, repository: str, *, page_size: int = 100) -> AsyncGenerator[Artifact, None]:
        return every(lambda offset: self.list(registry, repository, offset=offset, limit=page_size))

    async def list_in_registry(
        self,
        registry: str,
        *,
        vulnerability_id: str | None = None,
        offset: int = 0,
        limit: int = 100,
        order_by: str | None = None,
    ) -> Page[Artifact]:
        """Every artifact of a registry, optionally only those affected by ``vulnerability_id``."""
        rid, params = registry_id(registry), paging(offset, limit)
        if vulnerability_id:
            params["filter.vulnerabilityId"] = checked("vulnerability_id", vulnerability_id, check_vulnerability_id)
        if order_by:
            params["orderBy"] = order_by
        return await self._page(ArtifactsResponse, f"registries/{rid}/artifacts", params, f"list artifacts of {rid}")

    def iter_in_registry(
        self, registry: str, *, vulnerability_id: str | None = None, page_size: int = 100
    ) -> AsyncGenerator[Artifact, None]:
        return every(
            lambda offset: self.list_in_registry(
                registry, vulnerability_id=vulnerability_id, offset=offset, limit=page_size
            )
        )

    async def get(self, registry: str, repository: str, digest: str) -> Artifact:
        rid, repo, dig = registry_id(registry), repository_name(repository), digest_of(digest)
        path = f"registries/{rid}/repositories/{segment(repo)}/artifacts/{segment(dig)}"
        return await self._one(Artifact, "GET", path, f"get artifact {repo}@{dig}")

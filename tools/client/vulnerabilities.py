"""``client.vulnerabilities``: what scanning found in an artifact, and advisories by id."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import TypedDict, Unpack

from tools.client.base import SubClient, checked, every, paging, registry_id, segment
from tools.client.repositories import digest_of, repository_name
from tools.models import (
    Page,
    Severity,
    VulnerabilitiesResponse,
    Vulnerability,
    check_vulnerability_id,
    severity_of,
)


class VulnerabilityFilter(TypedDict, total=False):
    severity: Severity | str | None
    fixable: bool | None


class Vulnerabilities(SubClient):
    async def of_artifact(
        self,
        registry: str,
        repository: str,
        digest: str,
        *,
        severity: Severity | str | None = None,
        fixable: bool | None = None,
        offset: int = 0,
        limit: int = 100,
        order_by: str | None = None,
    ) -> Page[Vulnerability]:
        rid, repo, dig = registry_id(registry), repository_name(repository), digest_of(digest)
        params = paging(offset, limit)
        if severity:
            params["filter.severity"] = severity_of(severity).wire
        if fixable is not None:
            params["filter.fixable"] = "true" if fixable else "false"
        if order_by:
            params["orderBy"] = order_by
        path = f"registries/{rid}/repositories/{segment(repo)}/artifacts/{segment(dig)}/vulnerabilities"
        return await self._page(VulnerabilitiesResponse, path, params, f"list vulnerabilities of {repo}@{dig}")

    def iter_of_artifact(
        self, registry: str, repository: str, digest: str, *, page_size: int = 100, **only: Unpack[VulnerabilityFilter]
    ) -> AsyncGenerator[Vulnerability, None]:
        """Every vulnerability of the artifact, filtered as ``of_artifact`` filters."""
        return every(
            lambda offset: self.of_artifact(registry, repository, digest, offset=offset, limit=page_size, **only)
        )

    async def get(self, vulnerability_id: str) -> Vulnerability:
        vid = checked("vulnerability_id", vulnerability_id, check_vulnerability_id)
        return await self._one(Vulnerability, "GET", f"vulnerabilities/{segment(vid)}", f"get vulnerability {vid}")

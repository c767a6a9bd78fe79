"""Views of what lives in a registry: repositories, images, vulnerabilities, and the CVE sweep."""

from __future__ import annotations

import re
from datetime import datetime

from pydantic import Field

from tools.models import Artifact, Repository, Severity, View, Vulnerability, severity_of
from tools.views.format import age, day, when

_FIX_RE = re.compile(r"[Uu]pgrade (\S+) to (\S+?)(?: or later)?\.?$")


def short(digest: str) -> str:
    return digest.split(":", 1)[-1][:12]


class RepositorySummary(View):
    name: str
    artifacts: int | None
    pulls: int | None
    last_pushed: datetime | None
    last_pulled: datetime | None
    worst_severity: Severity | None = Field(description="Of the image pushed last")

    @classmethod
    def of(cls, repo: Repository) -> RepositorySummary:
        meta = repo.metadata
        return cls(
            name=repo.name,
            artifacts=meta.artifact_count,
            pulls=meta.pull_count,
            last_pushed=meta.last_pushed_at,
            last_pulled=meta.last_pulled_at,
            worst_severity=severity_of(meta.last_severity) if meta.last_severity else None,
        )

    def line(self) -> str:
        worst = self.worst_severity.value if self.worst_severity else "not scanned"
        return (
            f"{self.name} | {self.artifacts or 0} images | {self.pulls or 0} pulls | pushed {day(self.last_pushed)} "
            f"| pulled {day(self.last_pulled)} | worst {worst}"
        )


class RepositoryList(View):
    registry: str
    repositories: list[RepositorySummary]
    next_cursor: str | None

    def lines(self) -> list[str]:
        out = [f"Repositories in {self.registry}:"] + [f"  {r.line()}" for r in self.repositories]
        if not self.repositories:
            out.append("  none match")
        out.append(
            f"More: cursor={self.next_cursor}" if self.next_cursor else f"{len(self.repositories)} shown; that is all."
        )
        return out


class RepositoryDetail(RepositorySummary):
    registry: str
    created_by: str | None
    created: datetime | None

    @classmethod
    def of_registry(cls, registry: str, repo: Repository) -> RepositoryDetail:
        summary = RepositorySummary.of(repo)
        return cls(
            **summary.model_dump(),
            registry=registry,
            created_by=repo.metadata.created_by,
            created=repo.metadata.created_date,
        )

    def lines(self) -> list[str]:
        return [
            f"{self.registry}/{self.name}",
            f"  {self.line()}",
            f"  created by {self.created_by or '?'} {when(self.created)}",
        ]


class ArtifactSummary(View):
    repository: str
    digest: str
    tags: list[str]
    pushed: datetime | None
    pulled: datetime | None
    pulls: int | None
    worst_severity: Severity | None
    vulnerabilities: int | None
    fixable: int | None

    @classmethod
    def of(cls, artifact: Artifact) -> ArtifactSummary:
        meta = artifact.metadata
        return cls(
            repository=artifact.properties.repository_name or "",
            digest=artifact.digest,
            tags=artifact.tags,
            pushed=meta.last_pushed_at,
            pulled=meta.last_pulled_at,
            pulls=meta.pull_count,
            worst_severity=severity_of(meta.vuln_max_severity) if meta.vuln_max_severity else None,
            vulnerabilities=meta.vuln_total_count,
            fixable=meta.vuln_fixable_count,
        )

    def line(self) -> str:
        tags = ",".join(self.tags) or "(untagged)"
        if self.vulnerabilities is None:
            scan = "not scanned"
        else:
            worst = self.worst_severity.value if self.worst_severity else "none"
            scan = f"{self.vulnerabilities} vulns ({self.fixable or 0} fixable), worst {worst}"
        return f"{tags} @{short(self.digest)} | pushed {day(self.pushed)} | {self.pulls or 0} pulls | {scan}"


class ArtifactList(View):
    repository: str
    images: list[ArtifactSummary]
    next_cursor: str | None

    def lines(self) -> list[str]:
        out = [f"Images in {self.repository}:"] + [f"  {a.line()}" for a in self.images]
        out.append(
            f"More: cursor={self.next_cursor}" if self.next_cursor else f"{len(self.images)} shown; that is all."
        )
        return out


class ArtifactDetail(ArtifactSummary):
    reference: str = Field(description="registry/repository@digest")
    scanned: datetime | None
    media_type: str | None

    def lines(self) -> list[str]:
        return [
            self.reference,
            f"  {self.line()}",
            f"  last scanned {when(self.scanned)}, last pulled {when(self.pulled)}",
        ]


class VulnerabilitySummary(View):
    id: str
    severity: Severity
    score: float | None
    fixable: bool | None
    package: str | None
    version: str | None
    fix: str | None = Field(description="Fixed version when known")

    @classmethod
    def of(cls, vuln: Vulnerability) -> VulnerabilitySummary:
        props = vuln.properties
        affected = props.affects[0] if props.affects else None
        match = _FIX_RE.search(props.recommendations or "")
        return cls(
            id=vuln.id,
            severity=vuln.severity,
            score=props.score,
            fixable=props.fixable,
            package=affected.name if affected else None,
            version=affected.version if affected else None,
            fix=match.group(2) if match else None,
        )

    def line(self) -> str:
        fix = f"fix: {self.fix}" if self.fix else ("fixable" if self.fixable else "no fix yet")
        package = f"{self.package or '?'} {self.version or ''}".strip()
        return f"{self.severity.value.upper()} {self.id} ({self.score or '?'}) {package} | {fix}"


class VulnerabilityList(View):
    image: str
    counts: dict[str, int] = Field(description="By severity, before paging")
    vulnerabilities: list[VulnerabilitySummary]
    next_cursor: str | None

    def lines(self) -> list[str]:
        counts = ", ".join(f"{n} {s}" for s, n in self.counts.items() if n) or "none"
        out = [f"{self.image}: {counts}"] + [f"  {v.line()}" for v in self.vulnerabilities]
        if self.next_cursor:
            out.append(f"More: cursor={self.next_cursor}")
        return out


class VulnerabilityDetail(VulnerabilitySummary):
    description: str | None
    recommendations: str | None
    references: list[str]
    published: datetime | None

    @classmethod
    def of_advisory(cls, vuln: Vulnerability) -> VulnerabilityDetail:
        props = vuln.properties
        return cls(
            **VulnerabilitySummary.of(vuln).model_dump(),
            description=props.description,
            recommendations=props.recommendations,
            references=list(props.references or []),
            published=vuln.metadata.published_at,
        )

    def lines(self) -> list[str]:
        out = [self.line(), f"  {self.description or ''}", f"  {self.recommendations or ''}"]
        return out + [f"  {r}" for r in self.references[:3]] + [f"  published {day(self.published)}"]


class AffectedImage(View):
    registry: str
    reference: str = Field(description="registry/repository@digest")
    tags: list[str]
    pulls: int | None
    last_pulled: datetime | None

    def line(self, now: datetime) -> str:
        tags = ",".join(self.tags) or "(untagged)"
        return f"{self.reference} [{tags}] | {self.pulls or 0} pulls, last {age(self.last_pulled, now)}"


class SweepResult(View):
    """Which images, in which registries, have one vulnerability."""

    vulnerability: str
    severity: Severity | None
    fix: str | None
    registries_searched: int
    found: int = Field(description="Images found in all (more than listed when truncated)")
    images: list[AffectedImage]
    failed: list[str] = Field(description="Registries that could not be searched, with why")
    truncated: bool
    checked_at: datetime

    def lines(self) -> list[str]:
        head = f"{self.vulnerability} ({self.severity.value if self.severity else '?'}"
        head += f", fix: {self.fix})" if self.fix else ")"
        registries = len({i.registry for i in self.images})
        out = [f"{head}: {self.found} image(s) in {registries} of {self.registries_searched} registries"]
        out += [f"  {i.line(self.checked_at)}" for i in self.images]
        if self.truncated:
            out.append(f"  ({self.found - len(self.images)} more: narrow with registries, or raise max_images)")
        out += [f"  ! not searched: {f}" for f in self.failed]
        return out

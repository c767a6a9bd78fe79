"""Views of what lives in a registry: repositories, images, vulnerabilities, and the CVE sweep."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated

from pydantic import Field

from tools.models import Artifact, Repository, Severity, View, Vulnerability, severity_of
from tools.sanitize import LINKS, PROSE, UNTRUSTED
from tools.views.format import age, day, showing, when

_FIX_RE = re.compile(r"[Uu]pgrade (\S+) to (\S+?)(?: or later)?\.?$")


def short(digest: str) -> str:
    return digest.split(":", 1)[-1][:12]


class Worst(View):
    """The worst severity over every image of a repository, and the image that has it."""

    severity: Severity | None = Field(description="None: no image has been scanned")
    image: str | None = Field(description="Tag, or @digest, of the image with that severity")


class RepositorySummary(View):
    name: str
    artifacts: int | None
    pulls: int | None
    last_pushed: datetime | None
    last_pulled: datetime | None
    worst_severity: Severity | None = Field(description="Over all its images")
    worst_image: str | None
    latest_severity: Severity | None = Field(description="Of the image pushed last")

    @classmethod
    def of(cls, repo: Repository, worst: Worst) -> RepositorySummary:
        meta = repo.metadata
        return cls(
            name=repo.name,
            artifacts=meta.artifact_count,
            pulls=meta.pull_count,
            last_pushed=meta.last_pushed_at,
            last_pulled=meta.last_pulled_at,
            worst_severity=worst.severity,
            worst_image=worst.image,
            latest_severity=severity_of(meta.last_severity) if meta.last_severity else None,
        )

    def severities(self) -> str:
        if self.worst_severity is None:
            return "worst: not scanned"
        worst = f"worst {self.worst_severity.value}" + (f" (in {self.worst_image})" if self.worst_image else "")
        latest = self.latest_severity.value if self.latest_severity else "not scanned"
        return f"{worst} | latest image {latest}"

    def line(self) -> str:
        return (
            f"{self.name} | {self.artifacts or 0} images | {self.pulls or 0} pulls | pushed {day(self.last_pushed)} "
            f"| pulled {day(self.last_pulled)} | {self.severities()}"
        )


class RepositoryList(View):
    registry: str
    repositories: list[RepositorySummary]
    severity_at_least: Severity | None
    matched: int | None = Field(description="In all, when known")
    offset: int
    next_cursor: str | None

    def lines(self) -> list[str]:
        which = f" whose worst image is {self.severity_at_least.value} or worse" if self.severity_at_least else ""
        out = [f"Repositories in {self.registry}{which}:"] + [f"  {r.line()}" for r in self.repositories]
        if not self.repositories:
            out.append("  none match")
        out.append(showing(self.offset, len(self.repositories), self.matched, self.next_cursor))
        return out


class RepositoryDetail(RepositorySummary):
    registry: str
    created_by: str | None
    created: datetime | None

    @classmethod
    def of_registry(cls, registry: str, repo: Repository, worst: Worst) -> RepositoryDetail:
        summary = RepositorySummary.of(repo, worst)
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
    counts: dict[str, int] = Field(description="All, by severity, unfiltered")
    filters: list[str]
    matched: int
    offset: int
    vulnerabilities: list[VulnerabilitySummary]
    next_cursor: str | None

    def lines(self) -> list[str]:
        total = sum(self.counts.values())
        counts = ", ".join(f"{n} {s}" for s, n in self.counts.items() if n) or "none"
        out = [f"{self.image}: {counts}" + (f" ({total} in all)" if total else "")]
        if self.filters:
            hidden = total - self.matched
            out.append(f"  only {' and '.join(self.filters)}: {self.matched} match, {hidden} hidden by the filter")
        out += [f"  {v.line()}" for v in self.vulnerabilities]
        if self.matched:
            out.append(f"  {showing(self.offset, len(self.vulnerabilities), self.matched, self.next_cursor)}")
        return out


class VulnerabilityDetail(VulnerabilitySummary):
    description: Annotated[str | None, PROSE] = Field(description=UNTRUSTED)
    recommendations: Annotated[str | None, PROSE] = Field(description=UNTRUSTED)
    references: Annotated[list[str], LINKS] = Field(description=UNTRUSTED)
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
    """Which images, in which registries, have one vulnerability. Counts are of everything found;
    ``images`` is one page of it."""

    vulnerability: str
    severity: Severity | None
    fix: str | None
    advisory_note: str | None
    registries_searched: int
    registries_affected: int
    found: int = Field(description="Images in all")
    offset: int
    images: list[AffectedImage]
    next_cursor: str | None
    failed: list[str] = Field(description="Registries that could not be searched, with why")
    checked_at: datetime

    def lines(self) -> list[str]:
        head = f"{self.vulnerability} ({self.severity.value if self.severity else '?'}"
        head += f", fix: {self.fix})" if self.fix else ")"
        searched = f"{self.registries_searched} {'registry' if self.registries_searched == 1 else 'registries'}"
        if self.found:
            out = [f"{head}: {self.found} image(s) in {self.registries_affected} of {searched} searched"]
        else:
            out = [f"{head}: in no image of the {searched} searched"]
        if self.advisory_note:
            out.append(f"  ! {self.advisory_note}")
        out += [f"  {i.line(self.checked_at)}" for i in self.images]
        if self.found:
            out.append(f"  {showing(self.offset, len(self.images), self.found, self.next_cursor)}")
        out += [f"  ! not searched: {f}" for f in self.failed]
        if self.failed:
            out.append(f"  ! {len(self.failed)} registries could not be searched: this is not an all-clear for them.")
        return out

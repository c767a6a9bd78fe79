"""What lives in a registry, as the API sends it: repositories, their images (artifacts) and their vulnerabilities.

Repository names may contain ``/`` (``team/app``); digests are ``sha256:<64 hex>``. Severities
are CVSS ratings; the API's case is undocumented, so any case is accepted on input and one is
shown (``Severity``).
"""

from __future__ import annotations

import re
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, Field
from pydantic.dataclasses import dataclass

from tools.models.wire import WIRE, OffsetLinks

_REPOSITORY_RE = re.compile(r"^[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*)*$")
_DIGEST_RE = re.compile(r"^sha256:[0-9a-f]{64}$")
_DIGEST_PREFIX_RE = re.compile(r"^sha256:[0-9a-f]{12,64}$")
DIGEST_LENGTH = len("sha256:") + 64
_VULNERABILITY_RE = re.compile(r"^[A-Za-z][A-Za-z0-9._:-]{2,127}$")
_TAG_RE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")
REPOSITORY_RULE = "lowercase path components (a-z, 0-9, separators . _ -) joined by '/', at most 256 characters"


class Severity(StrEnum):
    """CVSS severity, worst first (the order ``RANK`` uses)."""

    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"
    NONE = "none"
    UNKNOWN = "unknown"

    @property
    def rank(self) -> int:
        return list(Severity).index(self)

    @property
    def wire(self) -> str:
        """How the emulated API spells it (Harbor's capitalisation)."""
        return self.value.capitalize()


def severity_of(value: Any) -> Severity:
    """Any spelling the API or a person uses; anything unknown is ``unknown``."""
    try:
        return Severity(str(value or "unknown").strip().lower())
    except ValueError:
        return Severity.UNKNOWN


def _severity_input(value: Any) -> Any:
    if isinstance(value, str) and value.strip().lower() in {s.value for s in Severity}:
        return value.strip().lower()
    return value


def check_repository_name(value: str) -> str:
    if len(value) > 256 or not _REPOSITORY_RE.fullmatch(value):
        raise ValueError(f"must be {REPOSITORY_RULE}")
    return value


def check_digest(value: str) -> str:
    if not _DIGEST_RE.fullmatch(value):
        raise ValueError("must be a digest such as sha256:<64 lowercase hex characters>")
    return value


def check_digest_prefix(value: str) -> str:
    """A whole digest, or its first 12 or more hex characters as the fronts print it (``sha256:17dc0b18bbc5``)."""
    if not _DIGEST_PREFIX_RE.fullmatch(value):
        raise ValueError("must be a digest such as sha256:<64 lowercase hex characters> (or its first 12 or more)")
    return value


def check_tag(value: str) -> str:
    if not _TAG_RE.fullmatch(value):
        raise ValueError("must be a tag: letters, digits, '_', '.', '-', at most 128 characters")
    return value


def check_vulnerability_id(value: str) -> str:
    if not _VULNERABILITY_RE.fullmatch(value):
        raise ValueError("must be an advisory id such as CVE-2021-44228 or GHSA-jfh8-c2jp-5v3q")
    return value.upper() if value[:4].upper() in ("CVE-", "GHSA") else value


RepositoryName = Annotated[str, AfterValidator(check_repository_name)]
Digest = Annotated[str, AfterValidator(check_digest)]
VulnerabilityId = Annotated[str, AfterValidator(check_vulnerability_id), Field(max_length=128)]
SeverityInput = Annotated[Severity, BeforeValidator(_severity_input)]


# ---------------------------------------------------------------- repositories


@dataclass(slots=True, config=WIRE)
class RepositoryProperties:
    name: str = ""


@dataclass(slots=True, config=WIRE)
class RepositoryMetadata:
    created_by: str | None = None
    created_date: datetime | None = None
    last_modified_by: str | None = None
    last_modified_date: datetime | None = None
    artifact_count: int | None = None
    pull_count: int | None = None
    push_count: int | None = None
    last_pulled_at: datetime | None = None
    last_pushed_at: datetime | None = None
    last_severity: str | None = None


@dataclass(slots=True, config=WIRE)
class Repository:
    id: str | None = None
    properties: RepositoryProperties = Field(default_factory=RepositoryProperties)
    metadata: RepositoryMetadata = Field(default_factory=RepositoryMetadata)

    @property
    def name(self) -> str:
        return self.properties.name


@dataclass(slots=True, config=WIRE)
class RepositoriesResponse:
    items: list[Repository] | None = None
    offset: int | None = None
    limit: int | None = None
    links: OffsetLinks | None = Field(default=None, alias="_links")


# ---------------------------------------------------------------- artifacts


@dataclass(slots=True, config=WIRE)
class ArtifactProperties:
    repository_name: str | None = None
    digest: str | None = None
    tags: list[str] | None = None
    media_type: str | None = None


@dataclass(slots=True, config=WIRE)
class ArtifactMetadata:
    created_date: datetime | None = None
    last_pushed_at: datetime | None = None
    last_pulled_at: datetime | None = None
    last_scanned_at: datetime | None = None
    push_count: int | None = None
    pull_count: int | None = None
    vuln_max_severity: str | None = None
    vuln_total_score: float | None = None
    vuln_total_count: int | None = None
    vuln_fixable_count: int | None = None


@dataclass(slots=True, config=WIRE)
class Artifact:
    """An image: ``id`` is its digest."""

    id: str
    properties: ArtifactProperties = Field(default_factory=ArtifactProperties)
    metadata: ArtifactMetadata = Field(default_factory=ArtifactMetadata)

    @property
    def digest(self) -> str:
        return self.properties.digest or self.id

    @property
    def tags(self) -> list[str]:
        return list(self.properties.tags or [])


@dataclass(slots=True, config=WIRE)
class ArtifactsResponse:
    items: list[Artifact] | None = None
    offset: int | None = None
    limit: int | None = None
    links: OffsetLinks | None = Field(default=None, alias="_links")


# ---------------------------------------------------------------- vulnerabilities


@dataclass(slots=True, config=WIRE)
class Purl:
    type: str | None = None
    name: str | None = None
    version: str | None = None


@dataclass(slots=True, config=WIRE)
class DataSource:
    id: str | None = None
    url: str | None = None


@dataclass(slots=True, config=WIRE)
class VulnerabilityProperties:
    description: str | None = None
    recommendations: str | None = None
    data_source: DataSource | None = None
    fixable: bool | None = None
    affects: list[Purl] | None = None
    references: list[str] | None = None
    severity: str | None = None
    score: float | None = None


@dataclass(slots=True, config=WIRE)
class VulnerabilityMetadata:
    published_at: datetime | None = None
    updated_at: datetime | None = None


@dataclass(slots=True, config=WIRE)
class Vulnerability:
    id: str
    properties: VulnerabilityProperties = Field(default_factory=VulnerabilityProperties)
    metadata: VulnerabilityMetadata = Field(default_factory=VulnerabilityMetadata)

    @property
    def severity(self) -> Severity:
        return severity_of(self.properties.severity)


@dataclass(slots=True, config=WIRE)
class VulnerabilitiesResponse:
    items: list[Vulnerability] | None = None
    offset: int | None = None
    limit: int | None = None
    links: OffsetLinks | None = Field(default=None, alias="_links")

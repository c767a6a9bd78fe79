"""State and rules of what lives in an emulated registry: tokens, repositories, artifacts, vulnerabilities.

Independent of the client (nothing from ``tools`` is imported). Choices where the API is
undocumented are listed in the package docstring.
"""

from __future__ import annotations

import re
import secrets
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from .backend import EmulatorError, _iso, user_id_of

SEVERITIES = ("Critical", "High", "Medium", "Low", "None", "Unknown")
ACTIONS = ("pull", "push", "delete")
REPO_RE = re.compile(r"^[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*)*$")
DIGEST_RE = re.compile(r"^sha256:[0-9a-f]{64}$")
TOKEN_KEYS = {"name", "expiryDate", "status", "scopes"}


@dataclass
class StoredVulnerability:
    id: str
    severity: str
    score: float
    fixable: bool
    package: tuple[str, str, str]  # purl type, name, affected version
    fixed_in: str | None
    description: str
    published_at: datetime

    def render(self) -> dict[str, Any]:
        kind, name, version = self.package
        fix = f"Upgrade {name} to {self.fixed_in} or later." if self.fixed_in else "No fix is available yet."
        source = "https://nvd.nist.gov/vuln/detail/" if self.id.startswith("CVE") else "https://github.com/advisories/"
        return {
            "id": self.id,
            "type": "vulnerability",
            "href": f"/containerregistries/vulnerabilities/{self.id}",
            "metadata": {"publishedAt": _iso(self.published_at), "updatedAt": _iso(self.published_at)},
            "properties": {
                "description": self.description,
                "recommendations": fix,
                "dataSource": {"id": "nvd" if self.id.startswith("CVE") else "ghsa", "url": source + self.id},
                "fixable": self.fixable,
                "affects": [{"type": kind, "name": name, "version": version}],
                "references": [source + self.id],
                "severity": self.severity,
                "score": self.score,
            },
        }


@dataclass
class StoredArtifact:
    digest: str
    repository: str
    tags: list[str]
    pushed_at: datetime
    vulnerabilities: list[str] = field(default_factory=list)
    pulled_at: datetime | None = None
    pull_count: int = 0
    push_count: int = 1
    media_type: str = "application/vnd.oci.image.manifest.v1+json"


@dataclass
class StoredRepository:
    name: str
    created_at: datetime
    created_by: str
    artifacts: dict[str, StoredArtifact] = field(default_factory=dict)


@dataclass
class StoredToken:
    id: str
    name: str
    scopes: list[dict[str, Any]]
    status: str
    expiry: datetime | None
    created_at: datetime
    created_by: str
    modified_at: datetime | None = None
    modified_by: str | None = None


@dataclass
class RegistryContent:
    repositories: dict[str, StoredRepository] = field(default_factory=dict)
    tokens: dict[str, StoredToken] = field(default_factory=dict)


def new_digest() -> str:
    return "sha256:" + secrets.token_hex(32)


def parse_time(value: Any, field_name: str) -> datetime:
    if not isinstance(value, str):
        raise EmulatorError(400, "VALIDATION_FAILED", f"{field_name} must be an ISO 8601 date-time")
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise EmulatorError(400, "VALIDATION_FAILED", f"{field_name} must be an ISO 8601 date-time") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def check_scopes(value: Any, field_name: str) -> list[dict[str, Any]]:
    if not isinstance(value, list) or not value:
        raise EmulatorError(400, "VALIDATION_FAILED", f"{field_name} must be a non-empty list of scopes")
    out = []
    for scope in value:
        if not isinstance(scope, dict) or set(scope) - {"type", "name", "actions"}:
            raise EmulatorError(400, "VALIDATION_FAILED", f"{field_name} items are objects with type, name, actions")
        actions = scope.get("actions")
        if scope.get("type", "repository") != "repository" or not isinstance(scope.get("name"), str):
            raise EmulatorError(400, "VALIDATION_FAILED", f"{field_name}: type must be repository and name a string")
        if not isinstance(actions, list) or not actions or any(a not in ACTIONS for a in actions):
            raise EmulatorError(400, "VALIDATION_FAILED", f"{field_name}: actions must be some of {', '.join(ACTIONS)}")
        out.append({"type": "repository", "name": scope["name"], "actions": list(dict.fromkeys(actions))})
    return out


def token_properties(body: Any) -> dict[str, Any]:
    """Validate ``PostTokenProperties`` (POST and PUT)."""
    props = body.get("properties") if isinstance(body, dict) else None
    if not isinstance(props, dict) or set(body) - {"properties"}:
        raise EmulatorError(400, "VALIDATION_FAILED", "body must be an object with a 'properties' object")
    unknown = set(props) - TOKEN_KEYS
    if unknown:
        raise EmulatorError(400, "VALIDATION_FAILED", f"unknown field(s): {', '.join(sorted(unknown))}")
    name = props.get("name")
    if not isinstance(name, str) or not name:
        raise EmulatorError(400, "VALIDATION_FAILED", "properties.name is required (at least one character)")
    status = props.get("status", "enabled")
    if status not in ("enabled", "disabled"):
        raise EmulatorError(400, "VALIDATION_FAILED", "properties.status must be enabled or disabled")
    expiry = props.get("expiryDate")
    return {
        "name": name,
        "status": status,
        "scopes": check_scopes(props.get("scopes", []), "properties.scopes"),
        "expiry": parse_time(expiry, "properties.expiryDate") if expiry is not None else None,
    }


def render_token(token: StoredToken, password: str | None = None) -> dict[str, Any]:
    credentials: dict[str, Any] = {"username": token.name}
    if password is not None:
        credentials["password"] = password
    return {
        "id": token.id,
        "type": "token",
        "href": "",
        "metadata": {
            "createdBy": token.created_by,
            "createdByUserId": user_id_of(token.created_by),
            "createdDate": _iso(token.created_at),
            "lastModifiedBy": token.modified_by,
            "lastModifiedDate": _iso(token.modified_at),
            "state": "enabled" if token.status == "enabled" else "disabled",
        },
        "properties": {
            "name": token.name,
            "expiryDate": _iso(token.expiry),
            "status": token.status,
            "scopes": [dict(s) for s in token.scopes],
            "credentials": credentials,
        },
    }


def make_token(
    props: dict[str, Any], actor: str, now: datetime, token_id: str | None = None
) -> tuple[StoredToken, str]:
    token = StoredToken(
        id=token_id or str(uuid.uuid4()),
        name=props["name"],
        scopes=props["scopes"],
        status=props["status"],
        expiry=props["expiry"],
        created_at=now,
        created_by=actor,
    )
    return token, secrets.token_urlsafe(24)

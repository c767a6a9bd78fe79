"""The calls on what lives in a registry: tokens, repositories, artifacts, vulnerabilities (no HTTP)."""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable
from typing import Any, TypeVar

from .backend import Backend, EmulatorError, _check_id, _iso, user_id_of
from .content import (
    DIGEST_RE,
    REPO_RE,
    SEVERITIES,
    RegistryContent,
    StoredArtifact,
    StoredRepository,
    StoredToken,
    StoredVulnerability,
    check_scopes,
    make_token,
    new_digest,
    parse_time,
    render_token,
    token_properties,
)
from .samples_content import sample_repositories, sample_tokens, sample_vulnerabilities

T = TypeVar("T")
PREFIX = "/containerregistries"


def _rank(severity: str | None) -> int:
    return SEVERITIES.index(severity) if severity in SEVERITIES else len(SEVERITIES)


def _paging(offset_text: str | None, limit_text: str | None) -> tuple[int, int]:
    try:
        offset = int(offset_text) if offset_text is not None else 0
        limit = int(limit_text) if limit_text is not None else 100
    except ValueError:
        raise EmulatorError(400, "INVALID_PAGINATION", "offset and limit must be integers") from None
    if offset < 0 or not 1 <= limit <= 1000:
        raise EmulatorError(400, "INVALID_PAGINATION", "offset must be >= 0 and limit from 1 to 1000")
    return offset, limit


def page(items: list[Any], query: dict[str, str], path: str, *, previous: str = "prev") -> dict[str, Any]:
    """``items`` sliced by ``offset``/``limit`` with ``_links`` (tokens call the back link ``previous``)."""
    offset, limit = _paging(query.get("offset"), query.get("limit"))
    chunk = items[offset : offset + limit]
    extra = "".join(f"&{k}={v}" for k, v in sorted(query.items()) if k not in ("offset", "limit"))

    def link(at: int) -> str:
        return f"{PREFIX}/{path}?offset={at}&limit={limit}{extra}"

    links = {"self": link(offset)}
    if offset + limit < len(items):
        links["next"] = link(offset + limit)
    if offset > 0:
        links[previous] = link(max(0, offset - limit))
    return {
        "id": path.rsplit("/", 1)[-1],
        "type": "collection",
        "href": "",
        "items": chunk,
        "offset": offset,
        "limit": limit,
        "_links": links,
    }


def ordered(items: list[T], order_by: str | None, keys: dict[str, Callable[[T], Any]]) -> list[T]:
    if not order_by:
        return items
    field_name = order_by.lstrip("-")
    if field_name not in keys:
        raise EmulatorError(400, "INVALID_ORDER_BY", f"orderBy must be one of {', '.join(sorted(keys))}")
    return sorted(items, key=keys[field_name], reverse=order_by.startswith("-"))


class Content:
    def __init__(self, registries: Backend, *, artifacts: int | None = None, tokens: int | None = None) -> None:
        self.registries = registries
        self.artifacts_per_registry = artifacts
        self.tokens_per_registry = tokens
        self.vulnerabilities: dict[str, StoredVulnerability] = {}
        self.by_registry: dict[str, RegistryContent] = {}
        self.issued_passwords: list[str] = []  # for tests that scan every output for a secret
        registries.on_forget.append(self.forget)
        self.reset()

    def forget(self, registry_id: str) -> None:
        self.by_registry.pop(registry_id, None)

    def reset(self) -> None:
        """Back to the seeded content of the seeded registries (call after ``Backend.reset``)."""
        now = self.registries.clock()
        self.vulnerabilities = {v.id: v for v in sample_vulnerabilities(now)}
        self.by_registry = {}
        rng = random.Random(self.registries.seed * 7919 + 1)  # noqa: S311 - sample data, not security
        for index, reg in enumerate(self.registries.seeded()):
            self.by_registry[reg.id] = RegistryContent(
                sample_repositories(rng, index, reg.created_by, now, self.artifacts_per_registry),
                sample_tokens(rng, index, reg.created_by, now, self.tokens_per_registry),
            )

    def of(self, registry_id: str) -> RegistryContent:
        reg = self.registries.get(registry_id)  # 400 for a malformed id, 404 for an unknown one
        return self.by_registry.setdefault(reg.id, RegistryContent())

    def scanning(self, registry_id: str) -> bool:
        return self.registries.get(registry_id).scanning

    # ------------------------------------------------------------ tokens

    def tokens(self, registry_id: str, query: dict[str, str]) -> dict[str, Any]:
        rid = self.registries.get(registry_id).id
        items = sorted(self.of(rid).tokens.values(), key=lambda t: (t.name, t.id))
        body = page([render_token(t) for t in items], query, f"registries/{rid}/tokens", previous="previous")
        body.update(count=len(body["items"]), total=len(items))
        return body

    def token(self, registry_id: str, token_id: str) -> StoredToken:
        found = self.of(registry_id).tokens.get(_uuid(token_id))
        if found is None:
            raise EmulatorError(404, "NOT_FOUND", f"token {token_id} does not exist")
        return found

    def create_token(
        self, registry_id: str, body: Any, actor: str, token_id: str | None = None
    ) -> tuple[StoredToken, str]:
        content, props = self.of(registry_id), token_properties(body)
        if any(t.name == props["name"] for t in content.tokens.values() if t.id != token_id):
            raise EmulatorError(409, "TOKEN_NAME_IN_USE", f"a token named {props['name']!r} already exists")
        token, password = make_token(props, actor, self.registries.clock(), token_id)
        content.tokens[token.id] = token
        self.issued_passwords.append(password)
        return token, password

    def put_token(self, registry_id: str, token_id: str, body: Any, actor: str) -> tuple[StoredToken, bool]:
        """PUT: create when unknown, else replace every field. The password is never returned."""
        tid, content = _uuid(token_id), self.of(registry_id)
        existing = content.tokens.get(tid)
        if existing is None:
            return self.create_token(registry_id, body, actor, tid)[0], True
        props = token_properties(body)
        if any(t.name == props["name"] for t in content.tokens.values() if t.id != tid):
            raise EmulatorError(409, "TOKEN_NAME_IN_USE", f"a token named {props['name']!r} already exists")
        existing.name, existing.scopes, existing.status = props["name"], props["scopes"], props["status"]
        existing.expiry = props["expiry"]
        self._touch(existing, actor)
        return existing, False

    def patch_token(self, registry_id: str, token_id: str, body: Any, actor: str) -> StoredToken:
        token = self.token(registry_id, token_id)
        if not isinstance(body, dict) or set(body) - {"expiryDate", "scopes", "status"}:
            raise EmulatorError(400, "VALIDATION_FAILED", "PATCH takes only expiryDate, scopes and status")
        if "status" in body and body["status"] not in ("enabled", "disabled"):
            raise EmulatorError(400, "VALIDATION_FAILED", "status must be enabled or disabled")
        if "scopes" in body:
            token.scopes = check_scopes(body["scopes"], "scopes")
        if "expiryDate" in body:
            token.expiry = parse_time(body["expiryDate"], "expiryDate") if body["expiryDate"] is not None else None
        if "status" in body:
            token.status = body["status"]
        self._touch(token, actor)
        return token

    def delete_token(self, registry_id: str, token_id: str) -> None:
        token = self.token(registry_id, token_id)
        del self.of(registry_id).tokens[token.id]

    def _touch(self, token: StoredToken, actor: str) -> None:
        token.modified_at, token.modified_by = self.registries.clock(), actor

    # ------------------------------------------------------------ repositories and artifacts

    def repository(self, registry_id: str, name: str) -> StoredRepository:
        found = self.of(registry_id).repositories.get(_repo(name))
        if found is None:
            raise EmulatorError(404, "NOT_FOUND", f"repository {name} does not exist")
        return found

    def repositories(self, registry_id: str, query: dict[str, str]) -> dict[str, Any]:
        rid = self.registries.get(registry_id).id
        needle = (query.get("filter.name") or "").lower()
        repos = [r for r in sorted(self.of(rid).repositories.values(), key=lambda r: r.name) if needle in r.name]
        wanted = query.get("filter.vulnerabilitySeverity")
        scanning = self.scanning(rid)
        rendered = [self.render_repository(r, scanning) for r in repos]
        if wanted:
            rendered = [r for r in rendered if (r["metadata"]["lastSeverity"] or "").lower() == wanted.lower()]
        keys: dict[str, Callable[[dict[str, Any]], Any]] = {
            "name": lambda r: r["properties"]["name"],
            "lastPushedAt": lambda r: r["metadata"]["lastPushedAt"] or "",
            "pullCount": lambda r: r["metadata"]["pullCount"],
        }
        return page(ordered(rendered, query.get("orderBy"), keys), query, f"registries/{rid}/repositories")

    def delete_repository(self, registry_id: str, name: str) -> None:
        repo = self.repository(registry_id, name)
        del self.of(registry_id).repositories[repo.name]

    def artifact(self, registry_id: str, repository: str, digest: str) -> StoredArtifact:
        if not DIGEST_RE.fullmatch(digest):
            raise EmulatorError(400, "INVALID_DIGEST", f"{digest!r} is not a sha256 digest")
        found = self.repository(registry_id, repository).artifacts.get(digest)
        if found is None:
            raise EmulatorError(404, "NOT_FOUND", f"artifact {repository}@{digest} does not exist")
        return found

    def artifacts(self, registry_id: str, repository: str | None, query: dict[str, str]) -> dict[str, Any]:
        rid = self.registries.get(registry_id).id
        content = self.of(rid)
        if repository is not None:
            pool = list(self.repository(rid, repository).artifacts.values())
            path = f"registries/{rid}/repositories/{repository}/artifacts"
        else:
            pool = [a for r in content.repositories.values() for a in r.artifacts.values()]
            path = f"registries/{rid}/artifacts"
        wanted = query.get("filter.vulnerabilityId")
        scanning = self.scanning(rid)
        if wanted:
            pool = [a for a in pool if scanning and wanted.upper() in (v.upper() for v in a.vulnerabilities)]
        pool.sort(key=lambda a: (a.repository, -a.pushed_at.timestamp(), a.digest))
        keys: dict[str, Callable[[StoredArtifact], Any]] = {
            "lastPushedAt": lambda a: a.pushed_at,
            "pullCount": lambda a: a.pull_count,
            "repositoryName": lambda a: a.repository,
        }
        pool = ordered(pool, query.get("orderBy"), keys)
        return page([self.render_artifact(a, scanning) for a in pool], query, path)

    def vulnerabilities_of(
        self, registry_id: str, repository: str, digest: str, query: dict[str, str]
    ) -> dict[str, Any]:
        artifact = self.artifact(registry_id, repository, digest)
        found = [self.vulnerabilities[v] for v in artifact.vulnerabilities] if self.scanning(registry_id) else []
        if query.get("filter.severity"):
            found = [v for v in found if v.severity.lower() == query["filter.severity"].lower()]
        fixable = query.get("filter.fixable")
        if fixable is not None:
            if fixable not in ("true", "false"):
                raise EmulatorError(400, "VALIDATION_FAILED", "filter.fixable must be true or false")
            found = [v for v in found if v.fixable is (fixable == "true")]
        found.sort(key=lambda v: (_rank(v.severity), -v.score, v.id))
        keys: dict[str, Callable[[StoredVulnerability], Any]] = {"score": lambda v: v.score, "id": lambda v: v.id}
        found = ordered(found, query.get("orderBy"), keys)
        rid = self.registries.get(registry_id).id
        path = f"registries/{rid}/repositories/{repository}/artifacts/{digest}/vulnerabilities"
        return page([v.render() for v in found], query, path)

    def vulnerability(self, vulnerability_id: str) -> StoredVulnerability:
        found = next((v for k, v in self.vulnerabilities.items() if k.upper() == vulnerability_id.upper()), None)
        if found is None:
            raise EmulatorError(404, "NOT_FOUND", f"vulnerability {vulnerability_id} is not known")
        return found

    def push(
        self,
        registry_id: str,
        repository: str,
        tags: list[str],
        vulnerabilities: list[str],
        actor: str,
        digest: str | None = None,
    ) -> StoredArtifact:
        """The test hook behind ``POST /_emulator/artifacts``: what a ``docker push`` would leave."""
        content, repo_name, now = self.of(registry_id), _repo(repository), self.registries.clock()
        unknown = [v for v in vulnerabilities if v not in self.vulnerabilities]
        if unknown:
            raise EmulatorError(400, "VALIDATION_FAILED", f"unknown vulnerabilities: {', '.join(unknown)}")
        repo = content.repositories.setdefault(repo_name, StoredRepository(repo_name, now, actor))
        for other in repo.artifacts.values():
            other.tags = [t for t in other.tags if t not in tags]
        artifact = StoredArtifact(digest or new_digest(), repo_name, list(tags), now, list(vulnerabilities))
        repo.artifacts[artifact.digest] = artifact
        return artifact

    # ------------------------------------------------------------ rendering

    def render_artifact(self, a: StoredArtifact, scanning: bool) -> dict[str, Any]:
        vulns = [self.vulnerabilities[v] for v in a.vulnerabilities] if scanning else []
        worst = min(vulns, key=lambda v: _rank(v.severity)).severity if vulns else ("None" if scanning else None)
        return {
            "id": a.digest,
            "type": "artifact",
            "href": "",
            "metadata": {
                "createdDate": _iso(a.pushed_at),
                "lastPushedAt": _iso(a.pushed_at),
                "lastPulledAt": _iso(a.pulled_at),
                "lastScannedAt": _iso(a.pushed_at) if scanning else None,
                "pushCount": a.push_count,
                "pullCount": a.pull_count,
                "vulnMaxSeverity": worst,
                "vulnTotalScore": round(sum(v.score for v in vulns), 1) if scanning else None,
                "vulnTotalCount": len(vulns) if scanning else None,
                "vulnFixableCount": sum(v.fixable for v in vulns) if scanning else None,
            },
            "properties": {
                "repositoryName": a.repository,
                "digest": a.digest,
                "tags": list(a.tags),
                "mediaType": a.media_type,
            },
        }

    def render_repository(self, r: StoredRepository, scanning: bool) -> dict[str, Any]:
        artifacts = list(r.artifacts.values())
        last = max(artifacts, key=lambda a: a.pushed_at, default=None)
        pulled = [a.pulled_at for a in artifacts if a.pulled_at]
        worst = self.render_artifact(last, scanning)["metadata"]["vulnMaxSeverity"] if last else None
        return {
            "id": str(uuid.uuid5(uuid.NAMESPACE_URL, r.name)),
            "type": "repository",
            "href": "",
            "metadata": {
                "createdDate": _iso(r.created_at),
                "createdBy": r.created_by,
                "createdByUserId": user_id_of(r.created_by),
                "artifactCount": len(artifacts),
                "pullCount": sum(a.pull_count for a in artifacts),
                "pushCount": sum(a.push_count for a in artifacts),
                "lastPulledAt": _iso(max(pulled)) if pulled else None,
                "lastPushedAt": _iso(last.pushed_at) if last else None,
                "lastSeverity": worst,
            },
            "properties": {"name": r.name},
        }


def _uuid(value: str) -> str:
    return _check_id(value)


def _repo(name: str) -> str:
    if len(name) > 256 or not REPO_RE.fullmatch(name):
        raise EmulatorError(400, "INVALID_REPOSITORY_NAME", f"{name!r} is not a valid repository name")
    return name

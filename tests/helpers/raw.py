"""The API's own truth, computed straight from its HTTP answers: plain httpx and JSON, none of our
client, models or views. The differential tests compare every front's answers against this."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote

import httpx

SEVERITY_ORDER = ("critical", "high", "medium", "low", "none", "unknown")


def rank(severity: str | None) -> int:
    text = (severity or "unknown").lower()
    return SEVERITY_ORDER.index(text) if text in SEVERITY_ORDER else len(SEVERITY_ORDER) - 1


def when(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text.replace("Z", "+00:00")) if text else None


@dataclass
class Image:
    registry: str
    repository: str
    digest: str
    tags: list[str]
    max_severity: str | None
    pushed: datetime | None
    vulnerabilities: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Truth:
    """Everything the differential tests ask about, read once from the API."""

    registries: list[dict[str, Any]]
    repositories: dict[str, list[dict[str, Any]]]  # registry name → its repositories
    images: list[Image]
    tokens: dict[str, list[dict[str, Any]]]  # registry name → its tokens

    def names(self) -> list[str]:
        return [r["properties"]["name"] for r in self.registries]

    def images_of(self, registry: str, repository: str) -> list[Image]:
        return [i for i in self.images if i.registry == registry and i.repository == repository]

    def worst(self, registry: str, repository: str) -> str | None:
        scanned = [i.max_severity for i in self.images_of(registry, repository) if i.max_severity is not None]
        return min(scanned, key=rank).lower() if scanned else None

    def with_advisory(self, advisory: str) -> set[tuple[str, str]]:
        return {(i.registry, i.digest) for i in self.images if any(v["id"] == advisory for v in i.vulnerabilities)}

    def advisories(self) -> set[str]:
        return {v["id"] for i in self.images for v in i.vulnerabilities}


class Raw:
    def __init__(self, http: httpx.AsyncClient) -> None:
        self.http = http

    async def get(self, path: str, **params: Any) -> httpx.Response:
        return await self.http.get(path, params=params)

    async def every(self, path: str, page: int = 50) -> list[dict[str, Any]]:
        """Every item of an offset/limit list, following ``_links.next`` to the end."""
        items: list[dict[str, Any]] = []
        offset = 0
        while True:
            answer = await self.get(path, offset=offset, limit=page)
            answer.raise_for_status()
            body = answer.json()
            items += body["items"]
            if not body.get("_links", {}).get("next") or not body["items"]:
                return items
            offset += len(body["items"])

    async def registries(self) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        token = None
        while True:
            params: dict[str, Any] = {"limit": 5} | ({"pagination.token": token} if token else {})
            body = (await self.get("registries", **params)).json()
            out += body["items"]
            token = (body.get("pagination") or {}).get("token")
            if not token:
                return out

    async def truth(self) -> Truth:
        registries = await self.registries()
        repositories: dict[str, list[dict[str, Any]]] = {}
        tokens: dict[str, list[dict[str, Any]]] = {}
        images: list[Image] = []
        for reg in registries:
            rid, name = reg["id"], reg["properties"]["name"]
            repositories[name] = await self.every(f"registries/{rid}/repositories")
            tokens[name] = await self.every(f"registries/{rid}/tokens")
            for repo in repositories[name]:
                repo_name = repo["properties"]["name"]
                base = f"registries/{rid}/repositories/{quote(repo_name, safe='')}/artifacts"
                for art in await self.every(base):
                    digest = art["properties"]["digest"]
                    image = Image(
                        name,
                        repo_name,
                        digest,
                        list(art["properties"].get("tags") or []),
                        art["metadata"].get("vulnMaxSeverity"),
                        when(art["metadata"].get("lastPushedAt")),
                    )
                    image.vulnerabilities = await self.every(f"{base}/{quote(digest, safe='')}/vulnerabilities")
                    images.append(image)
        return Truth(registries, repositories, images, tokens)


def token_windows(tokens: list[dict[str, Any]], now: datetime, days: int) -> tuple[set[str], set[str]]:
    """(expired, expiring within ``days``) token names, by the API's own expiry dates."""
    expired, expiring = set(), set()
    for token in tokens:
        expiry = when(token["properties"].get("expiryDate"))
        if expiry is None:
            continue
        if expiry <= now:
            expired.add(token["properties"]["name"])
        elif expiry <= now + timedelta(days=days):
            expiring.add(token["properties"]["name"])
    return expired, expiring


async def requests_answered(emulator: Any) -> int:
    """How many requests an in-process emulator has answered so far (its own count, not ours)."""
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=emulator)) as http:
        return int((await http.get("http://emulator/_emulator/stats")).json()["total"])

"""The registry watch: what will break soon, found by polling (the API has no webhooks).

One pass looks at every registry, at most ``CONCURRENCY`` API calls in flight, following every
page: tokens expired or expiring within N days; critical and high vulnerabilities that a newer
package fixes; registries that are not ``Running``; storage that grew fast since the last digest.
A 429 is waited out by the client's retry policy. Memory holds findings, never whole pages.

What the last digest said is kept in the state store (``watch:state``): a finding is *new* when
it was not in it, so a digest repeats nothing, and "nothing new" posts nothing. Looking now
(``/registry watch``, the MCP tool) shows everything, marked new or not, and changes nothing.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, TypeVar

from tools.client import RegistryClient
from tools.errors import RegistryError
from tools.models import Artifact, Registry, Severity
from tools.state import StateStore
from tools.views import Finding, VulnerabilitySummary, WatchReport, day, human_bytes

CONCURRENCY = 32  # the client's connection pool: more would only queue
ARTIFACT_PAGE = 500
STATE_KEY = "watch:state"
STATE_TTL = 90 * 86400.0  # what the last digest said outlives any sensible interval
SEVERE = frozenset({Severity.CRITICAL, Severity.HIGH})
GROWTH_RATIO, GROWTH_BYTES = 0.2, 512 * 1024**2  # "grew fast": +20 % and +512 MiB since the last digest

T = TypeVar("T")


@dataclass
class Memory:
    """What the previous digest reported (finding keys) and each registry's storage then."""

    seen: set[str] = field(default_factory=set)
    storage: dict[str, int] = field(default_factory=dict)

    @classmethod
    def parse(cls, raw: str | None) -> Memory:
        if not raw:
            return cls()
        data = json.loads(raw)
        return cls(set(data.get("seen", [])), {k: int(v) for k, v in data.get("storage", {}).items()})

    def dump(self) -> str:
        return json.dumps({"seen": sorted(self.seen), "storage": self.storage}, separators=(",", ":"))


@dataclass
class Pass:
    """One look at every registry: the report, and what to remember if it is posted."""

    report: WatchReport
    memory: Memory


class Watch:
    def __init__(self, client: RegistryClient, store: StateStore, *, token_days: int = 14) -> None:
        self.client = client
        self.store = store
        self.token_days = token_days

    async def look(self, now: datetime, *, token_days: int | None = None) -> Pass:
        """Everything to worry about at ``now``, each finding marked new against the last digest."""
        days = token_days or self.token_days
        before = Memory.parse(await self.store.get(STATE_KEY))
        gate = asyncio.Semaphore(CONCURRENCY)
        registries = [r async for r in self.client.iter_registries()]
        results = await asyncio.gather(
            *(self._registry(r, now, days, before, gate) for r in registries), return_exceptions=True
        )
        report = WatchReport(checked_at=now, registries_checked=len(registries), token_days=days)
        after = Memory()
        for registry, found in zip(registries, results, strict=True):
            if isinstance(found, RegistryError):
                report.failed.append(f"{registry.name}: {found.message}")
                after.seen |= {k for k in before.seen if k.split(":")[1] == registry.id}  # unknown: keep
                if registry.id in before.storage:
                    after.storage[registry.id] = before.storage[registry.id]
                continue
            if isinstance(found, BaseException):
                raise found
            findings, keys = found
            report.findings += findings
            after.seen |= keys
            state = registry.state
            if state.lower() != "running":
                key = f"state:{registry.id}:{state}"
                detail = f"is {state}, not Running"
                report.findings.append(
                    Finding(
                        kind="registry",
                        registry=registry.name,
                        subject=state,
                        detail=detail,
                        new=key not in before.seen,
                    )
                )
                after.seen.add(key)
            size = _storage(registry)
            if size is not None:
                after.storage[registry.id] = size
                was = before.storage.get(registry.id)
                if was is not None and size - was >= max(GROWTH_BYTES, GROWTH_RATIO * was):
                    report.findings.append(_storage_finding(registry, was, size))
        order = {"token": 0, "vulnerability": 1, "registry": 2, "storage": 3}
        report.findings.sort(
            key=lambda f: (order[f.kind], f.detail if f.kind == "token" else "", f.registry, f.subject)
        )
        return Pass(report, after)

    async def remember(self, memory: Memory) -> None:
        """After a digest is posted: the next one repeats none of it."""
        await self.store.put(STATE_KEY, memory.dump(), STATE_TTL)

    async def _registry(
        self, registry: Registry, now: datetime, days: int, before: Memory, gate: asyncio.Semaphore
    ) -> tuple[list[Finding], set[str]]:
        keys: set[str] = set()
        findings: list[Finding] = []

        async def gated(call: Callable[[], Awaitable[T]]) -> T:
            async with gate:
                return await call()

        for token in await gated(lambda: _all(self.client.tokens.iter(registry.id))):
            expiry = token.properties.expiry_date
            if expiry is None or expiry > now + timedelta(days=days):
                continue
            state = "expired" if expiry <= now else "expiring"
            key = f"token:{registry.id}:{token.id}:{state}"
            keys.add(key)
            detail = f"expired {day(expiry)}" if state == "expired" else f"expires {day(expiry)}"
            findings.append(_finding("token", registry, token.name, detail, key, before))
        artifacts = await gated(lambda: _candidates(self.client, registry.id))
        found = await asyncio.gather(*(gated(lambda a=a: self._fixable(registry, a)) for a in artifacts))  # type: ignore[misc]
        host = registry.properties.hostname or registry.name
        for artifact, advisories in zip(artifacts, found, strict=True):
            tags = f" ({', '.join(artifact.tags[:3])})" if artifact.tags else ""
            image = f"{host}/{artifact.properties.repository_name}@{artifact.digest}{tags}"
            for advisory in advisories:
                key = f"vuln:{registry.id}:{artifact.digest}:{advisory.id}"
                keys.add(key)
                fix = f"fix: {advisory.fix}" if advisory.fix else "fixable"
                detail = f"{advisory.severity.value.upper()} {advisory.id}, {fix}"
                findings.append(_finding("vulnerability", registry, image, detail, key, before))
        return findings, keys

    async def _fixable(self, registry: Registry, artifact: Artifact) -> list[VulnerabilitySummary]:
        repository = artifact.properties.repository_name or ""
        pages = self.client.vulnerabilities.iter_of_artifact(
            registry.id, repository, artifact.digest, fixable=True, page_size=100
        )
        out = []
        async for vuln in pages:
            summary = VulnerabilitySummary.of(vuln)
            if summary.severity in SEVERE:
                out.append(summary)
        return out


async def _all(items: Any) -> list[Any]:
    return [item async for item in items]


async def _candidates(client: RegistryClient, registry_id: str) -> list[Artifact]:
    """The registry's images whose worst finding is critical or high and that have a fixable one."""
    out = []
    async for artifact in client.artifacts.iter_in_registry(registry_id, page_size=ARTIFACT_PAGE):
        meta = artifact.metadata
        if (meta.vuln_fixable_count or 0) > 0 and (meta.vuln_max_severity or "").lower() in SEVERE:
            out.append(artifact)
    return out


def _finding(kind: Any, registry: Registry, subject: str, detail: str, key: str, before: Memory) -> Finding:
    return Finding(kind=kind, registry=registry.name, subject=subject, detail=detail, new=key not in before.seen)


def _storage_finding(registry: Registry, was: int, now: int) -> Finding:
    grown = now - was
    percent = f" (+{100 * grown / was:.0f}%)" if was else ""
    detail = f"grew {human_bytes(grown)}{percent} since the last digest, to {human_bytes(now)}"
    return Finding(kind="storage", registry=registry.name, subject=human_bytes(now), detail=detail, new=True)


def _storage(registry: Registry) -> int | None:
    usage = registry.properties.storage_usage
    return usage.bytes if usage is not None else None

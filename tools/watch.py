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
import hashlib
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from functools import partial
from typing import Any, TypeVar

from tools.client import RegistryClient
from tools.confirmation.protection import matching
from tools.errors import RegistryError
from tools.gather import bounded
from tools.models import Registry, Severity
from tools.state import StateStore
from tools.views import Finding, VulnerabilitySummary, WatchReport, day, human_bytes

CONCURRENCY = 32  # the client's connection pool: more would only queue
PER_REGISTRY = 8  # images read at once within one registry (all registries share CONCURRENCY)
ARTIFACT_PAGE = 100  # 32 registries listing at once: pages of 500 decoded images held 16 MB
STATE_KEY = "watch:state"
STATE_TTL = 90 * 86400.0  # what the last digest said outlives any sensible interval
SEVERE = frozenset({Severity.CRITICAL, Severity.HIGH})
CRITICAL, HIGH, TOKEN_EXPIRED, TOKEN_EXPIRING, STATE, STORAGE = range(6)  # the classes in tools.views.watch
GROWTH_RATIO, GROWTH_BYTES = 0.2, 512 * 1024**2  # "grew fast": +20 % and +512 MiB since the last digest

T = TypeVar("T")


def short(text: str, size: int = 6) -> str:
    return hashlib.blake2b(text.encode(), digest_size=size).hexdigest()


def remembered(registry_id: str, *parts: str) -> str:
    """A finding's key in what the digest remembers: ``<registry>:<finding>``, hashed short. Thousands
    of findings would otherwise keep megabytes of UUIDs and digests in memory and in the store."""
    return f"{short(registry_id, 4)}:{short(':'.join(parts), 8)}"


@dataclass
class Memory:
    """What the previous digest reported (finding keys), each registry's storage then, and when."""

    seen: set[str] = field(default_factory=set)
    storage: dict[str, int] = field(default_factory=dict)
    at: datetime | None = None

    @classmethod
    def parse(cls, raw: str | None) -> Memory:
        if not raw:
            return cls()
        data = json.loads(raw)
        at = datetime.fromisoformat(data["at"]) if data.get("at") else None
        return cls(set(data.get("seen", [])), {k: int(v) for k, v in data.get("storage", {}).items()}, at)

    def dump(self) -> str:
        at = self.at.isoformat() if self.at else None
        return json.dumps({"seen": sorted(self.seen), "storage": self.storage, "at": at}, separators=(",", ":"))


@dataclass
class Pass:
    """One look at every registry: every finding, and what to remember if a digest says them."""

    findings: list[Finding]
    failed: list[str]
    checked_at: datetime
    registries_checked: int
    token_days: int
    memory: Memory
    last_digest: datetime | None

    def routed(self, routes: tuple[tuple[str, str], ...], default: str | None) -> dict[str, Pass]:
        """This look split by where each part is said: a registry's findings go to the channel of the
        first route whose glob matches its name, the rest to ``default`` (None: said nowhere).
        Registries that could not be checked are said in ``default``."""
        parts: dict[str, list[Finding]] = {}
        for finding in self.findings:
            name = finding.registry.lower()
            channel = next((c for glob, c in routes if matching((glob,), name)), default)
            if channel is not None:
                parts.setdefault(channel, []).append(finding)
        if default is not None and self.failed:
            parts.setdefault(default, [])
        return {
            channel: replace(self, findings=found, failed=self.failed if channel == default else [])
            for channel, found in parts.items()
        }

    def report(self, *, only_new: bool = False, offset: int = 0, limit: int | None = None) -> WatchReport:
        return WatchReport.of(
            self.findings,
            checked_at=self.checked_at,
            registries_checked=self.registries_checked,
            token_days=self.token_days,
            failed=self.failed,
            last_digest=self.last_digest,
            only_new=only_new,
            offset=offset,
            limit=limit,
        )


KEPT_LOOKS = 4


class Watch:
    def __init__(
        self, client: RegistryClient, store: StateStore, *, token_days: int = 14, protected: tuple[str, ...] = ()
    ) -> None:
        self.client = client
        self.store = store
        self.token_days = token_days
        self.protected = protected
        # A look reads every image of every registry (thousands of calls on a large account): looks
        # asked for at once share one pass, and a caller that accepts an age gets the last one.
        self._running: dict[int, asyncio.Task[Pass]] = {}
        self._last: dict[int, Pass] = {}

    def _protected(self, name: str) -> bool:
        return matching(self.protected, name) is not None

    async def look(self, now: datetime, *, token_days: int | None = None, max_age: float = 0.0) -> Pass:
        """Everything to worry about at ``now``, each finding marked new against the last digest.

        With ``max_age`` (seconds), a pass that finished that recently is answered again (its
        ``checked_at`` says when it looked). Whatever the age, a look already under way is joined,
        not repeated."""
        days = token_days or self.token_days
        last = self._last.get(days)
        if max_age > 0 and last is not None and (now - last.checked_at).total_seconds() <= max_age:
            return last
        running = self._running.get(days)
        if running is None:
            running = self._running[days] = asyncio.create_task(self._look(now, days))
            running.add_done_callback(lambda _: self._running.pop(days, None))
        found = await asyncio.shield(running)
        self._last.pop(days, None)
        self._last[days] = found
        while len(self._last) > KEPT_LOOKS:  # token_days may be anything from 1 to 365: keep a few
            self._last.pop(next(iter(self._last)))
        return found

    async def _look(self, now: datetime, days: int) -> Pass:
        before = Memory.parse(await self.store.get(STATE_KEY))
        gate = asyncio.Semaphore(CONCURRENCY)
        registries = [r async for r in self.client.registries.iter()]
        results = await asyncio.gather(
            *(self._registry(r, now, days, before, gate) for r in registries), return_exceptions=True
        )
        every: list[Finding] = []
        failed: list[str] = []
        after = Memory(at=now)
        for registry, found in zip(registries, results, strict=True):
            if isinstance(found, RegistryError):
                failed.append(f"{registry.name}: {found.message}")
                mine = short(registry.id, 4)
                after.seen |= {k for k in before.seen if k.split(":", 1)[0] == mine}  # not looked at: keep
                if registry.id in before.storage:
                    after.storage[registry.id] = before.storage[registry.id]
                continue
            if isinstance(found, BaseException):
                raise found
            findings, keys = found
            every += findings
            after.seen |= keys
            protected = self._protected(registry.name)
            state = registry.state
            if state.lower() != "running":
                key = remembered(registry.id, "state", state)
                every.append(
                    Finding(
                        kind="registry",
                        rank=STATE,
                        registry=registry.name,
                        protected=protected,
                        subject=state,
                        detail=f"is {state}, not Running",
                        new=key not in before.seen,
                    )
                )
                after.seen.add(key)
            size = _storage(registry)
            if size is not None:
                after.storage[registry.id] = size
                was = before.storage.get(registry.id)
                if was is not None and size - was >= max(GROWTH_BYTES, GROWTH_RATIO * was):
                    every.append(_storage_finding(registry, was, size, protected))
        return Pass(every, failed, now, len(registries), days, after, before.at)

    async def remember(self, memory: Memory) -> None:
        """After a digest is posted: the next one repeats none of it."""
        await self.store.put(STATE_KEY, memory.dump(), STATE_TTL)

    async def _registry(
        self, registry: Registry, now: datetime, days: int, before: Memory, gate: asyncio.Semaphore
    ) -> tuple[list[Finding], set[str]]:
        keys: set[str] = set()
        findings: list[Finding] = []
        protected = self._protected(registry.name)

        async def gated(call: Callable[[], Awaitable[T]]) -> T:
            async with gate:
                return await call()

        for token in await gated(lambda: _all(self.client.tokens.iter(registry.id))):
            expiry = token.properties.expiry_date
            if expiry is None or expiry > now + timedelta(days=days):
                continue
            state = "expired" if expiry <= now else "expiring"
            key = remembered(registry.id, "token", token.id, state)
            keys.add(key)
            detail = f"expired {day(expiry)}" if state == "expired" else f"expires {day(expiry)}"
            findings.append(
                Finding(
                    kind="token",
                    rank=TOKEN_EXPIRED if state == "expired" else TOKEN_EXPIRING,
                    registry=registry.name,
                    protected=protected,
                    subject=token.name,
                    detail=detail,
                    due=expiry,
                    new=key not in before.seen,
                )
            )
        images = await gated(lambda: _candidates(self.client, registry.id))
        found = await bounded(
            [partial(gated, partial(self._fixable, registry.id, image)) for image in images], PER_REGISTRY
        )
        # One finding per advisory in this registry, however many images have it: "CVE-X, fix 2.17.1,
        # in 37 images (3 new)" is what someone acts on. New = an image that did not have it before.
        host = registry.properties.hostname or registry.name
        by_advisory: dict[str, _Spread] = {}
        for image, advisories in zip(images, found, strict=True):
            for advisory_id, severity, fix in advisories:
                key = remembered(registry.id, "vuln", image.digest, advisory_id)
                keys.add(key)
                spread = by_advisory.setdefault(advisory_id, _Spread(severity, fix, f"{host}/{image.reference}"))
                spread.images += 1
                spread.new += key not in before.seen
        for advisory_id, spread in by_advisory.items():
            fix = f"fix: {spread.fix}" if spread.fix else "fixable"
            count = f"{spread.images} image{'s' if spread.images != 1 else ''}"
            new = f", {spread.new} new" if 0 < spread.new < spread.images else ""
            detail = f"{spread.severity.upper()} {advisory_id}, {fix}, in {count}{new} (e.g. {spread.example})"
            findings.append(
                Finding(
                    kind="vulnerability",
                    rank=CRITICAL if spread.severity == Severity.CRITICAL.value else HIGH,
                    registry=registry.name,
                    protected=protected,
                    subject=advisory_id,
                    detail=detail,
                    new=spread.new > 0,
                )
            )
        return findings, keys

    async def _fixable(self, registry_id: str, image: _Image) -> list[tuple[str, str, str | None]]:
        """The image's critical and high findings a newer package fixes: (advisory, severity, fix)."""
        out = []
        pages = self.client.vulnerabilities.iter_of_artifact(
            registry_id, image.repository, image.digest, fixable=True, page_size=100
        )
        async for vuln in pages:
            if vuln.severity in SEVERE:
                summary = VulnerabilitySummary.of(vuln)
                out.append((vuln.id, vuln.severity.value, summary.fix))
        return out


@dataclass(slots=True)
class _Image:
    """What the watch keeps of an image between listing it and reading its findings."""

    repository: str
    digest: str
    tags: tuple[str, ...]

    @property
    def reference(self) -> str:
        return f"{self.repository}:{self.tags[0]}" if self.tags else f"{self.repository}@{self.digest}"


@dataclass(slots=True)
class _Spread:
    severity: str
    fix: str | None
    example: str
    images: int = 0
    new: int = 0


async def _all(items: Any) -> list[Any]:
    return [item async for item in items]


async def _candidates(client: RegistryClient, registry_id: str) -> list[_Image]:
    """The registry's images whose worst finding is critical or high and that have a fixable one."""
    out = []
    async for artifact in client.artifacts.iter_in_registry(registry_id, page_size=ARTIFACT_PAGE):
        meta = artifact.metadata
        if (meta.vuln_fixable_count or 0) > 0 and (meta.vuln_max_severity or "").lower() in SEVERE:
            repository = artifact.properties.repository_name or ""
            out.append(_Image(repository, artifact.digest, tuple(artifact.tags[:1])))
    return out


def _storage_finding(registry: Registry, was: int, now: int, protected: bool) -> Finding:
    grown = now - was
    percent = f" (+{100 * grown / was:.0f}%)" if was else ""
    detail = f"grew {human_bytes(grown)}{percent} since the last digest, to {human_bytes(now)}"
    return Finding(
        kind="storage",
        rank=STORAGE,
        registry=registry.name,
        protected=protected,
        subject=human_bytes(now),
        detail=detail,
        new=True,
    )


def _storage(registry: Registry) -> int | None:
    usage = registry.properties.storage_usage
    return usage.bytes if usage is not None else None

"""Following a registry while it changes: ``New`` → ``Running`` with a hostname, ``Deleting`` → gone.

One poller per registry, however many people follow it: 50 people waiting on the same new
registry cause one GET per interval, not 50. The interval starts near 2 s and grows to ~15 s;
a 429 is honoured (its Retry-After is waited out on top); transient failures (network, 5xx,
timeouts) are polled through; a settled state (running, failed, gone) ends the poller, and so
does the last follower leaving (a cancelled MCP call stops polling at once).

Time is injectable (``clock``, ``sleep``): tests step through provisioning on a virtual clock
without sleeping.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field

from tools.client import RegistryClient
from tools.errors import NetworkError, NotFoundError, RateLimitedError, RegistryError, RequestTimeoutError, ServerError
from tools.models import Registry

TRANSIENT = (NetworkError, RequestTimeoutError, ServerError)


def settled(state: str | None) -> bool:
    """Running (any case, as Terraform reads it), any FAILED… state, or gone (None)."""
    return state is None or state.lower() == "running" or state.lower().startswith("failed")


@dataclass(frozen=True)
class Pace:
    """Seconds between polls: ``first``, growing by ``factor`` up to ``ceiling``."""

    first: float = 2.0
    factor: float = 1.5
    ceiling: float = 15.0

    def intervals(self) -> Iterator[float]:
        wait = self.first
        while True:
            yield wait
            wait = min(self.ceiling, wait * self.factor)


@dataclass(frozen=True)
class Progress:
    """Where a followed registry is, as one follower sees it."""

    registry_id: str
    name: str
    state: str | None  # None once it is gone
    registry: Registry | None  # the last answer, when there was one
    elapsed: float
    timed_out: bool = False
    error: RegistryError | None = None

    @property
    def gone(self) -> bool:
        return self.state is None and self.error is None

    @property
    def done(self) -> bool:
        return self.error is not None or settled(self.state)

    @property
    def failed(self) -> bool:
        return self.state is not None and self.state.lower().startswith("failed")


Update = Callable[[Progress, bool], Awaitable[None]]


@dataclass(frozen=True)
class Followed:
    """A registry an answer left changing: what a front may follow."""

    registry_id: str
    name: str
    state: str


def elapsed_text(seconds: float) -> str:
    """``48 s``, ``2 min 5 s``, ``1 h 3 min``."""
    whole = int(seconds)
    if whole < 60:
        return f"{whole} s"
    if whole < 3600:
        return f"{whole // 60} min {whole % 60} s" if whole % 60 else f"{whole // 60} min"
    return f"{whole // 3600} h {whole % 3600 // 60} min"


def progress_line(p: Progress) -> str:
    """Where it got to, in words (the fronts add how to check again)."""
    took = elapsed_text(p.elapsed)
    if p.error is not None:
        return f"Stopped following {p.name} after {took}: {p.error.message}"
    if p.gone:
        return f"{p.name} is gone (deleted) after {took}."
    if p.failed:
        return f"{p.name} ended in state {p.state} after {took}: IONOS could not finish it."
    if settled(p.state):
        host = p.registry.properties.hostname if p.registry is not None else None
        return f"{p.name} is {p.state}{f' at {host}' if host else ''} after {took}."
    verb = "deleting" if (p.state or "").lower() == "deleting" else "provisioning"
    return f"{p.name} is still {verb} ({p.state}) after {took}; that is not an error, IONOS is still working on it."


@dataclass
class _Poll:
    """The one poller of one registry, and what its followers are waiting on."""

    state: str | None
    registry: Registry | None = None
    version: int = 0
    followers: int = 0
    polls: int = 0
    error: RegistryError | None = None
    task: asyncio.Task[None] | None = None
    tick: asyncio.Event = field(default_factory=asyncio.Event)

    def publish(self, registry: Registry | None) -> None:
        state = registry.state if registry is not None else None
        if state != self.state:
            self.version += 1
        self.state = state
        self.registry = registry or self.registry
        self.wake()

    def fail(self, error: RegistryError) -> None:
        self.error = error
        self.version += 1
        self.wake()

    def wake(self) -> None:
        self.tick.set()
        self.tick = asyncio.Event()

    @property
    def over(self) -> bool:
        return self.error is not None or settled(self.state)


class Followers:
    """Everyone following registries, with one poller per registry id."""

    def __init__(
        self,
        client: RegistryClient,
        *,
        pace: Pace | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.client = client
        self.pace = pace or Pace()
        self.clock = clock
        self.sleep = sleep
        self._polls: dict[str, _Poll] = {}

    def polling(self, registry_id: str) -> _Poll | None:
        """The poller of ``registry_id`` while anyone follows it (tests and benchmarks count its polls)."""
        return self._polls.get(registry_id)

    async def follow(
        self, registry_id: str, name: str, state: str, *, within: float, on_update: Update | None = None
    ) -> Progress:
        """Follow a registry (last seen in ``state``) until it settles or ``within`` seconds pass.

        ``on_update(progress, changed)`` hears every poll (``changed``: its state moved). Cancelling
        the caller leaves at once; the last follower leaving stops the poller."""
        poll = self._polls.get(registry_id)
        if poll is None:
            poll = self._polls[registry_id] = _Poll(state)
        poll.followers += 1
        started = self.clock()

        def progress(*, timed_out: bool = False) -> Progress:
            elapsed = self.clock() - started
            return Progress(registry_id, name, poll.state, poll.registry, elapsed, timed_out, poll.error)

        try:
            if poll.task is None and not poll.over:
                poll.task = asyncio.ensure_future(self._run(registry_id, poll))
            seen = poll.version
            while not poll.over:
                if self.clock() - started >= within:
                    return progress(timed_out=True)
                tick = poll.tick
                try:
                    await asyncio.wait_for(tick.wait(), max(0.001, within - (self.clock() - started)))
                except TimeoutError:
                    return progress(timed_out=True)
                if on_update is not None and not poll.over:
                    await on_update(progress(), poll.version != seen)
                seen = poll.version
            return progress()
        finally:
            poll.followers -= 1
            if poll.followers == 0:
                if poll.task is not None and not poll.task.done():
                    poll.task.cancel()
                self._polls.pop(registry_id, None)

    async def _run(self, registry_id: str, poll: _Poll) -> None:
        pace = self.pace.intervals()
        extra = 0.0
        while poll.followers > 0 and not poll.over:
            await self.sleep(next(pace) + extra)
            extra = 0.0
            poll.polls += 1
            try:
                found = await self.client.registries.get(registry_id)
            except NotFoundError:
                poll.publish(None)
                return
            except RateLimitedError as exc:
                extra = exc.retry_after or 0.0
                poll.wake()
                continue
            except TRANSIENT:
                poll.wake()
                continue
            except RegistryError as exc:
                poll.fail(exc)
                return
            poll.publish(found)

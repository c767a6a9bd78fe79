"""What replicas must share, behind one small interface: single-use claims, short-lived values, locks.

Two implementations, and nothing else knows which one runs: ``MemoryStore`` (one process; the
embedded default) and ``RedisStore`` (``REGISTRY_STATE_URL=redis://…``: Redis or Valkey), where
any number of replicas act as one. Every write carries an expiry, so nothing outlives its use.

When the store cannot be reached, calls raise ``StoreUnavailableError``: whatever depends on a claim
fails closed (a confirmation is refused, nothing runs), and the store recovers by itself (the
client reconnects on the next call).
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import time
from collections.abc import Awaitable, Callable
from typing import Protocol

from tools.errors import StoreUnavailableError


class StateStore(Protocol):
    name: str

    async def claim(self, key: str, ttl: float, owner: str = "1") -> bool:
        """Atomically mark ``key`` as taken (by ``owner``) for ``ttl`` seconds; False when someone already had it."""

    async def extend(self, key: str, owner: str, ttl: float) -> bool:
        """Keep ``key`` taken for another ``ttl`` seconds if ``owner`` still holds it; False when it was lost."""

    async def taken(self, key: str) -> bool:
        """Whether ``key`` is currently claimed (or holds a value)."""

    async def put(self, key: str, value: str, ttl: float) -> None: ...

    async def get(self, key: str) -> str | None: ...

    async def take(self, key: str) -> str | None:
        """Read and delete in one step: a value can be taken once, by one replica."""

    async def release(self, key: str) -> None: ...

    async def push(self, key: str, value: str, ttl: float) -> None:
        """Append to the queue ``key`` (which expires ``ttl`` seconds after the last push)."""

    async def pop(self, key: str) -> str | None:
        """Take the oldest value off the queue ``key``: each value is taken once, by one replica."""

    async def items(self, key: str) -> list[str]:
        """What the queue ``key`` holds, oldest first, without taking anything."""

    async def remove(self, key: str, value: str) -> None:
        """Take ``value`` out of the queue ``key`` wherever it is."""

    async def hit(self, key: str, window: float) -> tuple[int, float]:
        """Count one more in ``key``'s current window of ``window`` seconds (which starts at the
        first count): (the count, seconds until the window ends). Atomic across replicas."""

    async def ping(self) -> bool:
        """True when the store answers (health checks; never raises)."""

    async def aclose(self) -> None: ...


class MemoryStore:
    """One process's memory: right for one replica, and for tests."""

    name = "memory"

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self._items: dict[str, tuple[float, str]] = {}
        self._queues: dict[str, list[str]] = {}
        self._windows: dict[str, tuple[float, int]] = {}

    def _live(self, key: str) -> tuple[float, str] | None:
        found = self._items.get(key)
        if found is not None and found[0] <= self.clock():
            del self._items[key]
            return None
        return found

    def _sweep(self) -> None:
        now = self.clock()
        if len(self._items) > 1024:
            self._items = {k: v for k, v in self._items.items() if v[0] > now}

    async def claim(self, key: str, ttl: float, owner: str = "1") -> bool:
        self._sweep()
        if self._live(key) is not None:
            return False
        self._items[key] = (self.clock() + ttl, owner)
        return True

    async def extend(self, key: str, owner: str, ttl: float) -> bool:
        found = self._live(key)
        if found is None or found[1] != owner:
            return False
        self._items[key] = (self.clock() + ttl, owner)
        return True

    async def taken(self, key: str) -> bool:
        return self._live(key) is not None

    async def put(self, key: str, value: str, ttl: float) -> None:
        self._sweep()
        self._items[key] = (self.clock() + ttl, value)

    async def get(self, key: str) -> str | None:
        found = self._live(key)
        return found[1] if found else None

    async def take(self, key: str) -> str | None:
        found = self._live(key)
        self._items.pop(key, None)
        return found[1] if found else None

    async def release(self, key: str) -> None:
        self._items.pop(key, None)

    async def push(self, key: str, value: str, ttl: float) -> None:
        queue = self._queues.setdefault(key, [])
        queue.append(value)

    async def pop(self, key: str) -> str | None:
        queue = self._queues.get(key)
        return queue.pop(0) if queue else None

    async def items(self, key: str) -> list[str]:
        return list(self._queues.get(key, []))

    async def remove(self, key: str, value: str) -> None:
        queue = self._queues.get(key, [])
        self._queues[key] = [v for v in queue if v != value]

    async def hit(self, key: str, window: float) -> tuple[int, float]:
        now = self.clock()
        ends, count = self._windows.get(key, (0.0, 0))
        if ends <= now:
            ends, count = now + window, 0
            if len(self._windows) > 4096:
                self._windows = {k: v for k, v in self._windows.items() if v[0] > now}
        self._windows[key] = (ends, count + 1)
        return count + 1, ends - now

    async def ping(self) -> bool:
        return True

    async def aclose(self) -> None:
        return None


HIT = """
local n = redis.call('incr', KEYS[1])
if n == 1 then redis.call('pexpire', KEYS[1], ARGV[1]) end
return {n, redis.call('pttl', KEYS[1])}
"""
EXTEND_IF_OWNER = """
if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) end
return 0
"""


class RedisStore:
    """Redis or Valkey. Claims are ``SET key 1 NX PX ttl``: atomic across every replica."""

    name = "redis"

    def __init__(self, url: str, *, prefix: str = "ionos-registry-ops:", timeout: float = 2.0) -> None:
        from redis.asyncio import Redis  # noqa: PLC0415 - only when a store is configured

        self.prefix = prefix
        self._redis = Redis.from_url(
            url, socket_timeout=timeout, socket_connect_timeout=timeout, decode_responses=True, retry_on_timeout=False
        )
        self.url_for_humans = url.rsplit("@", maxsplit=1)[-1]  # never the password of redis://user:pass@host

    def _key(self, key: str) -> str:
        return self.prefix + key

    async def _call(self, what: str, call: Callable[[], object]) -> object:
        from redis.exceptions import RedisError  # noqa: PLC0415

        try:
            result = call()
            return await result if asyncio.iscoroutine(result) or isinstance(result, asyncio.Future) else result
        except (RedisError, OSError) as exc:
            raise StoreUnavailableError(
                f"the state store at {self.url_for_humans} did not answer ({what}: {type(exc).__name__})"
            ) from None

    async def claim(self, key: str, ttl: float, owner: str = "1") -> bool:
        done = await self._call(
            "claim", lambda: self._redis.set(self._key(key), owner, nx=True, px=max(1, int(ttl * 1000)))
        )
        return bool(done)

    async def extend(self, key: str, owner: str, ttl: float) -> bool:
        # Compare and extend in one step: between a GET and a PEXPIRE the lease could pass to another.
        done = await self._call(
            "extend", lambda: self._redis.eval(EXTEND_IF_OWNER, 1, self._key(key), owner, max(1, int(ttl * 1000)))
        )
        return bool(done)

    async def taken(self, key: str) -> bool:
        return bool(await self._call("check", lambda: self._redis.exists(self._key(key))))

    async def put(self, key: str, value: str, ttl: float) -> None:
        await self._call("put", lambda: self._redis.set(self._key(key), value, px=max(1, int(ttl * 1000))))

    async def get(self, key: str) -> str | None:
        found = await self._call("get", lambda: self._redis.get(self._key(key)))
        return str(found) if found is not None else None

    async def take(self, key: str) -> str | None:
        found = await self._call("take", lambda: self._redis.getdel(self._key(key)))
        return str(found) if found is not None else None

    async def release(self, key: str) -> None:
        await self._call("release", lambda: self._redis.delete(self._key(key)))

    async def push(self, key: str, value: str, ttl: float) -> None:
        async def both() -> None:
            async with self._redis.pipeline(transaction=True) as pipe:
                pipe.rpush(self._key(key), value)
                pipe.pexpire(self._key(key), max(1, int(ttl * 1000)))
                await pipe.execute()

        await self._call("push", both)

    async def pop(self, key: str) -> str | None:
        found = await self._call("pop", lambda: self._redis.lpop(self._key(key)))
        return str(found) if found is not None else None

    async def items(self, key: str) -> list[str]:
        found = await self._call("items", lambda: self._redis.lrange(self._key(key), 0, -1))
        return [str(v) for v in found] if isinstance(found, list) else []

    async def remove(self, key: str, value: str) -> None:
        await self._call("remove", lambda: self._redis.lrem(self._key(key), 0, value))

    async def hit(self, key: str, window: float) -> tuple[int, float]:
        # INCR and the window's expiry in one step: two replicas counting at once share one window.
        found = await self._call("count", lambda: self._redis.eval(HIT, 1, self._key(key), max(1, int(window * 1000))))
        count, left_ms = found if isinstance(found, list) else (1, window * 1000)
        return int(count), max(0.0, int(left_ms) / 1000)

    async def ping(self) -> bool:
        try:
            return bool(await asyncio.wait_for(self._redis.ping(), timeout=2.0))
        except Exception:  # a health check reports, it never raises
            return False

    async def aclose(self) -> None:
        await self._redis.aclose()


def open_store(url: str | None) -> StateStore:
    """``REGISTRY_STATE_URL`` → the store every replica shares; memory when unset."""
    return RedisStore(url) if url else MemoryStore()


class Lease:
    """A claim held while its work runs: renewed every third of its time, so it passes to another
    replica only when this one dies (or cannot reach the store), never because the work is slow."""

    def __init__(
        self,
        store: StateStore,
        key: str,
        ttl: float,
        *,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.store = store
        self.key = key
        self.ttl = ttl
        self.owner = secrets.token_hex(8)
        self.sleep = sleep
        self.lost = False
        self._keeper: asyncio.Task[None] | None = None

    async def take(self) -> bool:
        return await self.store.claim(self.key, self.ttl, self.owner)

    async def _keep(self) -> None:
        while True:
            await self.sleep(self.ttl / 3)
            try:
                still = await self.store.extend(self.key, self.owner, self.ttl)
            except StoreUnavailableError:
                continue  # the store away: it may come back before the lease runs out
            if not still:
                self.lost = True
                return

    async def __aenter__(self) -> Lease:
        self._keeper = asyncio.ensure_future(self._keep())
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._keeper is not None:
            self._keeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._keeper

    async def release(self) -> None:
        await self.store.release(self.key)

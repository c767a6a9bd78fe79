"""The periodic watch digest in ``REGISTRY_WATCH_CHANNEL``: one per interval, whatever the replicas.
With ``REGISTRY_WATCH_ROUTES`` each registry's findings go to the channel of the first matching
route instead (the rest still to ``REGISTRY_WATCH_CHANNEL``): one digest per channel per interval.

Time is cut into slots of ``REGISTRY_WATCH_INTERVAL`` seconds. Every replica looks every
``tick_every`` seconds (30, or a quarter of the interval when that is shorter): the first to claim
the slot's lease in the shared store runs the watch, posts what is new (nothing new: nothing
posted), then marks the slot done. The lease (5 minutes, or the interval when shorter) is renewed
while the run lasts, however long it takes; a replica that dies mid-run stops renewing it, it
runs out, and another replica runs that slot at its next look. So a digest is never lost, and never
posted twice while its replica lives (one dying in the instant between posting and marking the
slot done is the one case that repeats it).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable

from slack_sdk.web.async_client import AsyncWebClient

from bot import render
from bot.deps import forever
from tools.app import Core
from tools.state import Lease

logger = logging.getLogger("bot.watch")
LEASE = 300.0  # seconds one replica may take over a digest before another one may take it over


class Digests:
    def __init__(
        self,
        core: Core,
        slack: AsyncWebClient,
        channel: str | None,
        interval: float,
        *,
        routes: tuple[tuple[str, str], ...] = (),
        clock: Callable[[], float] = time.time,
        lease: float = LEASE,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.core = core
        self.slack = slack
        self.channel = channel
        self.routes = routes
        self.interval = interval
        self.clock = clock
        self.lease = min(lease, interval)
        self.tick_every = min(30.0, interval / 4)
        self.sleep = sleep

    def slot(self) -> int:
        return int(self.clock() // self.interval)

    async def tick(self) -> bool:
        """Run this slot's digest if nobody has (or is); True when this replica ran it."""
        slot, store = self.slot(), self.core.store
        done = f"watch:done:{slot}"
        lease = Lease(store, f"watch:lease:{slot}", self.lease, sleep=self.sleep)
        if await store.taken(done) or not await lease.take():
            return False
        try:
            async with lease:
                found = await self.core.watch.look(self.core.now())
                if lease.lost:  # the store was away longer than the lease: another replica has the slot
                    return False
                for channel, part in found.routed(self.routes, self.channel).items():
                    new = part.report(only_new=True)
                    if not new.empty:
                        digest = render.watch_report(new, "Registry watch")
                        digest = render.with_next_page(digest, "watch", "All findings")
                        await self.slack.chat_postMessage(channel=channel, **digest)
                await store.put(done, "1", self.interval * 2)
                await self.core.watch.remember(found.memory)
        except Exception:
            logger.exception("the watch digest failed; another look will retry it")
            await lease.release()
            return False
        return True

    async def run(self) -> None:
        await forever(self.tick_every, self.tick, what="the watch")

"""Rate limits per person, per front: reads and changes counted apart, in the shared store when there is
one (so every replica enforces one limit). One person's burst never slows another's answers: each
person has a window of their own, and a refused call costs one store round trip.

A store that cannot be reached does not stop anyone (the limit is a brake, not a safety rule; a
confirmation still fails closed on its own): the call goes on and the miss is logged.
"""

from __future__ import annotations

import logging

from tools import metrics
from tools.audit import Outcome
from tools.confirmation.records import Recorder
from tools.errors import StoreUnavailableError, TooManyCallsError
from tools.people import Caller
from tools.state import StateStore
from tools.values import Rate

logger = logging.getLogger("tools.limits")


class Limiter:
    def __init__(self, store: StateStore, reads: Rate, writes: Rate, recorder: Recorder) -> None:
        self.store = store
        self.reads = reads
        self.writes = writes
        self.recorder = recorder

    async def admit(self, caller: Caller, operation: str, ref: str | None, *, write: bool) -> None:
        """Count this call against the person's limit; over it, refuse (a refused change is audited)."""
        rate, kind = (self.writes, "write") if write else (self.reads, "read")
        if rate.count <= 0:
            return
        try:
            count, left = await self.store.hit(f"rate:{kind}:{caller.front}:{caller.actor}", rate.seconds)
        except StoreUnavailableError:
            logger.warning("rate limit not checked: the state store did not answer", exc_info=True)
            return
        if count <= rate.count:
            return
        metrics.count_rate_limited(caller.front, kind)
        setting = f"{'REGISTRY_WRITE_RATE_LIMIT' if write else 'REGISTRY_RATE_LIMIT'}={rate}"
        wait = max(1, round(left))
        if write:
            self.recorder.note(Outcome.DENIED, caller, (operation, ref), f"rate limited ({setting})")
        raise TooManyCallsError(f"rate limited: try again in {wait} s", retry_after=left, setting=setting)

"""The tests' clocks: nothing waits for real time to pass.

``FakeClock`` is the emulator's wall clock (provisioning steps by it), ``VirtualTime`` the
followers' clock and sleep (sleeping moves both), ``Clock`` the confirmations' clock (expiry).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta


class FakeClock:
    """A settable clock for the emulator: step through provisioning without sleeping."""

    def __init__(self) -> None:
        self.now = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@dataclass
class VirtualTime:
    """The followers' clock and sleep: sleeping moves this clock and the emulator's, at once."""

    emulator: FakeClock
    now: float = 0.0
    slept: list[float] = field(default_factory=list)

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds
        self.emulator.advance(seconds)
        await asyncio.sleep(0)


class Clock:
    """A settable wall clock (seconds) for confirmation expiry."""

    def __init__(self, start: float = 1_795_694_400.0) -> None:  # the emulator's FakeClock start
        self.now = start

    def __call__(self) -> float:
        return self.now

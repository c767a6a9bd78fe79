"""Waiting for work that runs after an ack, in another task or process: a bounded poll of a condition,
never a sleep that hopes the work is done."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any


async def eventually(check: Callable[[], Any], timeout: float = 20.0) -> Any:  # noqa: ASYNC109
    """Poll until ``check()`` is truthy: the work after an ack runs in the background."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        await asyncio.sleep(0.05)

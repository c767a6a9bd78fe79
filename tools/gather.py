"""Many calls at once, a bounded few at a time, results in order."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

T = TypeVar("T")


async def bounded(calls: list[Callable[[], Awaitable[T]]], workers: int) -> list[T]:
    """Every call's result, in order, ``workers`` at a time: a gather of thousands of waiting tasks
    (one per image) held more memory than the results themselves."""
    results: list[T | None] = [None] * len(calls)
    pending = iter(enumerate(calls))

    async def work() -> None:
        for index, call in pending:
            results[index] = await call()

    await asyncio.gather(*(work() for _ in range(min(workers, len(calls)))))
    return results  # type: ignore[return-value]

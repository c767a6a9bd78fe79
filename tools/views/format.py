"""Small text formats every view uses: sizes, moments, ages."""

from __future__ import annotations

from datetime import UTC, datetime


def human_bytes(count: int | None) -> str:
    if count is None:
        return "unknown"
    size = float(count)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if size < 1024 or unit == "TiB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    raise AssertionError("unreachable")  # pragma: no cover


def when(moment: datetime | None) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC") if moment else "?"


def day(moment: datetime | None) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d") if moment else "never"


def age(moment: datetime | None, now: datetime) -> str:
    """``3d ago`` / ``in 5d`` (hours under two days)."""
    if moment is None:
        return "never"
    seconds = (moment - now).total_seconds()
    hours = abs(seconds) / 3600
    amount = f"{hours:.0f}h" if hours < 48 else f"{hours / 24:.0f}d"
    return f"in {amount}" if seconds > 0 else f"{amount} ago"


def showing(offset: int, shown: int, total: int | None, next_cursor: str | None) -> str:
    """How much of a list this page is: ``showing 21-40 of 143`` (or ``… more follow`` without a total)."""
    if not shown:
        return f"{total} in all." if total else "Nothing here."
    span = f"{offset + 1}-{offset + shown}"
    if total is not None:
        return f"Showing {span} of {total}." if next_cursor or offset else f"All {total} shown."
    return f"Showing {span}; more follow." if next_cursor else f"Showing {span}; that is all."

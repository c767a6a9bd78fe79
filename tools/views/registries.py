"""Registry views: compact models both fronts show, and their plain-text lines.

They are what an MCP tool returns as structured output and what Slack renders as blocks;
``lines()`` gives the compact text both use (MCP text content, elicitation messages).
"""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from tools.models import WEEKDAYS, NameStatus, Registry, View
from tools.views.format import human_bytes


def schedule_text(days: list[str], time: str | None) -> str:
    """``Mon,Thu 01:30 UTC``; ``off`` when there is no schedule."""
    if not days:
        return "off"
    short = ",".join(d[:3] for d in sorted(days, key=lambda d: WEEKDAYS.index(d) if d in WEEKDAYS else 9))
    hhmm = (time or "")[:5]
    return f"{short} {hhmm} UTC".strip()


def allow_list_text(items: list[str]) -> str:
    return ", ".join(items) if items else "unrestricted (empty allow list)"


class RegistrySummary(View):
    """One registry, compact: what a list shows."""

    id: str
    name: str
    location: str
    state: str
    hostname: str | None = Field(description="Empty until provisioned")
    storage_bytes: int | None
    vulnerability_scanning: bool
    gc_schedule: str = Field(description="Garbage collection, e.g. 'Mon,Thu 01:30 UTC', or 'off'")

    @classmethod
    def of(cls, reg: Registry) -> RegistrySummary:
        return cls(**_summary_fields(reg))

    def line(self) -> str:
        host = self.hostname or "(no hostname yet)"
        scan = "scan on" if self.vulnerability_scanning else "scan off"
        return (
            f"{self.name} | {self.location} | {self.state} | {host} | "
            f"{human_bytes(self.storage_bytes)} | {scan} | GC {self.gc_schedule}"
        )


class RegistryDetail(RegistrySummary):
    """One registry in full."""

    gc_days: list[str]
    gc_time: str | None
    api_subnet_allow_list: list[str] = Field(description="Empty = unrestricted; 0.0.0.0/0 denies all traffic")
    created_by: str | None
    created_date: datetime | None
    last_modified_by: str | None
    last_modified_date: datetime | None
    storage_updated_at: datetime | None

    @classmethod
    def of(cls, reg: Registry) -> RegistryDetail:
        props, meta = reg.properties, reg.metadata
        schedule = props.garbage_collection_schedule
        return cls(
            **_summary_fields(reg),
            gc_days=list(schedule.days) if schedule else [],
            gc_time=schedule.time if schedule else None,
            api_subnet_allow_list=list(props.api_subnet_allow_list or []),
            created_by=meta.created_by,
            created_date=meta.created_date,
            last_modified_by=meta.last_modified_by,
            last_modified_date=meta.last_modified_date,
            storage_updated_at=props.storage_usage.updated_at if props.storage_usage else None,
        )

    def lines(self) -> list[str]:
        out = [
            f"{self.name} ({self.id})",
            f"  location {self.location}, state {self.state}, hostname {self.hostname or '(not yet allocated)'}",
            f"  storage {human_bytes(self.storage_bytes)}, vulnerability scanning "
            f"{'on' if self.vulnerability_scanning else 'off'}, GC {self.gc_schedule}",
            f"  API allow list: {allow_list_text(self.api_subnet_allow_list)}",
        ]
        if self.created_by or self.created_date:
            out.append(f"  created by {self.created_by or '?'} at {_when(self.created_date)}")
        if self.last_modified_by:
            out.append(f"  last modified by {self.last_modified_by} at {_when(self.last_modified_date)}")
        return out


class RegistryList(View):
    registries: list[RegistrySummary]
    next_cursor: str | None = Field(description="Pass as cursor to get the next page; null on the last page")
    more_available: bool

    def lines(self) -> list[str]:
        if not self.registries:
            return ["No registries match."]
        out = [r.line() for r in self.registries]
        if self.more_available:
            out.append(f"More available: call again with cursor={self.next_cursor}")
        else:
            out.append(f"{len(self.registries)} shown; that is all.")
        return out


class LocationList(View):
    locations: list[str]

    def lines(self) -> list[str]:
        return ["Locations: " + ", ".join(self.locations)]


class NameCheck(View):
    name: str
    status: NameStatus
    message: str

    def lines(self) -> list[str]:
        return [self.message]


class RegistryState(View):
    """A registry by id and name, and the state an operation left it in (what a front may follow)."""

    id: str
    name: str
    state: str

    def lines(self) -> list[str]:
        return []  # the operation's message already names it


class WriteResult(View):
    """The outcome of a create or an update."""

    message: str
    registry: RegistryDetail

    def lines(self) -> list[str]:
        return [self.message, *self.registry.lines()]


def _summary_fields(reg: Registry) -> dict[str, object]:
    props = reg.properties
    schedule = props.garbage_collection_schedule
    return {
        "id": reg.id,
        "name": props.name,
        "location": props.location,
        "state": reg.state,
        "hostname": props.hostname or None,
        "storage_bytes": props.storage_usage.bytes if props.storage_usage else None,
        "vulnerability_scanning": reg.scanning_enabled,
        "gc_schedule": schedule_text(list(schedule.days), schedule.time) if schedule else "off",
    }


def _when(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC") if moment else "?"

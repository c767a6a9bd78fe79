"""The inputs of the registry operations: one pydantic model per operation, shared by both fronts.

Field descriptions are written for an AI assistant (they become the MCP input schema);
the Slack grammar has its own words, declared with each operation.
"""

from __future__ import annotations

from typing import Annotated, Self

from pydantic import Field, model_validator

from tools.models import AllowList, InputModel, NetworkItem, RegistryName, RegistrySpec, UtcTime, Weekday

DEFAULT_GC_TIME = "01:23:00+00:00"
DEFAULT_LIMIT = 20

RegistryRef = Annotated[
    str,
    Field(min_length=1, max_length=253, description="Registry name, hostname or UUID"),
]
Location = Annotated[str, Field(min_length=1, max_length=64, description="Location id, e.g. de/fra")]
GcDays = Annotated[list[Weekday] | None, Field(description="GC weekdays")]
GcTime = Annotated[UtcTime | None, Field(description="GC time UTC, e.g. 01:30 (default 01:23)")]
NameFilter = Annotated[str | None, Field(max_length=63, description="Part of the name")]
Limit = Annotated[int, Field(ge=1, le=100, description="Page size (1-100)")]
Cursor = Annotated[str | None, Field(max_length=4096, description="next_cursor of the previous page")]
Scanning = Annotated[bool, Field(description="Vulnerability scanning (paid; irreversible)")]
ScanningOn = Annotated[bool | None, Field(description="true turns scanning on (irreversible)")]
AllowListArg = Annotated[AllowList | None, Field(description="The whole allow list; [] = unrestricted")]
AllowEntries = Annotated[
    list[NetworkItem] | None, Field(max_length=25, description="CIDRs or addresses, merged with the current list")
]
ClearGc = Annotated[bool, Field(description="Turn garbage collection off")]
NewName = Annotated[RegistryName | None, Field(description="Only to create with PUT on a new UUID")]
NewLocation = Annotated[str | None, Field(max_length=64, description="Only to create with PUT on a new UUID")]
NameToCheck = Annotated[str, Field(min_length=1, max_length=100, description="Name to check")]
Wait = Annotated[bool, Field(description="Answer once Running or gone")]
WaitTimeout = Annotated[int | None, Field(gt=0, description="Max seconds to wait")]


class Waits(InputModel):
    """``wait``: answer once the registry settles, not at once (MCP; Slack always follows)."""

    unbound = frozenset({"wait", "wait_timeout"})
    wait: Wait = False
    wait_timeout: WaitTimeout = None


class ListInput(InputModel):
    name_filter: NameFilter = None
    limit: Limit = DEFAULT_LIMIT
    cursor: Cursor = None


class RegistryRefInput(InputModel):
    """One registry by name, hostname or UUID."""

    registry: RegistryRef


class FollowRefInput(Waits, RegistryRefInput):  # this order lists ``registry`` first
    """One registry, and whether to follow it while it provisions or deletes."""


class NoInput(InputModel):
    pass


class NameInput(InputModel):
    name: NameToCheck


class SettingsInput(InputModel):
    """The settings a create or a replace sets in full (fields left out take their defaults)."""

    gc_days: GcDays = None
    gc_time: GcTime = None
    vulnerability_scanning: Scanning = True
    api_subnet_allow_list: AllowListArg = None

    @model_validator(mode="after")
    def _time_needs_days(self) -> Self:
        if self.gc_time is not None and not self.gc_days:
            raise ValueError("gc_time needs gc_days (a schedule has both)")
        return self

    def spec_for(self, name: str, location: str) -> RegistrySpec:
        """The POST/PUT body: these settings for the registry ``name`` in ``location``."""
        schedule = {"days": list(self.gc_days), "time": self.gc_time or DEFAULT_GC_TIME} if self.gc_days else None
        return RegistrySpec.model_validate(
            {
                "name": name,
                "location": location,
                "garbage_collection_schedule": schedule,
                "features": {"vulnerability_scanning": {"enabled": self.vulnerability_scanning}},
                "api_subnet_allow_list": self.api_subnet_allow_list,
            }
        )


class CreateInput(SettingsInput):
    name: RegistryName
    location: Location
    wait: Wait = False
    wait_timeout: WaitTimeout = None
    unbound = Waits.unbound

    def spec(self) -> RegistrySpec:
        return self.spec_for(self.name, self.location)


class UpdateInput(InputModel):
    registry: RegistryRef
    gc_days: GcDays = None
    gc_time: GcTime = None
    clear_gc_schedule: ClearGc = False
    vulnerability_scanning: ScanningOn = None
    api_subnet_allow_list: AllowListArg = None
    allow_add: AllowEntries = None
    allow_remove: AllowEntries = None

    @model_validator(mode="after")
    def _something_to_change(self) -> Self:
        if self.clear_gc_schedule and (self.gc_days or self.gc_time):
            raise ValueError("clear_gc_schedule cannot be combined with gc_days or gc_time")
        if self.api_subnet_allow_list is not None and (self.allow_add or self.allow_remove):
            raise ValueError("api_subnet_allow_list sets the whole list; use it, or allow_add/allow_remove, not both")
        both = {e.lower() for e in self.allow_add or []} & {e.lower() for e in self.allow_remove or []}
        if both:
            raise ValueError(f"{', '.join(sorted(both))} is both added and removed")
        if not (
            self.gc_days
            or self.gc_time
            or self.clear_gc_schedule
            or self.vulnerability_scanning is not None
            or self.api_subnet_allow_list is not None
            or self.allow_add
            or self.allow_remove
        ):
            raise ValueError(
                "nothing to change: give at least one of gc_days, gc_time, clear_gc_schedule, "
                "vulnerability_scanning, api_subnet_allow_list, allow_add, allow_remove"
            )
        return self


class ReplaceInput(SettingsInput):
    """Everything the registry should be; what is left out is reset (full replacement)."""

    registry: RegistryRef
    location: NewLocation = None
    name: NewName = None

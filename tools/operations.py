"""The catalogue both fronts expose: operations, their inputs and kinds, name-or-id resolution.

Fronts parse, call and render; the rules live here and in ``confirm.py``. Delete and
replace are planned and executed by ``confirm.Confirmer``; everything else runs here.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated, Self

from pydantic import Field, model_validator

from tools.audit import AuditLog, audited
from tools.client import RegistryClient
from tools.errors import InvalidInputError, NotFoundError
from tools.models import (
    AllowList,
    InputModel,
    NameStatus,
    Registry,
    RegistryName,
    RegistryPatch,
    RegistrySpec,
    UtcTime,
    Weekday,
    check_registry_name,
    is_registry_id,
)
from tools.views import LocationList, NameCheck, RegistryDetail, RegistryList, RegistrySummary, WriteResult


class Kind(StrEnum):
    READ = "read"
    WRITE = "write"
    DESTRUCTIVE = "destructive"


@dataclass(frozen=True)
class Operation:
    name: str
    title: str
    kind: Kind
    method: str
    idempotent: bool


CATALOGUE: dict[str, Operation] = {
    op.name: op
    for op in (
        Operation("list_registries", "List registries", Kind.READ, "GET", True),
        Operation("get_registry", "Show a registry", Kind.READ, "GET", True),
        Operation("list_locations", "List locations", Kind.READ, "GET", True),
        Operation("check_registry_name", "Check a registry name", Kind.READ, "HEAD", True),
        Operation("create_registry", "Create a registry", Kind.WRITE, "POST", False),
        Operation("update_registry", "Update a registry", Kind.WRITE, "PATCH", True),
        Operation("replace_registry", "Replace a registry", Kind.DESTRUCTIVE, "PUT", True),
        Operation("delete_registry", "Delete a registry", Kind.DESTRUCTIVE, "DELETE", True),
    )
}

# ---------------------------------------------------------------- shared argument types

RegistryRef = Annotated[
    str,
    Field(min_length=1, max_length=63, description="Registry name (e.g. prod-images) or UUID"),
]
Location = Annotated[
    str, Field(min_length=1, max_length=64, description="Location id from list_locations, e.g. de/fra")
]
GcDays = Annotated[
    list[Weekday] | None,
    Field(description="Garbage collection weekdays, e.g. ['Monday', 'Thursday']"),
]
GcTime = Annotated[UtcTime | None, Field(description="Garbage collection UTC time of day, e.g. 01:30")]
DEFAULT_GC_TIME = "01:23:00+00:00"


NameFilter = Annotated[str | None, Field(max_length=63, description="Case-insensitive part of the name")]
Limit = Annotated[int, Field(ge=1, le=100, description="Registries per page (1-100, default 20)")]
Cursor = Annotated[str | None, Field(max_length=4096, description="next_cursor of the previous page")]
Scanning = Annotated[bool, Field(description="Vulnerability scanning (paid add-on; cannot be turned off later)")]
ScanningChange = Annotated[bool | None, Field(description="True turns scanning on (it cannot be turned off)")]
AllowListArg = Annotated[
    AllowList | None,
    Field(description="IPv4/IPv6 addresses or CIDRs allowed to call the registry API; [] = unrestricted"),
]
ClearGc = Annotated[bool, Field(description="Turn garbage collection off")]
NewName = Annotated[RegistryName | None, Field(description="Only to create with PUT on a new UUID")]
NewLocation = Annotated[str | None, Field(max_length=64, description="Only to create with PUT on a new UUID")]
NameToCheck = Annotated[str, Field(min_length=1, max_length=100, description="The registry name to check")]
DEFAULT_LIMIT = 20


class ListInput(InputModel):
    name_filter: NameFilter = None
    limit: Limit = DEFAULT_LIMIT
    cursor: Cursor = None


class RegistryRefInput(InputModel):
    """get, delete: one registry by name or UUID."""

    registry: RegistryRef


class NameInput(InputModel):
    name: NameToCheck


class _SettingsInput(InputModel):
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


class CreateInput(_SettingsInput):
    name: RegistryName
    location: Location

    def spec(self) -> RegistrySpec:
        return self.spec_for(self.name, self.location)


class UpdateInput(InputModel):
    registry: RegistryRef
    gc_days: GcDays = None
    gc_time: GcTime = None
    clear_gc_schedule: ClearGc = False
    vulnerability_scanning: ScanningChange = None
    api_subnet_allow_list: AllowListArg = None

    @model_validator(mode="after")
    def _something_to_change(self) -> Self:
        if self.clear_gc_schedule and (self.gc_days or self.gc_time):
            raise ValueError("clear_gc_schedule cannot be combined with gc_days or gc_time")
        if (
            not (self.gc_days or self.gc_time or self.clear_gc_schedule)
            and self.vulnerability_scanning is None
            and self.api_subnet_allow_list is None
        ):
            raise ValueError(
                "nothing to change: give at least one of gc_days, gc_time, clear_gc_schedule, "
                "vulnerability_scanning, api_subnet_allow_list"
            )
        return self


class ReplaceInput(_SettingsInput):
    """Everything the registry should be; what is left out is reset (full replacement)."""

    registry: RegistryRef
    location: NewLocation = None
    name: NewName = None


# ---------------------------------------------------------------- resolution


async def resolve(client: RegistryClient, ref: str) -> Registry:
    """The registry named ``ref`` or with id ``ref``; NotFoundError suggests close names."""
    ref = ref.strip()
    if is_registry_id(ref):
        return await client.get_registry(ref)
    try:
        check_registry_name(ref)
    except ValueError:
        raise InvalidInputError.for_field("registry", "must be a registry name or a UUID") from None
    found = await client.find_registry(ref)
    if found is not None:
        return found
    close = await closest_names(client, ref)
    hint = f"Did you mean {', '.join(close)}?" if close else "List registries to see what exists."
    raise NotFoundError(f"no registry is named {ref!r}", status=404, hint=hint)


async def closest_names(client: RegistryClient, name: str, limit: int = 3) -> list[str]:
    names = [r.name async for r in client.iter_registries(page_size=1000)]
    return difflib.get_close_matches(name, names, n=limit, cutoff=0.6)


# ---------------------------------------------------------------- reads and additive writes


class Registries:
    """List, get, locations, name checks, create and update (delete/replace: ``Confirmer``)."""

    def __init__(self, client: RegistryClient, audit: AuditLog) -> None:
        self.client = client
        self.audit = audit

    async def list(self, query: ListInput) -> RegistryList:
        page = await self.client.list_registries(query.name_filter, query.limit, query.cursor)
        return RegistryList(
            registries=[RegistrySummary.of(r) for r in page.items],
            next_cursor=page.next_token,
            more_available=page.next_token is not None,
        )

    async def get(self, ref: str) -> RegistryDetail:
        return RegistryDetail.of(await resolve(self.client, ref))

    async def locations(self) -> LocationList:
        return LocationList(locations=sorted(loc.id for loc in await self.client.list_locations()))

    async def check_name(self, name: str) -> NameCheck:
        status = await self.client.check_name(name.strip())
        message = {
            NameStatus.AVAILABLE: f"{name!r} is available.",
            NameStatus.TAKEN: f"{name!r} is already in use (names are globally unique).",
            NameStatus.INVALID: f"{name!r} is not a valid registry name: it must be 3-63 lowercase letters, "
            "digits and hyphens, starting with a letter and ending with a letter or digit.",
        }[status]
        return NameCheck(name=name, status=status, message=message)

    async def create(self, inp: CreateInput, *, actor: str, front: str) -> WriteResult:
        spec = inp.spec()
        fields = sorted(k for k, v in spec.model_dump(exclude_none=True).items() if k not in ("name", "location"))
        with audited(self.audit, "create_registry", actor=actor, front=front, registry_name=inp.name, fields=fields):
            reg = await self.client.create_registry(spec)
        note = "" if reg.properties.hostname else " It is provisioning; the hostname appears when it is Running."
        return WriteResult(
            message=f"Created registry {reg.name} in {reg.properties.location}.{note}", registry=RegistryDetail.of(reg)
        )

    async def update(self, inp: UpdateInput, *, actor: str, front: str) -> WriteResult:
        current = await resolve(self.client, inp.registry)
        patch = patch_for(current, inp)
        fields = sorted(patch.model_fields_set)
        with audited(
            self.audit,
            "update_registry",
            actor=actor,
            front=front,
            registry_id=current.id,
            registry_name=current.name,
            fields=fields,
        ):
            reg = await self.client.update_registry(current.id, patch)
        return WriteResult(message=f"Updated {', '.join(fields)} of {reg.name}.", registry=RegistryDetail.of(reg))


def patch_for(current: Registry, inp: UpdateInput) -> RegistryPatch:
    """The PATCH body for ``inp``, completing a partial schedule from the current one."""
    values: dict[str, object] = {}
    if inp.clear_gc_schedule:
        values["garbage_collection_schedule"] = None
    elif inp.gc_days or inp.gc_time:
        existing = current.properties.garbage_collection_schedule
        days: Sequence[str] | None = inp.gc_days or (existing.days if existing else None)
        if not days:
            raise InvalidInputError.for_field("gc_days", "the registry has no GC schedule yet; give the days too")
        time = inp.gc_time or (existing.time if existing else DEFAULT_GC_TIME)
        values["garbage_collection_schedule"] = {"days": list(days), "time": time}
    if inp.vulnerability_scanning is not None:
        if not inp.vulnerability_scanning and current.scanning_enabled:
            raise InvalidInputError.for_field(
                "vulnerability_scanning", "cannot be turned off once enabled (IONOS rule)"
            )
        values["features"] = {"vulnerability_scanning": {"enabled": inp.vulnerability_scanning}}
    if inp.api_subnet_allow_list is not None:
        values["api_subnet_allow_list"] = inp.api_subnet_allow_list
    return RegistryPatch.model_validate(values)

"""Registries: the resource as the API returns it, and the inputs of its calls.

POST and PUT bodies are wrapped in ``properties``; the PATCH body is flat.
"""

from __future__ import annotations

import ipaddress
import re
from datetime import datetime, time
from enum import StrEnum
from typing import Annotated, Any, Literal, Self

from pydantic import AfterValidator, BeforeValidator, Field, model_validator
from pydantic.dataclasses import dataclass

from tools.models.wire import WIRE, InputModel, ResourceMetadata

NAME_PATTERN = r"^[a-z][-a-z0-9]{1,61}[a-z0-9]$"
UUID_PATTERN = r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$"
MAX_ALLOW_LIST = 25
WEEKDAYS: tuple[str, ...] = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")

_NAME_RE = re.compile(NAME_PATTERN)
_UUID_RE = re.compile(UUID_PATTERN)

NAME_RULE = (
    "3-63 characters: lowercase letters, digits and hyphens, starting with a letter and ending with a letter or digit"
)

Day = Literal["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


def check_registry_name(value: str) -> str:
    if not _NAME_RE.fullmatch(value):
        raise ValueError(f"must be {NAME_RULE}")
    return value


def check_registry_id(value: str) -> str:
    if not _UUID_RE.fullmatch(value):
        raise ValueError("must be a UUID such as 123e4567-e89b-12d3-a456-426614174000")
    return value.lower()


def is_registry_id(value: str) -> bool:
    return bool(_UUID_RE.fullmatch(value))


def _title_day(value: Any) -> Any:
    """Accept ``monday``/``MON`` as well as ``Monday``; the wire form is always ``Monday``."""
    if isinstance(value, str):
        for day in WEEKDAYS:
            if value.strip().lower() in (day.lower(), day[:3].lower()):
                return day
    return value


def _utc_time_of_day(value: Any) -> Any:
    """Normalise ``01:30``, ``01:30:00``, ``01:30Z`` or ``01:30:00+00:00`` to ``01:30:00+00:00``."""
    if not isinstance(value, str):
        return value
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    if re.match(r"^\d:\d\d", text):  # 1:30 as people type it
        text = "0" + text
    try:
        parsed = time.fromisoformat(text)
    except ValueError:
        raise ValueError("must be a UTC time of day such as 01:30 or 01:30:00+00:00") from None
    offset = parsed.utcoffset()
    if offset is not None and offset.total_seconds() != 0:
        raise ValueError("must be in UTC (offset +00:00 or Z)")
    return parsed.replace(tzinfo=None, microsecond=0).isoformat() + "+00:00"


def _check_network(value: str) -> str:
    try:
        ipaddress.ip_network(value.strip(), strict=False)
    except ValueError:
        raise ValueError(f"{value!r} is not an IPv4/IPv6 address or CIDR (for example 203.0.113.0/24)") from None
    return value.strip()


RegistryName = Annotated[
    str,
    AfterValidator(check_registry_name),
    Field(
        min_length=3,
        max_length=63,
        json_schema_extra={"pattern": NAME_PATTERN},
        description="Registry name (globally unique; becomes the hostname)",
    ),
]
RegistryId = Annotated[str, AfterValidator(check_registry_id), Field(json_schema_extra={"format": "uuid"})]
Weekday = Annotated[Day, BeforeValidator(_title_day)]
UtcTime = Annotated[
    str,
    BeforeValidator(_utc_time_of_day),
    Field(description="UTC time of day, for example 01:30:00+00:00", examples=["01:30:00+00:00"]),
]
NetworkItem = Annotated[str, AfterValidator(_check_network)]
AllowList = Annotated[
    list[NetworkItem],
    Field(
        max_length=MAX_ALLOW_LIST,
        description="IPv4/IPv6 addresses or CIDRs allowed to use the registry API; empty = unrestricted",
    ),
]


# ---------------------------------------------------------------- responses


@dataclass(slots=True, config=WIRE)
class WeeklySchedule:
    days: list[str]
    time: str


@dataclass(slots=True, config=WIRE)
class VulnerabilityScanning:
    """The API also sends a free-form ``properties`` object; nothing uses it, so it is not kept."""

    enabled: bool


@dataclass(slots=True, config=WIRE)
class RegistryFeatures:
    vulnerability_scanning: VulnerabilityScanning | None = None


@dataclass(slots=True, config=WIRE)
class StorageUsage:
    bytes: int | None = None
    updated_at: datetime | None = None


@dataclass(slots=True, config=WIRE)
class RegistryProperties:
    name: str
    location: str
    hostname: str | None = None
    garbage_collection_schedule: WeeklySchedule | None = None
    storage_usage: StorageUsage | None = None
    features: RegistryFeatures | None = None
    api_subnet_allow_list: list[str] | None = None


@dataclass(slots=True, config=WIRE)
class Registry:
    """A registry as the API returns it (``RegistryResponse``)."""

    id: str
    properties: RegistryProperties
    metadata: ResourceMetadata = Field(default_factory=ResourceMetadata)
    type: str | None = None
    href: str | None = None

    @property
    def name(self) -> str:
        return self.properties.name

    @property
    def state(self) -> str:
        return self.metadata.state or "unknown"

    @property
    def scanning_enabled(self) -> bool:
        features = self.properties.features
        scanning = features.vulnerability_scanning if features else None
        return bool(scanning and scanning.enabled)


@dataclass(slots=True, config=WIRE)
class PaginationLinks:
    next: str | None = None
    previous: str | None = None
    self_: str | None = Field(default=None, alias="self")


@dataclass(slots=True, config=WIRE)
class RegistryPagination:
    limit: int | None = None
    token: str | None = None


@dataclass(slots=True, config=WIRE)
class RegistriesResponse:
    """The list envelope exactly as the API sends it."""

    items: list[Registry] | None = None
    pagination: RegistryPagination | None = None
    links: PaginationLinks | None = Field(default=None, alias="_links")


@dataclass(slots=True)
class RegistryPage:
    """One page of registries and the opaque token of the next page (None on the last)."""

    items: list[Registry]
    next_token: str | None = None

    @classmethod
    def from_response(cls, response: RegistriesResponse) -> RegistryPage:
        token = response.pagination.token if response.pagination else None
        links_next = response.links.next if response.links else None
        last = not token or (response.links is not None and not links_next)
        return cls(items=response.items or [], next_token=None if last else token)


@dataclass(slots=True, config=WIRE)
class Location:
    id: str


@dataclass(slots=True, config=WIRE)
class LocationsResponse:
    items: list[Location] | None = None


class NameStatus(StrEnum):
    """Result of the name check (the API answers 200 = taken, 404 = available, 400 = invalid)."""

    AVAILABLE = "available"
    TAKEN = "taken"
    INVALID = "invalid"


# ---------------------------------------------------------------- operation inputs


class WeeklyScheduleInput(InputModel):
    """Garbage collection schedule: weekdays and a UTC time of day."""

    days: Annotated[list[Weekday], Field(min_length=1, max_length=7)]
    time: UtcTime = "01:23:00+00:00"

    @model_validator(mode="after")
    def _unique_days(self) -> Self:
        self.days = sorted(set(self.days), key=WEEKDAYS.index)
        return self


class VulnerabilityScanningInput(InputModel):
    enabled: bool


class RegistryFeaturesInput(InputModel):
    vulnerability_scanning: VulnerabilityScanningInput | None = None


class RegistrySpec(InputModel):
    """Everything a registry is made of: the body of POST (create) and PUT (replace)."""

    name: RegistryName
    location: Annotated[str, Field(min_length=1, max_length=64, description="Location id, e.g. de/fra")]
    garbage_collection_schedule: WeeklyScheduleInput | None = None
    features: RegistryFeaturesInput | None = None
    api_subnet_allow_list: AllowList | None = None

    def to_body(self) -> dict[str, Any]:
        return {"properties": self.model_dump(by_alias=True, exclude_none=True)}


class RegistryPatch(InputModel):
    """A partial update (PATCH, flat body). Fields left out stay as they are.

    ``garbage_collection_schedule=None`` given explicitly clears the schedule;
    ``api_subnet_allow_list=[]`` removes every restriction.
    """

    garbage_collection_schedule: WeeklyScheduleInput | None = None
    features: RegistryFeaturesInput | None = None
    api_subnet_allow_list: AllowList | None = None

    @model_validator(mode="after")
    def _not_empty(self) -> Self:
        if not self.model_fields_set:
            raise ValueError(
                "an update needs at least one of garbage_collection_schedule, features, api_subnet_allow_list"
            )
        return self

    def to_body(self) -> dict[str, Any]:
        body = self.model_dump(by_alias=True, exclude_unset=True)
        # Only the schedule has a meaningful null (clear it); other nulls mean "leave as is".
        return {k: v for k, v in body.items() if v is not None or k == "garbageCollectionSchedule"}


class ListQuery(InputModel):
    name_filter: Annotated[str | None, Field(max_length=63)] = None
    limit: Annotated[int, Field(ge=1, le=1000)] = 100
    page_token: Annotated[str | None, Field(max_length=4096)] = None

"""Body validation of the emulated API: every rule the real API enforces, written independently."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Collection
from datetime import time
from typing import Any

DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
NAME_RE = re.compile(r"^[a-z][-a-z0-9]{1,61}[a-z0-9]$")
MAX_ALLOW_LIST = 25
PROPERTY_KEYS = {"name", "location", "garbageCollectionSchedule", "features", "apiSubnetAllowList"}
PATCH_KEYS = {"garbageCollectionSchedule", "features", "apiSubnetAllowList"}


class BodyError(ValueError):
    """A request body that breaks a rule; the message names the field."""


def check_properties(props: Any, locations: Collection[str]) -> dict[str, Any]:
    """Validate ``PostRegistryProperties`` (POST and PUT); return it normalised."""
    if not isinstance(props, dict):
        raise BodyError("properties must be an object")
    _no_unknown(props, PROPERTY_KEYS, "properties.")
    name = props.get("name")
    if not isinstance(name, str) or not NAME_RE.fullmatch(name):
        raise BodyError(
            "properties.name is required and must match ^[a-z][-a-z0-9]{1,61}[a-z0-9]$ "
            "(3-63 lowercase letters, digits, hyphens)"
        )
    location = props.get("location")
    if not isinstance(location, str) or location not in locations:
        raise BodyError(f"properties.location is required and must be one of: {', '.join(sorted(locations))}")
    out: dict[str, Any] = {"name": name, "location": location}
    out.update(_optional_parts(props, "properties."))
    return out


def check_patch_body(body: Any) -> dict[str, Any]:
    """Validate ``PatchRegistryInput`` (flat, all optional); return the changes."""
    if not isinstance(body, dict):
        raise BodyError("body must be an object")
    for key in ("name", "location"):
        if key in body:
            raise BodyError(f"{key} cannot be changed with PATCH")
    _no_unknown(body, PATCH_KEYS, "")
    return _optional_parts(body, "")


def _optional_parts(data: dict[str, Any], prefix: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if "garbageCollectionSchedule" in data:
        out["garbageCollectionSchedule"] = _schedule(data["garbageCollectionSchedule"], prefix)
    if "features" in data:
        out["features"] = _features(data["features"], prefix)
    if "apiSubnetAllowList" in data:
        out["apiSubnetAllowList"] = _allow_list(data["apiSubnetAllowList"], prefix)
    return out


def _no_unknown(data: dict[str, Any], allowed: set[str], prefix: str) -> None:
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise BodyError(f"unknown field(s): {', '.join(prefix + k for k in unknown)}")


def _schedule(value: Any, prefix: str) -> dict[str, Any] | None:
    field = prefix + "garbageCollectionSchedule"
    if value is None:
        return None
    if not isinstance(value, dict) or set(value) - {"days", "time"}:
        raise BodyError(f"{field} must be an object with days and time")
    days = value.get("days")
    if not isinstance(days, list) or not days or any(d not in DAYS for d in days):
        raise BodyError(f"{field}.days must be a non-empty list of {', '.join(DAYS)}")
    return {"days": list(dict.fromkeys(days)), "time": _utc_time(value.get("time"), field + ".time")}


def _utc_time(value: Any, field: str) -> str:
    if not isinstance(value, str):
        raise BodyError(f"{field} is required (a UTC time such as 01:23:00+00:00)")
    text = value[:-1] + "+00:00" if value.endswith("Z") else value
    try:
        parsed = time.fromisoformat(text)
    except ValueError:
        raise BodyError(f"{field} must be a time such as 01:23:00+00:00") from None
    offset = parsed.utcoffset()
    if offset is not None and offset.total_seconds():
        raise BodyError(f"{field} must be in UTC")
    return parsed.replace(tzinfo=None).strftime("%H:%M:%S") + "+00:00"


def _features(value: Any, prefix: str) -> dict[str, Any]:
    field = prefix + "features"
    if not isinstance(value, dict) or set(value) - {"vulnerabilityScanning"}:
        raise BodyError(f"{field} must be an object with vulnerabilityScanning")
    scanning = value.get("vulnerabilityScanning")
    if scanning is None:
        return {}
    if not isinstance(scanning, dict) or not isinstance(scanning.get("enabled"), bool):
        raise BodyError(f"{field}.vulnerabilityScanning.enabled is required and must be a boolean")
    return {"vulnerabilityScanning": {"enabled": scanning["enabled"]}}


def _allow_list(value: Any, prefix: str) -> list[str]:
    field = prefix + "apiSubnetAllowList"
    if value is None:
        return []
    if not isinstance(value, list) or len(value) > MAX_ALLOW_LIST:
        raise BodyError(f"{field} must be a list of at most {MAX_ALLOW_LIST} addresses or CIDRs")
    for item in value:
        try:
            ipaddress.ip_network(item, strict=False)
        except (TypeError, ValueError):
            raise BodyError(f"{field} item {item!r} is not an IPv4/IPv6 address or CIDR") from None
    return list(value)

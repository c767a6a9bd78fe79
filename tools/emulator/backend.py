"""State and rules of the emulated Container Registry API, with no HTTP.

An independent implementation of the contract (it imports nothing from ``tools``),
so it can catch the client's mistakes. The documented behaviour comes from the
1.2.x spec; where the real API is undocumented, the choices are in ``__init__``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from .samples import LOCATIONS, sample_registries
from .validation import BodyError, check_patch_body, check_properties

NAME_RE = re.compile(r"^[a-z][-a-z0-9]{1,61}[a-z0-9]$")
UUID_RE = re.compile(r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")
MAX_LIMIT = 1000


class EmulatorError(Exception):
    """An API error: HTTP status, IONOS errorCode and message."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class StoredRegistry:
    id: str
    name: str
    location: str
    created_by: str
    created_at: datetime
    schedule: dict[str, Any] | None = None
    scanning: bool = True
    allow_list: list[str] = field(default_factory=list)
    storage_bytes: int = 0
    storage_updated_at: datetime | None = None
    modified_by: str | None = None
    modified_at: datetime | None = None
    deleting_since: datetime | None = None


def user_id_of(actor: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "ionos-user:" + actor))


class Backend:
    """All registries of one emulated contract.

    ``clock`` is injectable so tests can step through provisioning without sleeping.
    """

    def __init__(
        self,
        *,
        seed: int = 0,
        provision_seconds: float = 0.0,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.seed = seed
        self.provision = timedelta(seconds=provision_seconds)
        self.clock = clock or (lambda: datetime.now(UTC))
        self._by_id: dict[str, StoredRegistry] = {}
        self._sorted: list[StoredRegistry] | None = None
        self.on_forget: list[Callable[[str], None]] = []  # told when a registry is gone for good
        self.reset()

    # ------------------------------------------------------------ housekeeping

    def seeded(self) -> list[StoredRegistry]:
        """The registries in the order the seed made them (content is seeded in the same order)."""
        return list(self._by_id.values())

    def reset(self) -> None:
        """Back to the seeded state."""
        self._by_id = {}
        now = self.clock()
        for raw in sample_registries(self.seed, now):
            reg = StoredRegistry(**raw)
            self._by_id[reg.id] = reg
        self._sorted = None

    def _sweep(self) -> None:
        now = self.clock()
        gone = [r.id for r in self._by_id.values() if r.deleting_since and now >= r.deleting_since + self.provision]
        for rid in gone:
            del self._by_id[rid]
            for forget in self.on_forget:
                forget(rid)
        if gone:
            self._sorted = None

    def _ordered(self) -> list[StoredRegistry]:
        if self._sorted is None:
            self._sorted = sorted(self._by_id.values(), key=lambda r: r.name)
        return self._sorted

    def _state(self, reg: StoredRegistry) -> str:
        if reg.deleting_since is not None:
            return "Deleting"
        return "Running" if self.clock() >= reg.created_at + self.provision else "New"

    def render(self, reg: StoredRegistry) -> dict[str, Any]:
        state = self._state(reg)
        hostname = f"{reg.name}.cr.{reg.location.replace('/', '-')}.ionos.com" if state != "New" else ""
        return {
            "id": reg.id,
            "type": "registry",
            "href": "",
            "metadata": {
                "createdBy": reg.created_by,
                "createdByUserId": user_id_of(reg.created_by),
                "createdDate": _iso(reg.created_at),
                "lastModifiedBy": reg.modified_by,
                "lastModifiedByUserId": user_id_of(reg.modified_by) if reg.modified_by else None,
                "lastModifiedDate": _iso(reg.modified_at),
                "state": state,
            },
            "properties": {
                "name": reg.name,
                "location": reg.location,
                "hostname": hostname,
                "garbageCollectionSchedule": reg.schedule,
                "storageUsage": {"bytes": reg.storage_bytes, "updatedAt": _iso(reg.storage_updated_at)},
                "features": {"vulnerabilityScanning": {"enabled": reg.scanning, "properties": {}}},
                "apiSubnetAllowList": list(reg.allow_list),
            },
        }

    # ------------------------------------------------------------ reads

    def list(self, name_filter: str | None, limit_text: str | None, token: str | None) -> dict[str, Any]:
        self._sweep()
        limit = _parse_limit(limit_text)
        after = _decode_token(token) if token else None
        needle = (name_filter or "").lower()
        matches = [r for r in self._ordered() if needle in r.name.lower()]
        if after is not None:
            matches = [r for r in matches if r.name > after]
        page, rest = matches[:limit], matches[limit:]
        next_token = _encode_token(page[-1].name) if rest and page else ""
        return {
            "id": "registries",
            "type": "collection",
            "href": "",
            "items": [self.render(r) for r in page],
            "pagination": {"limit": limit, "token": next_token},
            "_links": _links(name_filter, limit, token, next_token),
        }

    def get(self, registry_id: str) -> StoredRegistry:
        self._sweep()
        rid = _check_id(registry_id)
        reg = self._by_id.get(rid)
        if reg is None:
            raise EmulatorError(404, "NOT_FOUND", f"registry {rid} does not exist")
        return reg

    def name_in_use(self, name: str) -> bool:
        self._sweep()
        if not NAME_RE.fullmatch(name):
            raise EmulatorError(400, "INVALID_NAME", f"{name!r} is not a valid registry name")
        return any(r.name == name for r in self._by_id.values())

    # ------------------------------------------------------------ writes

    def create(self, body: Any, actor: str, registry_id: str | None = None) -> StoredRegistry:
        self._sweep()
        props = _properties(body)
        if any(r.name == props["name"] for r in self._by_id.values()):
            raise EmulatorError(409, "NAME_ALREADY_IN_USE", f"registry name {props['name']!r} is already used")
        now = self.clock()
        scanning = props.get("features", {}).get("vulnerabilityScanning", {}).get("enabled", True)
        reg = StoredRegistry(
            id=registry_id or str(uuid.uuid4()),
            name=props["name"],
            location=props["location"],
            created_by=actor,
            created_at=now,
            schedule=props.get("garbageCollectionSchedule"),
            scanning=scanning,
            allow_list=props.get("apiSubnetAllowList", []),
            storage_updated_at=now,
        )
        self._by_id[reg.id] = reg
        self._sorted = None
        return reg

    def replace(self, registry_id: str, body: Any, actor: str) -> StoredRegistry:
        """PUT: create when unknown; otherwise replace every mutable field."""
        rid = _check_id(registry_id)
        self._sweep()
        reg = self._by_id.get(rid)
        if reg is None:
            return self.create(body, actor, registry_id=rid)
        self._writable(reg)
        props = _properties(body)
        for key, current in (("name", reg.name), ("location", reg.location)):
            if props[key] != current:
                raise EmulatorError(400, "IMMUTABLE_FIELD", f"properties.{key} cannot be changed (is {current!r})")
        scanning = props.get("features", {}).get("vulnerabilityScanning", {}).get("enabled", True)
        self._check_scanning(reg, scanning)
        reg.schedule = props.get("garbageCollectionSchedule")
        reg.scanning = scanning
        reg.allow_list = props.get("apiSubnetAllowList", [])
        self._touch(reg, actor)
        return reg

    def patch(self, registry_id: str, body: Any, actor: str) -> StoredRegistry:
        reg = self.get(registry_id)
        self._writable(reg)
        try:
            changes = check_patch_body(body)
        except BodyError as exc:
            raise EmulatorError(400, "VALIDATION_FAILED", str(exc)) from None
        if "garbageCollectionSchedule" in changes:
            reg.schedule = changes["garbageCollectionSchedule"]
        if "features" in changes:
            scanning = changes["features"].get("vulnerabilityScanning", {}).get("enabled", reg.scanning)
            self._check_scanning(reg, scanning)
            reg.scanning = scanning
        if "apiSubnetAllowList" in changes:
            reg.allow_list = changes["apiSubnetAllowList"]
        self._touch(reg, actor)
        return reg

    def delete(self, registry_id: str) -> None:
        """Asynchronous: the registry shows state Deleting, then disappears."""
        reg = self.get(registry_id)
        if reg.deleting_since is None:
            reg.deleting_since = self.clock()
        self._sweep()

    def _writable(self, reg: StoredRegistry) -> None:
        if reg.deleting_since is not None:
            raise EmulatorError(409, "REGISTRY_DELETING", f"registry {reg.id} is being deleted")

    def _check_scanning(self, reg: StoredRegistry, enabled: bool) -> None:
        if reg.scanning and not enabled:
            raise EmulatorError(
                400,
                "FEATURE_CANNOT_BE_DISABLED",
                "features.vulnerabilityScanning cannot be turned off once enabled",
            )

    def _touch(self, reg: StoredRegistry, actor: str) -> None:
        reg.modified_by = actor
        reg.modified_at = self.clock()


def _check_id(value: str) -> str:
    if not UUID_RE.fullmatch(value):
        raise EmulatorError(400, "INVALID_ID", f"{value!r} is not a valid UUID")
    return value.lower()


def _properties(body: Any) -> dict[str, Any]:
    if not isinstance(body, dict) or not isinstance(body.get("properties"), dict):
        raise EmulatorError(400, "VALIDATION_FAILED", "body must be an object with a 'properties' object")
    extra = set(body) - {"properties"}
    if extra:
        raise EmulatorError(400, "VALIDATION_FAILED", f"unknown field(s): {', '.join(sorted(extra))}")
    try:
        return check_properties(body["properties"], LOCATIONS)
    except BodyError as exc:
        raise EmulatorError(400, "VALIDATION_FAILED", str(exc)) from None


def _parse_limit(text: str | None) -> int:
    if text is None:
        return 100
    try:
        limit = int(text)
    except ValueError:
        limit = 0
    if not 1 <= limit <= MAX_LIMIT:
        raise EmulatorError(400, "INVALID_LIMIT", f"limit must be an integer from 1 to {MAX_LIMIT}")
    return limit


def _encode_token(after: str) -> str:
    raw = json.dumps({"v": 1, "after": after, "h": hashlib.sha256(after.encode()).hexdigest()[:8]})
    return base64.urlsafe_b64encode(raw.encode()).decode()


def _decode_token(token: str) -> str:
    try:
        data = json.loads(base64.urlsafe_b64decode(token.encode()))
        after = data["after"]
        if data.get("v") != 1 or hashlib.sha256(after.encode()).hexdigest()[:8] != data.get("h"):
            raise ValueError(token)
    except (ValueError, KeyError, TypeError, binascii.Error):
        raise EmulatorError(400, "INVALID_PAGINATION_TOKEN", "pagination.token is not valid") from None
    return str(after)


def _links(name_filter: str | None, limit: int, token: str | None, next_token: str) -> dict[str, str]:
    def link(tok: str | None) -> str:
        query = f"limit={limit}"
        if name_filter:
            query += f"&filter.name={name_filter}"
        if tok:
            query += f"&pagination.token={tok}"
        return f"/containerregistries/registries?{query}"

    return {"self": link(token), "next": link(next_token) if next_token else "", "previous": ""}

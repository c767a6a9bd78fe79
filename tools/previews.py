"""What a human sees before a delete or a replace: blast radius, field-by-field diff, fingerprint.

Previews are deterministic (no clock, no nonce): the MCP SDK matches an elicitation
answer to the exact question it answered, so the same state must render the same text.
"""

from __future__ import annotations

import hashlib
import json
from typing import Literal

from pydantic import BaseModel

from tools.models import Registry, RegistrySpec
from tools.views import RegistryDetail, allow_list_text, human_bytes, schedule_text

DENY_ALL = {"0.0.0.0/0", "::/0"}


def fingerprint(reg: Registry) -> str:
    """A digest of everything a delete or replace depends on (not storage counters)."""
    props = reg.properties
    schedule = props.garbage_collection_schedule
    state = {
        "id": reg.id,
        "name": props.name,
        "location": props.location,
        "state": reg.state,
        "schedule": [list(schedule.days), schedule.time] if schedule else None,
        "scanning": reg.scanning_enabled,
        "allow": list(props.api_subnet_allow_list or []),
        "modified": reg.metadata.last_modified_date.isoformat() if reg.metadata.last_modified_date else None,
    }
    return hashlib.sha256(json.dumps(state, sort_keys=True).encode()).hexdigest()[:16]


class FieldChange(BaseModel):
    field: str
    current: str
    new: str
    note: str | None = None


class Preview(BaseModel):
    operation: Literal["delete_registry", "replace_registry"]
    registry: RegistryDetail
    changes: list[FieldChange]
    warnings: list[str]
    fingerprint: str

    def lines(self) -> list[str]:
        reg = self.registry
        if self.operation == "delete_registry":
            out = [
                f"DELETE registry {reg.name} ({reg.id})",
                f"  hostname {reg.hostname or '(none)'}, location {reg.location}, state {reg.state}",
                f"  storage used {human_bytes(reg.storage_bytes)}",
                f"  created by {reg.created_by or '?'} at "
                f"{reg.created_date.strftime('%Y-%m-%d %H:%M UTC') if reg.created_date else '?'}",
            ]
        else:
            out = [f"REPLACE registry {reg.name} ({reg.id}) in {reg.location}: full replacement (PUT)"]
            out += [f"  {c.field}: {c.current} -> {c.new}" + (f"  [{c.note}]" if c.note else "") for c in self.changes]
        out += [f"  ! {w}" for w in self.warnings]
        out.append(f"  state fingerprint {self.fingerprint}")
        return out

    def text(self) -> str:
        return "\n".join(self.lines())


def delete_preview(reg: Registry) -> Preview:
    detail = RegistryDetail.of(reg)
    warnings = [
        "Every image, tag and artifact in it is lost, and every token for it stops working. This cannot be undone.",
        f"Clients pulling from {detail.hostname or detail.name} will fail.",
    ]
    return Preview(
        operation="delete_registry", registry=detail, changes=[], warnings=warnings, fingerprint=fingerprint(reg)
    )


def replace_preview(reg: Registry, spec: RegistrySpec) -> Preview:
    detail = RegistryDetail.of(reg)
    changes: list[FieldChange] = []
    warnings: list[str] = []

    new_schedule = spec.garbage_collection_schedule
    old_gc = detail.gc_schedule
    new_gc = schedule_text(list(new_schedule.days), new_schedule.time) if new_schedule else "off"
    if old_gc != new_gc:
        note = "reset: garbage collection becomes disabled" if new_schedule is None else None
        changes.append(FieldChange(field="garbage collection", current=old_gc, new=new_gc, note=note))

    features = spec.features
    new_scan = bool(features and features.vulnerability_scanning and features.vulnerability_scanning.enabled)
    if detail.vulnerability_scanning != new_scan:
        changes.append(
            FieldChange(
                field="vulnerability scanning",
                current="on" if detail.vulnerability_scanning else "off",
                new="on" if new_scan else "off",
                note="paid add-on; cannot be turned off again" if new_scan else None,
            )
        )

    old_allow, new_allow = detail.api_subnet_allow_list, list(spec.api_subnet_allow_list or [])
    if old_allow != new_allow:
        note = "reset: the API becomes reachable from anywhere (unrestricted)" if not new_allow else None
        changes.append(
            FieldChange(
                field="API allow list", current=allow_list_text(old_allow), new=allow_list_text(new_allow), note=note
            )
        )
    if DENY_ALL & set(new_allow):
        warnings.append("0.0.0.0/0 (or ::/0) in the allow list DENIES all traffic on IONOS; it does not allow all.")
    return Preview(
        operation="replace_registry", registry=detail, changes=changes, warnings=warnings, fingerprint=fingerprint(reg)
    )

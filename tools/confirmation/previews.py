"""What a person sees before a confirmed change: the target, its blast radius, a field-by-field diff.

Previews are deterministic (no clock, no nonce): the MCP SDK matches an elicitation answer
to the exact question it answered, so the same state must render the same text. The state
fingerprint a confirmation is bound to is kept apart (``Target.fingerprint``): it is an
internal value, never shown to a person.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from pydantic import Field

from tools.models import Registry, View
from tools.views import RegistryDetail, allow_list_text, human_bytes

DENY_ALL = frozenset({"0.0.0.0/0", "::/0"})
DENY_ALL_WARNING = "0.0.0.0/0 (or ::/0) in the allow list DENIES all traffic on IONOS; it does not allow all."


def digest(state: Any) -> str:
    return hashlib.sha256(json.dumps(state, sort_keys=True, default=str).encode()).hexdigest()[:16]


def fingerprint(reg: Registry) -> str:
    """A digest of everything a confirmed registry change depends on (not storage counters)."""
    props = reg.properties
    schedule = props.garbage_collection_schedule
    return digest(
        {
            "id": reg.id,
            "name": props.name,
            "location": props.location,
            "state": reg.state,
            "schedule": [list(schedule.days), schedule.time] if schedule else None,
            "scanning": reg.scanning_enabled,
            "allow": list(props.api_subnet_allow_list or []),
            "modified": reg.metadata.last_modified_date.isoformat() if reg.metadata.last_modified_date else None,
        }
    )


@dataclass(frozen=True)
class Target:
    """The one resource a confirmed change acts on, and the state it was seen in.

    ``id``/``name`` are the resource's own (the registry's for registry operations, a token's,
    a repository's); ``name`` is what the person types to confirm; ``protection_key`` is what
    REGISTRY_PROTECTED globs are matched against (``registry`` or ``registry/repository``).
    """

    kind: str
    registry_id: str
    registry_name: str
    id: str
    name: str
    fingerprint: str
    protection_key: str

    @classmethod
    def registry(cls, reg: Registry) -> Target:
        return cls("registry", reg.id, reg.name, reg.id, reg.name, fingerprint(reg), reg.name)


class FieldChange(View):
    field: str
    current: str = Field(description="Before")
    new: str = Field(description="After")
    note: str | None = None

    def line(self) -> str:
        return f"{self.field}: {self.current} -> {self.new}" + (f"  [{self.note}]" if self.note else "")


class Preview(View):
    """The question put to a person: what, on which resource, the diff and what can go wrong."""

    title: str = Field(description="e.g. DELETE registry prod-images (id)")
    facts: list[str] = Field(description="What the target is and holds (the blast radius)")
    changes: list[FieldChange]
    warnings: list[str] = Field(description="Why this needs a person's yes")

    def lines(self) -> list[str]:
        return [
            self.title,
            *(f"  {fact}" for fact in self.facts),
            *(f"  {change.line()}" for change in self.changes),
            *(f"  ! {warning}" for warning in self.warnings),
        ]

    def text(self) -> str:
        return "\n".join(self.lines())


def waiting_lines(kind: str, item: Any, *middle: str | None) -> list[str]:
    """A request waiting for a person, as text: which and where it stands, what it does, ``middle``
    (lines left out when None), and what happened."""
    head = [f"{kind} {item.id}: {item.status}", f"  {item.operation} {item.target} (registry {item.registry})"]
    return head + [f"  {line}" for line in (*middle, item.outcome) if line]


def registry_facts(reg: Registry) -> list[str]:
    detail = RegistryDetail.of(reg)
    created = detail.created_date.strftime("%Y-%m-%d %H:%M UTC") if detail.created_date else "?"
    scanning = "on" if detail.vulnerability_scanning else "off"
    return [
        f"hostname {detail.hostname or '(none)'}, location {detail.location}, state {detail.state}",
        f"storage used {human_bytes(detail.storage_bytes)}",
        f"GC {detail.gc_schedule}, scanning {scanning}, API allow list {allow_list_text(detail.api_subnet_allow_list)}",
        f"created by {detail.created_by or '?'} at {created}",
    ]


def delete_registry_preview(reg: Registry) -> Preview:
    return Preview(
        title=f"DELETE registry {reg.name} ({reg.id})",
        facts=registry_facts(reg),
        changes=[],
        warnings=[
            "Every image, tag and artifact in it is lost, and every token for it stops working. This cannot be undone.",
            f"Clients pulling from {reg.properties.hostname or reg.name} will fail.",
        ],
    )

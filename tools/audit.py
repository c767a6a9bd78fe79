"""One structured audit record per mutating attempt, executed or not.

Records go to the ``registry.audit`` logger (stderr under the entry points) as one JSON
line each, and are appended to ``REGISTRY_AUDIT_FILE`` when set. Listeners (the Slack
audit channel) are told about every record. No record ever holds a secret: only the
fields below, all of them plain facts about the attempt.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import TypedDict, Unpack

from pydantic import BaseModel, Field

from tools.logs import capture_request_ids
from tools.people import Caller

logger = logging.getLogger("registry.audit")


class Outcome(StrEnum):
    EXECUTED = "executed"
    DECLINED = "declined"
    EXPIRED = "expired"
    STALE = "stale"
    DENIED = "denied"
    FAILED = "failed"
    REQUESTED = "requested"  # a second person's approval asked for (REGISTRY_APPROVAL_REQUIRED)
    APPROVED = "approved"
    REJECTED = "rejected"


class AuditRecord(BaseModel):
    time: datetime = Field(default_factory=lambda: datetime.now(UTC))
    front: str
    actor: str
    email: str | None = None  # the person's verified address, when the front knew it (ties fronts together)
    operation: str
    registry_id: str | None = None
    registry_name: str | None = None
    resource: str | None = None
    outcome: Outcome
    changed_fields: list[str] = Field(default_factory=list)
    request_id: str | None = None
    detail: str | None = None


Listener = Callable[[AuditRecord], None]


class Facts(TypedDict, total=False):
    """What a record may say about the attempt besides who, what and how it ended."""

    registry_id: str | None
    registry_name: str | None
    resource: str | None
    detail: str | None


class AuditLog:
    def __init__(self, path: str | Path | None = None) -> None:
        self.path = Path(path) if path else None
        self.listeners: list[Listener] = []
        self._lock = threading.Lock()

    def record(
        self,
        caller: Caller,
        operation: str,
        outcome: Outcome,
        *,
        changed_fields: list[str] | None = None,
        request_id: str | None = None,
        **facts: Unpack[Facts],
    ) -> AuditRecord:
        entry = AuditRecord(
            front=caller.front,
            actor=caller.actor,
            email=caller.email,
            operation=operation,
            outcome=outcome,
            changed_fields=changed_fields or [],
            request_id=request_id,
            **facts,
        )
        line = entry.model_dump_json()
        # In JSON log mode the record is a field of its own, not a JSON string inside a JSON string.
        logger.info(line, extra={"audit": entry.model_dump(mode="json")})
        if self.path is not None:
            with self._lock, self.path.open("a", encoding="utf-8") as handle:
                handle.write(line + "\n")
        for listener in self.listeners:
            try:
                listener(entry)
            except Exception:  # a broken listener must never break the audit trail
                logger.exception("audit listener failed")
        return entry


@contextmanager
def audited(
    audit: AuditLog,
    operation: str,
    caller: Caller,
    *,
    fields: list[str] | None = None,
    **facts: Unpack[Facts],
) -> Iterator[None]:
    """Run the API call inside the block; record executed or failed with the IONOS request id."""

    def record(outcome: Outcome, request_id: str | None, why: str | None = None) -> None:
        said = facts.copy()
        said["detail"] = "; ".join(d for d in (facts.get("detail"), why) if d) or None
        audit.record(caller, operation, outcome, changed_fields=fields, request_id=request_id, **said)

    with capture_request_ids() as ids:
        try:
            yield
        except BaseException as exc:
            last = ids[-1] if ids else None
            record(Outcome.FAILED, getattr(exc, "request_id", None) or last, str(exc) or type(exc).__name__)
            raise
    record(Outcome.EXECUTED, ids[-1] if ids else None)


def read_records(path: str | Path) -> list[AuditRecord]:
    """Every record in an audit file (for tests and tooling)."""
    lines = Path(path).read_text(encoding="utf-8").splitlines()
    return [AuditRecord.model_validate(json.loads(line)) for line in lines if line.strip()]

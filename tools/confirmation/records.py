"""The audit of a confirmation's life, in one place: every step is one record with a named outcome."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from tools import metrics
from tools.audit import AuditLog, Outcome, audited
from tools.confirmation.claims import Claims
from tools.confirmation.previews import Target
from tools.people import Caller

About = Claims | Target | tuple[str, str | None]  # a plan, a target, or (operation, registry name)


def _resource(kind: str, name: str) -> str | None:
    return None if kind == "registry" else f"{kind}:{name}"


class Recorder:
    """Writes the audit records (and counts confirmations) for the engine and for approvals."""

    def __init__(self, audit: AuditLog) -> None:
        self.audit = audit

    def note(
        self,
        outcome: Outcome,
        caller: Caller,
        about: About,
        detail: str | None = None,
        *,
        operation: str | None = None,
        request_id: str | None = None,
    ) -> None:
        """One step: ``about`` a plan (its claims), a target seen before planning, or only the
        operation and the registry as given (a failure before anything was found)."""
        name: str | None
        rid: str | None
        if isinstance(about, Claims):
            metrics.count_confirmation(outcome.value)
            op, rid, name = about.operation, about.registry_id, about.registry_name
            resource = None if about.target_id in ("", about.registry_id) else f"target:{about.target_name}"
        elif isinstance(about, Target):
            rid, name, resource = about.registry_id, about.registry_name, _resource(about.kind, about.name)
            op = operation or ""
        else:
            op, name = about[0], about[1]
            rid, resource = None, None
        self.audit.record(
            caller,
            operation or op,
            outcome,
            registry_id=rid,
            registry_name=name,
            resource=resource,
            request_id=request_id,
            detail=detail,
        )

    @contextmanager
    def applying(
        self, operation: str, target: Target, caller: Caller, fields: list[str], detail: str | None = None
    ) -> Iterator[None]:
        """Around the call that makes the change: executed or failed, with the IONOS request id."""
        with audited(
            self.audit,
            operation,
            caller,
            registry_id=target.registry_id,
            registry_name=target.registry_name,
            resource=_resource(target.kind, target.name),
            fields=fields,
            detail=detail,
        ):
            yield

"""What a token update or replacement would change, field by field, and which changes can cut someone
off: disabling it, a shorter life, fewer scopes. Pure functions of the token and the request."""

from __future__ import annotations

from datetime import datetime

from tools.confirmation.previews import FieldChange, Target, digest
from tools.models import Registry, ScopeSpec, Token
from tools.views import day

STATUS, EXPIRY, SCOPES = "status", "expiry", "scopes"


def token_target(registry: Registry, token: Token) -> Target:
    props = token.properties
    state = [
        token.id,
        props.name,
        props.status,
        str(props.expiry_date),
        [s.text() for s in props.scopes or []],
        str(token.metadata.last_modified_date),
    ]
    return Target("token", registry.id, registry.name, token.id, token.name, digest(state), registry.name)


def pairs(scopes: list[str]) -> set[tuple[str, str]]:
    return {(name, action) for s in scopes for name, _, actions in [s.partition(":")] for action in actions.split(",")}


def token_diff(
    token: Token,
    status: str | None,
    expiry: datetime | None,
    expiry_given: bool,
    scopes: list[ScopeSpec] | None,
    now: datetime,
) -> tuple[list[FieldChange], list[str]]:
    """Field changes (current -> new) and why they can cut someone off."""
    props, changes, risks = token.properties, [], []
    current_status = props.status or "enabled"
    if status is not None and status != current_status:
        changes.append(FieldChange(field=STATUS, current=current_status, new=status))
        if status == "disabled":
            risks.append(f"disables {token.name}: every client using it is cut off at once")
    old = props.expiry_date
    if expiry_given and expiry != old:
        changes.append(FieldChange(field=EXPIRY, current=day(old), new=day(expiry)))
        if expiry is not None and (old is None or expiry < old):
            risks.append(
                f"expires {token.name} {'at once' if expiry <= now else 'on ' + day(expiry)}: "
                "clients using it stop working then"
            )
    if scopes is not None:
        current = [s.text() for s in props.scopes or []]
        wanted = [s.text() for s in scopes]
        if sorted(current) != sorted(wanted):
            changes.append(FieldChange(field=SCOPES, current=" ".join(current) or "none", new=" ".join(wanted)))
            removed = sorted(pairs(current) - pairs(wanted))
            if removed:
                risks.append("removes access: " + ", ".join(f"{n}:{a}" for n, a in removed))
    return changes, risks


def token_facts(token: Token) -> list[str]:
    props = token.properties
    scopes = " ".join(s.text() for s in props.scopes or []) or "none"
    return [
        f"status {props.status or 'enabled'}, expires {day(props.expiry_date)}, scopes {scopes}",
        f"created by {token.metadata.created_by or '?'}",
    ]

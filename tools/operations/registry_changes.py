"""What a change to a registry would do, and how it is followed while it happens.

The rules are pure functions of the current registry and the request (the preview, the PATCH body
and the reasons a person must confirm all come from them, so they cannot disagree); the preparers
read the target and hand the engine one ``Change``.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from tools.client import RegistryClient
from tools.confirmation import Applied, Change, ConfirmResult, Pinned
from tools.confirmation.previews import (
    DENY_ALL,
    DENY_ALL_WARNING,
    FieldChange,
    Preview,
    Target,
    delete_registry_preview,
)
from tools.errors import ConflictError, InvalidInputError, NotFoundError
from tools.models import MAX_ALLOW_LIST, Registry, RegistryPatch, RegistrySpec, is_registry_id
from tools.operations.registry_inputs import (
    DEFAULT_GC_TIME,
    FollowRefInput,
    ReplaceInput,
    UpdateInput,
)
from tools.resolve import resolve
from tools.views import (
    RegistryDetail,
    RegistryState,
    allow_list_text,
    schedule_text,
)

GC, SCANNING, ALLOW = "garbage collection", "vulnerability scanning", "API allow list"
SCANNING_ON = "turns on vulnerability scanning: a paid add-on that can never be turned off again"
DEFAULT_TIME_NOTE = "no time given: 01:23 UTC"


@dataclass(frozen=True)
class RegistryChange:
    """The field changes, the PATCH body that makes them (None: nothing to do) and the risks."""

    changes: list[FieldChange]
    patch: RegistryPatch | None
    risks: list[str]


def _network(entry: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network | None:
    try:
        return ipaddress.ip_network(entry.strip(), strict=False)
    except ValueError:
        return None


def _same_entry(a: str, b: str) -> bool:
    """``10.0.0.1`` and ``10.0.0.1/32`` are one entry; so are two spellings of one network."""
    if a.strip().lower() == b.strip().lower():
        return True
    na, nb = _network(a), _network(b)
    return na is not None and na == nb


def _current_schedule(reg: Registry) -> tuple[list[str], str | None]:
    schedule = reg.properties.garbage_collection_schedule
    return (list(schedule.days), schedule.time) if schedule else ([], None)


def schedule_change(reg: Registry, days: Sequence[str], time: str | None, *, defaulted: bool) -> FieldChange | None:
    old = schedule_text(*_current_schedule(reg))
    new = schedule_text(list(days), time) if days else "off"
    if old == new:
        return None
    note = DEFAULT_TIME_NOTE if defaulted and days else ("garbage collection becomes disabled" if not days else None)
    return FieldChange(field=GC, current=old, new=new, note=note)


def allow_list_risks(old: list[str], new: list[str]) -> list[str]:
    """Why a new allow list can cut someone off (empty: it only lets more clients in)."""
    risks = []
    removed = [e for e in old if not any(_same_entry(e, n) for n in new)]
    if old and not new:
        risks.append("clears the allow list: the registry API becomes reachable from anywhere (unrestricted)")
    elif removed:
        risks.append(f"removes {', '.join(removed)} from the allow list: clients there lose access to the API")
    if not old and new:
        risks.append(f"restricts a registry that was unrestricted: every client outside {', '.join(new)} is locked out")
    if DENY_ALL & {e.strip() for e in new} and not DENY_ALL & {e.strip() for e in old}:
        risks.append(DENY_ALL_WARNING)
    return risks


def allow_list_change(old: list[str], new: list[str]) -> FieldChange | None:
    if sorted(e.lower() for e in old) == sorted(e.lower() for e in new):
        return None
    note = "unrestricted: reachable from anywhere" if not new else None
    return FieldChange(field=ALLOW, current=allow_list_text(old), new=allow_list_text(new), note=note)


def merged_allow_list(old: list[str], inp: UpdateInput) -> list[str]:
    """The list after ``allow_remove`` then ``allow_add``; the 25-entry limit applies to the result."""
    if inp.api_subnet_allow_list is not None:
        new = list(dict.fromkeys(inp.api_subnet_allow_list))
    else:
        new = list(old)
        for entry in inp.allow_remove or []:
            found = next((e for e in new if _same_entry(e, entry)), None)
            if found is None:
                shown = allow_list_text(old)
                raise InvalidInputError.for_field("allow_remove", f"{entry} is not in the allow list (it is: {shown})")
            new.remove(found)
        new += [e for e in inp.allow_add or [] if not any(_same_entry(e, n) for n in new)]
    if len(new) > MAX_ALLOW_LIST:
        field = "api_subnet_allow_list" if inp.api_subnet_allow_list is not None else "allow_add"
        raise InvalidInputError.for_field(
            field, f"the allow list would have {len(new)} entries; the limit is {MAX_ALLOW_LIST}"
        )
    return new


def update_change(reg: Registry, inp: UpdateInput) -> RegistryChange:
    changes: list[FieldChange] = []
    risks: list[str] = []
    body: dict[str, object] = {}
    if inp.clear_gc_schedule or inp.gc_days or inp.gc_time:
        days, time = _current_schedule(reg)
        if inp.clear_gc_schedule:
            days, time = [], None
        else:
            days = list(inp.gc_days or days)
            if not days:
                raise InvalidInputError.for_field("gc_days", "the registry has no GC schedule yet; give the days too")
            time = inp.gc_time or time or DEFAULT_GC_TIME
        defaulted = not inp.gc_time and not reg.properties.garbage_collection_schedule
        change = schedule_change(reg, days, time, defaulted=defaulted)
        if change is not None:
            changes.append(change)
            body["garbage_collection_schedule"] = {"days": days, "time": time} if days else None
    if inp.vulnerability_scanning is not None and inp.vulnerability_scanning != reg.scanning_enabled:
        if not inp.vulnerability_scanning:
            raise InvalidInputError.for_field(
                "vulnerability_scanning", "cannot be turned off once enabled (IONOS rule)"
            )
        changes.append(FieldChange(field=SCANNING, current="off", new="on", note="paid add-on; irreversible"))
        body["features"] = {"vulnerability_scanning": {"enabled": True}}
        risks.append(SCANNING_ON)
    if inp.api_subnet_allow_list is not None or inp.allow_add or inp.allow_remove:
        old = list(reg.properties.api_subnet_allow_list or [])
        new = merged_allow_list(old, inp)
        change = allow_list_change(old, new)
        if change is not None:
            changes.append(change)
            body["api_subnet_allow_list"] = new
            risks += allow_list_risks(old, new)
    return RegistryChange(changes, RegistryPatch.model_validate(body) if body else None, risks)


def replace_change(reg: Registry, spec: RegistrySpec, *, defaulted: bool = False) -> RegistryChange:
    """A full replacement: every difference, with what the reset of an omitted field means."""
    changes: list[FieldChange] = []
    schedule = spec.garbage_collection_schedule
    change = schedule_change(
        reg, list(schedule.days) if schedule else [], schedule.time if schedule else None, defaulted=defaulted
    )
    if change is not None:
        if schedule is None:
            change.note = "reset: garbage collection becomes disabled"
        changes.append(change)
    features = spec.features
    new_scan = bool(features and features.vulnerability_scanning and features.vulnerability_scanning.enabled)
    risks = ["a full replacement (PUT): every setting not given is reset"]
    if new_scan != reg.scanning_enabled:
        changes.append(
            FieldChange(
                field=SCANNING,
                current="on" if reg.scanning_enabled else "off",
                new="on" if new_scan else "off",
                note="paid add-on; cannot be turned off again" if new_scan else None,
            )
        )
    old_allow, new_allow = list(reg.properties.api_subnet_allow_list or []), list(spec.api_subnet_allow_list or [])
    change = allow_list_change(old_allow, new_allow)
    if change is not None:
        if not new_allow:
            change.note = "reset: the API becomes reachable from anywhere (unrestricted)"
        changes.append(change)
    if DENY_ALL & set(new_allow):
        risks.append(DENY_ALL_WARNING)
    return RegistryChange(changes, None, risks)


# ---------------------------------------------------------------- changes a person may have to confirm


async def load(client: RegistryClient, ref: str, pinned: Pinned | None) -> Registry:
    return await client.registries.get(pinned.registry_id) if pinned else await resolve(client, ref)


def deleting(reg: Registry) -> bool:
    return reg.state.lower() == "deleting"


def refuse_while_deleting(reg: Registry, verb: str) -> None:
    if deleting(reg):
        raise ConflictError(
            f"{reg.name} is being deleted; it cannot be {verb}",
            hint="Wait until it is gone (list registries), then create it again if you need it.",
        )


def summary_facts(reg: Registry) -> list[str]:
    detail = RegistryDetail.of(reg)
    return [f"hostname {detail.hostname or '(none)'}, location {detail.location}, state {detail.state}"]


async def prepare_update(client: RegistryClient, inp: UpdateInput, pinned: Pinned | None, now: datetime) -> Change:
    """An update runs at once unless it can cut someone off or cannot be undone (the risks)."""
    reg = await load(client, inp.registry, pinned)
    refuse_while_deleting(reg, "updated")
    plan = update_change(reg, inp)
    detail = RegistryDetail.of(reg)
    done = None
    if plan.patch is None:
        done = ConfirmResult[RegistryDetail](
            status="unchanged",
            message=f"Nothing to change: {reg.name} already is as asked; nothing was sent.",
            result=detail,
        )

    async def apply() -> Applied:
        assert plan.patch is not None
        updated = await client.registries.update(reg.id, plan.patch)
        return Applied(f"Updated {updated.name}.", RegistryDetail.of(updated))

    preview = Preview(
        title=f"UPDATE registry {reg.name} ({reg.id})",
        facts=summary_facts(reg),
        changes=plan.changes,
        warnings=[],
    )
    return Change(Target.registry(reg), preview, apply, plan.risks, plan.changes, done, current=detail)


async def prepare_replace(client: RegistryClient, inp: ReplaceInput, pinned: Pinned | None, now: datetime) -> Change:
    try:
        reg = await load(client, inp.registry, pinned)
    except NotFoundError:
        if pinned is not None or not is_registry_id(inp.registry):
            raise
        return create_by_put(client, inp)
    refuse_while_deleting(reg, "replaced")
    for field, given, current in (("name", inp.name, reg.name), ("location", inp.location, reg.properties.location)):
        if given is not None and given != current:
            raise InvalidInputError.for_field(field, f"cannot be changed (it is {current!r}); delete and create")
    if reg.scanning_enabled and not inp.vulnerability_scanning:
        raise InvalidInputError.for_field("vulnerability_scanning", "cannot be turned off once enabled (IONOS rule)")
    spec = inp.spec_for(reg.name, reg.properties.location)
    plan = replace_change(reg, spec, defaulted=bool(inp.gc_days) and inp.gc_time is None)
    detail = RegistryDetail.of(reg)
    done = None
    if not plan.changes:
        done = ConfirmResult[RegistryDetail](
            status="unchanged", message=f"Nothing would change in {reg.name}; nothing was sent.", result=detail
        )

    async def apply() -> Applied:
        replaced = await client.registries.replace(reg.id, spec)
        return Applied(f"Replaced registry {replaced.name}.", RegistryDetail.of(replaced))

    preview = Preview(
        title=f"REPLACE registry {reg.name} ({reg.id}) in {reg.properties.location}: full replacement (PUT)",
        facts=[],
        changes=plan.changes,
        warnings=[],
    )
    return Change(Target.registry(reg), preview, apply, plan.risks, plan.changes, done, current=detail)


def create_by_put(client: RegistryClient, inp: ReplaceInput) -> Change:
    """A PUT on an id no registry has creates one: no confirmation (nothing exists to lose)."""
    if inp.name is None or inp.location is None:
        raise InvalidInputError.for_field(
            "registry", "no registry has this id; to create one with PUT give name and location too"
        )
    rid, spec = inp.registry.lower(), inp.spec_for(inp.name, inp.location)

    async def apply() -> Applied:
        reg = await client.registries.replace(rid, spec)
        return Applied(f"No registry had id {reg.id}: created {reg.name} with it.", RegistryDetail.of(reg), "created")

    created = FieldChange(field="registry", current="(none)", new=f"{inp.name} in {inp.location}")
    target = Target("registry", rid, inp.name, rid, inp.name, "", inp.name)
    return Change(target, None, apply, [], [created], creates=True)


async def prepare_delete(client: RegistryClient, inp: FollowRefInput, pinned: Pinned | None, now: datetime) -> Change:
    reg = await load(client, inp.registry, pinned)
    detail = RegistryDetail.of(reg)
    done = None
    if deleting(reg):
        done = ConfirmResult[RegistryDetail](
            status="already_deleting",
            message=f"{reg.name} is already being deleted; IONOS removes it in the background. Nothing was sent.",
            result=detail,
        )

    async def apply() -> Applied:
        await client.registries.delete(reg.id)
        left = RegistryState(id=reg.id, name=reg.name, state="Deleting")
        return Applied(f"Deleted registry {reg.name} ({reg.id}); IONOS removes it in the background.", left)

    preview = delete_registry_preview(reg)
    return Change(Target.registry(reg), preview, apply, list(preview.warnings), [], done, current=detail)


# ---------------------------------------------------------------- following what is still changing

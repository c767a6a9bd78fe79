"""The registry operations: handlers, the changes that may need a person's yes, and their declarations."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from tools.audit import audited
from tools.client import RegistryClient
from tools.confirmation import Applied, Change, ConfirmResult, Pinned
from tools.confirmation.previews import FieldChange, Preview, Target, delete_registry_preview
from tools.errors import ConflictError, InvalidInputError, NotFoundError
from tools.follow import Followed, Progress, progress_line, settled
from tools.models import NameStatus, Registry, is_registry_id
from tools.operations.catalogue import AnyOperation, Flag, Follows, Kind, Operation, Resource, Services, SlackForm
from tools.operations.registry_changes import replace_change, update_change
from tools.operations.registry_inputs import (
    CreateInput,
    FollowRefInput,
    ListInput,
    NameInput,
    NoInput,
    ReplaceInput,
    UpdateInput,
)
from tools.people import Caller
from tools.resolve import resolve
from tools.views import (
    LocationList,
    NameCheck,
    RegistryDetail,
    RegistryList,
    RegistryState,
    RegistrySummary,
    WriteResult,
)

RESOURCE = Resource(name="registries", toolset="registries")

# ---------------------------------------------------------------- reads and the create


async def list_registries(core: Services, inp: ListInput, caller: Caller) -> RegistryList:
    page = await core.client.list_registries(inp.name_filter, inp.limit, inp.cursor)
    return RegistryList(
        registries=[RegistrySummary.of(r) for r in page.items],
        next_cursor=page.next_token,
        more_available=page.next_token is not None,
    )


async def get_registry(core: Services, inp: FollowRefInput, caller: Caller) -> RegistryDetail:
    return RegistryDetail.of(await resolve(core.client, inp.registry))


async def list_locations(core: Services, inp: NoInput, caller: Caller) -> LocationList:
    return LocationList(locations=sorted(loc.id for loc in await core.client.list_locations()))


async def check_registry_name(core: Services, inp: NameInput, caller: Caller) -> NameCheck:
    name = inp.name.strip()
    status = await core.client.check_name(name)
    message = {
        NameStatus.AVAILABLE: f"{name!r} is available.",
        NameStatus.TAKEN: f"{name!r} is already in use (names are globally unique).",
        NameStatus.INVALID: f"{name!r} is not a valid registry name: it must be 3-63 lowercase letters, "
        "digits and hyphens, starting with a letter and ending with a letter or digit.",
    }[status]
    return NameCheck(name=name, status=status, message=message)


async def create_registry(core: Services, inp: CreateInput, caller: Caller) -> WriteResult:
    spec = inp.spec()
    fields = sorted(k for k, v in spec.model_dump(exclude_none=True).items() if k not in ("name", "location"))
    with audited(
        core.audit,
        "create_registry",
        actor=caller.actor,
        email=caller.email,
        front=caller.front,
        registry_name=inp.name,
        fields=fields,
    ):
        reg = await core.client.create_registry(spec)
    note = "" if reg.properties.hostname else " It is provisioning; the hostname appears when it is Running."
    return WriteResult(
        message=f"Created registry {reg.name} in {reg.properties.location}.{note}", registry=RegistryDetail.of(reg)
    )


# ---------------------------------------------------------------- changes a person may have to confirm


async def load(client: RegistryClient, ref: str, pinned: Pinned | None) -> Registry:
    return await client.get_registry(pinned.registry_id) if pinned else await resolve(client, ref)


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
        updated = await client.update_registry(reg.id, plan.patch)
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
        replaced = await client.replace_registry(reg.id, spec)
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
        reg = await client.replace_registry(rid, spec)
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
        await client.delete_registry(reg.id)
        left = RegistryState(id=reg.id, name=reg.name, state="Deleting")
        return Applied(f"Deleted registry {reg.name} ({reg.id}); IONOS removes it in the background.", left)

    preview = delete_registry_preview(reg)
    return Change(Target.registry(reg), preview, apply, list(preview.warnings), [], done, current=detail)


# ---------------------------------------------------------------- following what is still changing


def still_changing(out: BaseModel) -> Followed | None:
    """The registry an answer left provisioning or deleting, if any."""
    found = out.registry if isinstance(out, WriteResult) else out.result if isinstance(out, ConfirmResult) else out
    if isinstance(found, RegistrySummary | RegistryState) and not settled(found.state):
        return Followed(found.id, found.name, found.state)
    return None


def settled_detail(before: RegistryDetail, progress: Progress) -> RegistryDetail:
    if progress.gone:
        return before.model_copy(update={"state": "Deleted", "hostname": before.hostname})
    return RegistryDetail.of(progress.registry) if progress.registry is not None else before


def settle(out: BaseModel, progress: Progress) -> BaseModel:
    """The answer brought up to date with where the registry got to."""
    line = progress_line(progress)
    if isinstance(out, RegistryDetail):
        return settled_detail(out, progress)
    if isinstance(out, WriteResult):
        return WriteResult(message=f"{out.message} {line}", registry=settled_detail(out.registry, progress))
    if isinstance(out, ConfirmResult):
        result = out.result
        if isinstance(result, RegistryState):
            result = result.model_copy(update={"state": "Deleted" if progress.gone else progress.state or result.state})
        elif isinstance(result, RegistryDetail):
            result = settled_detail(result, progress)
        return out.model_copy(update={"message": f"{out.message} {line}", "result": result})
    return out


FOLLOWS = Follows(target=still_changing, settle=settle)

# ---------------------------------------------------------------- declarations

REF = ("registry",)
NAME_OR_ID = ("NAME|ID",)
GC_DAYS = Flag(field="gc_days", flag="--gc-days", kind="list", metavar="mon,thu", help="garbage collection weekdays")
GC_TIME = Flag(
    field="gc_time",
    flag="--gc-time",
    kind="value",
    metavar="01:30",
    help="garbage collection time, UTC (default 01:23)",
)
ALLOW = Flag(
    field="api_subnet_allow_list",
    flag="--allow",
    kind="list",
    metavar="CIDR,…",
    help="only these addresses may call the registry API",
)

OPERATIONS: tuple[AnyOperation, ...] = (
    Operation(
        name="list_registries",
        resource=RESOURCE,
        kind=Kind.READ,
        input=ListInput,
        output=RegistryList,
        summary="List registries (state, hostname, storage, scanning, GC). Page with cursor.",
        method="GET",
        slack=SlackForm(
            words=("list",),
            positional=("name_filter",),
            metavars=("NAME-FILTER",),
            flags=(
                Flag(
                    field="limit",
                    flag="--limit",
                    kind="int",
                    metavar="N",
                    help="registries per page, 1-100 (default 20)",
                ),
            ),
            aliases=("ls",),
            optional=True,
            help="list registries, optionally by part of the name",
        ),
        title="List registries",
        run=list_registries,
        refs=(),
    ),
    Operation(
        name="get_registry",
        resource=RESOURCE,
        kind=Kind.READ,
        input=FollowRefInput,
        output=RegistryDetail,
        summary="Show one registry in full (allow list, GC, creator); by name, hostname or UUID.",
        method="GET",
        slack=SlackForm(
            words=("get",),
            positional=REF,
            metavars=NAME_OR_ID,
            aliases=("show", "info", "describe"),
            help="show one registry",
        ),
        title="Show a registry",
        run=get_registry,
        follows=FOLLOWS,
    ),
    Operation(
        name="list_locations",
        resource=RESOURCE,
        kind=Kind.READ,
        input=NoInput,
        output=LocationList,
        summary="List the location ids a registry can be created in (e.g. de/fra).",
        method="GET",
        slack=SlackForm(words=("locations",), aliases=("regions", "location"), help="where registries can be created"),
        title="List locations",
        run=list_locations,
        refs=(),
    ),
    Operation(
        name="check_registry_name",
        resource=RESOURCE,
        kind=Kind.READ,
        input=NameInput,
        output=NameCheck,
        summary="Check whether a registry name is available, taken (names are global) or invalid.",
        method="HEAD",
        slack=SlackForm(
            words=("check",),
            positional=("name",),
            metavars=("NAME",),
            aliases=("available",),
            help="is a registry name free?",
        ),
        title="Check a registry name",
        run=check_registry_name,
        refs=(),
    ),
    Operation(
        name="create_registry",
        resource=RESOURCE,
        kind=Kind.WRITE,
        input=CreateInput,
        output=WriteResult,
        summary="Create a registry (New until Running). Scanning is on unless false, and cannot be turned off.",
        method="POST",
        slack=SlackForm(
            words=("create",),
            positional=("name",),
            metavars=("NAME",),
            flags=(
                Flag(
                    field="location",
                    flag="--location",
                    kind="value",
                    metavar="LOC",
                    help="location id, e.g. de/fra",
                    required=True,
                ),
                GC_DAYS,
                GC_TIME,
                Flag(
                    field="vulnerability_scanning",
                    flag="--no-scan",
                    kind="false",
                    metavar="",
                    help="no vulnerability scanning (paid add-on)",
                ),
                ALLOW,
            ),
            aliases=("new",),
            help="create a registry",
        ),
        title="Create a registry",
        run=create_registry,
        follows=FOLLOWS,
        refs=(),
    ),
    Operation(
        name="update_registry",
        resource=RESOURCE,
        kind=Kind.WRITE,
        input=UpdateInput,
        output=RegistryDetail,
        summary="Change only the given settings; changes that can cut clients off or are irreversible need a yes.",
        method="PATCH",
        slack=SlackForm(
            words=("update",),
            positional=REF,
            metavars=NAME_OR_ID,
            flags=(
                GC_DAYS,
                GC_TIME,
                Flag(
                    field="clear_gc_schedule",
                    flag="--no-gc",
                    kind="true",
                    metavar="",
                    help="turn garbage collection off",
                ),
                Flag(
                    field="vulnerability_scanning",
                    flag="--scan",
                    kind="true",
                    metavar="",
                    help="turn vulnerability scanning on (irreversible)",
                ),
                Flag(
                    field="api_subnet_allow_list",
                    flag="--allow",
                    kind="list",
                    metavar="CIDR,…|none",
                    help="set the whole allow list",
                ),
                Flag(
                    field="allow_add",
                    flag="--allow-add",
                    kind="list",
                    metavar="CIDR,…",
                    help="add entries to the allow list",
                ),
                Flag(
                    field="allow_remove",
                    flag="--allow-remove",
                    kind="list",
                    metavar="CIDR,…",
                    help="remove entries from the allow list",
                ),
            ),
            aliases=("edit", "set"),
            help="change some settings; removing access or turning scanning on asks you to confirm",
        ),
        title="Update a registry",
        prepare=prepare_update,
    ),
    Operation(
        name="replace_registry",
        resource=RESOURCE,
        kind=Kind.CONFIRMED,
        input=ReplaceInput,
        output=RegistryDetail,
        summary="Replace all settings (PUT): what is left out is RESET. A new UUID with name and location creates.",
        method="PUT",
        slack=SlackForm(
            words=("replace",),
            positional=REF,
            metavars=NAME_OR_ID,
            flags=(
                GC_DAYS,
                GC_TIME,
                Flag(field="vulnerability_scanning", flag="--no-scan", kind="false", metavar="", help="scanning off"),
                ALLOW,
            ),
            help="replace all settings (what you leave out is reset)",
        ),
        title="Replace a registry",
        prepare=prepare_replace,
        protect="refuse",
    ),
    Operation(
        name="delete_registry",
        resource=RESOURCE,
        kind=Kind.CONFIRMED,
        input=FollowRefInput,
        output=RegistryDetail,
        summary="Delete a registry and every image and token in it (irreversible).",
        method="DELETE",
        slack=SlackForm(
            words=("delete",),
            positional=REF,
            metavars=NAME_OR_ID,
            aliases=("rm", "del", "remove"),
            help="delete a registry and all in it",
        ),
        title="Delete a registry",
        prepare=prepare_delete,
        protect="refuse",
        follows=FOLLOWS,
    ),
)

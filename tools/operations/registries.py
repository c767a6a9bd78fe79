"""The registry operations: handlers, the changes that may need a person's yes, and their declarations."""

from __future__ import annotations

from tools.audit import audited
from tools.models import NameStatus
from tools.operations.catalogue import AnyOperation, Flag, Kind, Operation, Resource, Services, SlackForm
from tools.operations.registry_changes import (
    prepare_delete,
    prepare_replace,
    prepare_update,
)
from tools.operations.registry_follows import FOLLOWS
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
    RegistrySummary,
    WriteResult,
)

RESOURCE = Resource(name="registries", toolset="registries")

# ---------------------------------------------------------------- reads and the create


async def list_registries(core: Services, inp: ListInput, caller: Caller) -> RegistryList:
    page = await core.client.registries.list(inp.name_filter, inp.limit, inp.cursor)
    return RegistryList(
        registries=[RegistrySummary.of(r) for r in page.items],
        next_cursor=page.next_token,
        more_available=page.next_token is not None,
    )


async def get_registry(core: Services, inp: FollowRefInput, caller: Caller) -> RegistryDetail:
    return RegistryDetail.of(await resolve(core.client, inp.registry))


async def list_locations(core: Services, inp: NoInput, caller: Caller) -> LocationList:
    return LocationList(locations=sorted(loc.id for loc in await core.client.registries.locations()))


async def check_registry_name(core: Services, inp: NameInput, caller: Caller) -> NameCheck:
    name = inp.name.strip()
    status = await core.client.registries.check_name(name)
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
        caller,
        registry_name=inp.name,
        fields=fields,
    ):
        reg = await core.client.registries.create(spec)
    note = "" if reg.properties.hostname else " It is provisioning; the hostname appears when it is Running."
    return WriteResult(
        message=f"Created registry {reg.name} in {reg.properties.location}.{note}", registry=RegistryDetail.of(reg)
    )


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

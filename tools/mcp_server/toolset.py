"""The eight tools as closures over the catalogue and the confirmer.

Tools decide nothing: they build the core's input models, call ``Registries`` or the
``Confirmer``, and render. Delete and replace resolve a plan and (when the client can
elicit) ask the person before the body runs, through the SDK's ``Resolve``/``Elicit``,
which works in both protocol eras.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from mcp.server.mcpserver import AcceptedElicitation, Context, Elicit, ElicitationResult, Resolve
from mcp.server.mcpserver.exceptions import ToolError
from mcp.types import CallToolResult
from pydantic import BaseModel, Field, ValidationError

from tools.confirm import Confirmer, ConfirmResult, CreateByPut, Plan
from tools.errors import RegistryError
from tools.mcp_server.rendering import confirm_result, guarded, shown, tool_error
from tools.models import RegistryName
from tools.operations import (
    DEFAULT_LIMIT,
    AllowListArg,
    ClearGc,
    CreateInput,
    Cursor,
    GcDays,
    GcTime,
    Limit,
    ListInput,
    Location,
    NameFilter,
    NameToCheck,
    NewLocation,
    NewName,
    Registries,
    RegistryRef,
    ReplaceInput,
    Scanning,
    ScanningChange,
    UpdateInput,
)
from tools.views import LocationList, NameCheck, RegistryDetail, RegistryList, WriteResult

TOKEN_DOC = (
    "Only after the person explicitly said yes to the preview of a previous call: the confirmation_token "
    "it returned. Leave empty on the first call."
)
Token = Annotated[str | None, Field(max_length=2048, description=TOKEN_DOC)]


@dataclass(frozen=True)
class ServerOptions:
    read_only: bool = False
    disable_destructive: bool = False
    confirm_fallback: Literal["token", "deny"] = "token"
    actor: str = "mcp:local"


class ConfirmName(BaseModel):
    name: str = Field(description="Type the registry name exactly to confirm")


class NoElicitation:
    """What the confirmation resolver yields when the client cannot ask a person."""


def can_elicit(ctx: Context) -> bool:
    caps = ctx.client_capabilities
    elicitation = caps.elicitation if caps is not None else None
    return elicitation is not None and (elicitation.form is not None or elicitation.url is None)


def tool_functions(
    registries: Registries, confirmer: Confirmer, opts: ServerOptions
) -> list[tuple[Callable[..., Any], str]]:
    actor, front = opts.actor, "mcp"

    async def list_registries(
        name_filter: NameFilter = None, limit: Limit = DEFAULT_LIMIT, cursor: Cursor = None
    ) -> Annotated[CallToolResult, RegistryList]:
        return await shown(lambda: registries.list(ListInput(name_filter=name_filter, limit=limit, cursor=cursor)))

    async def get_registry(registry: RegistryRef) -> Annotated[CallToolResult, RegistryDetail]:
        return await shown(lambda: registries.get(registry))

    async def list_locations() -> Annotated[CallToolResult, LocationList]:
        return await shown(registries.locations)

    async def check_registry_name(name: NameToCheck) -> Annotated[CallToolResult, NameCheck]:
        return await shown(lambda: registries.check_name(name))

    async def create_registry(
        name: RegistryName,
        location: Location,
        gc_days: GcDays = None,
        gc_time: GcTime = None,
        vulnerability_scanning: Scanning = True,
        api_subnet_allow_list: AllowListArg = None,
    ) -> Annotated[CallToolResult, WriteResult]:
        def inp() -> CreateInput:  # built inside shown(), so bad input becomes a ToolError
            return CreateInput(
                name=name,
                location=location,
                gc_days=gc_days,
                gc_time=gc_time,
                vulnerability_scanning=vulnerability_scanning,
                api_subnet_allow_list=api_subnet_allow_list,
            )

        return await shown(lambda: registries.create(inp(), actor=actor, front=front))

    async def update_registry(
        registry: RegistryRef,
        gc_days: GcDays = None,
        gc_time: GcTime = None,
        clear_gc_schedule: ClearGc = False,
        vulnerability_scanning: ScanningChange = None,
        api_subnet_allow_list: AllowListArg = None,
    ) -> Annotated[CallToolResult, WriteResult]:
        def inp() -> UpdateInput:  # built inside shown(), so bad input becomes a ToolError
            return UpdateInput(
                registry=registry,
                gc_days=gc_days,
                gc_time=gc_time,
                clear_gc_schedule=clear_gc_schedule,
                vulnerability_scanning=vulnerability_scanning,
                api_subnet_allow_list=api_subnet_allow_list,
            )

        return await shown(lambda: registries.update(inp(), actor=actor, front=front))

    # -------------------------------------------------------- delete and replace: confirmation first

    async def finish(
        op: Literal["delete_registry", "replace_registry"],
        ref: str,
        plan: Plan | None,
        answer: ElicitationResult[ConfirmName],
        token: str | None,
        replace: ReplaceInput | None,
    ) -> ConfirmResult:
        data = answer.data if isinstance(answer, AcceptedElicitation) else None
        if plan is not None and isinstance(data, ConfirmName):
            return await confirmer.execute(
                plan.claims, actor=actor, front=front, replace=replace, typed_name=data.name, require_typed_name=True
            )
        if plan is not None and not isinstance(answer, AcceptedElicitation):
            return confirmer.decline(plan.claims, actor=actor, front=front, reason=f"the person chose {answer.action}")
        if token:
            claims = confirmer.open(token, operation=op, actor=actor, front=front)
            return await confirmer.execute(claims, actor=actor, front=front, replace=replace, ref=ref)
        assert plan is not None
        if opts.confirm_fallback == "deny":
            confirmer.deny(plan.claims, actor=actor, front=front, reason="the client cannot ask a person")
            raise ToolError(
                f"{op} needs a person to confirm, and this client did not declare the MCP 'elicitation' (form) "
                "capability, so it cannot ask them. Nothing was changed. Use a client that supports elicitation, "
                "or ask the operator to run registry-mcp with --confirm-fallback token."
            )
        return confirmer.confirmation_needed(plan)

    def ask(plan: Plan | None, ctx: Context) -> Elicit[ConfirmName] | NoElicitation:
        if plan is None or not can_elicit(ctx):
            return NoElicitation()
        question = "\n".join(
            [*plan.preview.lines(), f"Type the registry name {plan.claims.registry_name!r} to confirm."]
        )
        return Elicit(question, ConfirmName)

    async def plan_delete(registry: str, confirmation_token: str | None, ctx: Context) -> Plan | None:
        if confirmation_token and not can_elicit(ctx):
            return None  # the token carries the plan
        try:
            return await confirmer.plan_delete(registry, actor=actor, front=front)
        except RegistryError as err:
            raise tool_error(err) from None

    async def ask_delete(
        plan: Annotated[Plan | None, Resolve(plan_delete)], ctx: Context
    ) -> Elicit[ConfirmName] | NoElicitation:
        return ask(plan, ctx)

    async def delete_registry(
        registry: RegistryRef,
        plan: Annotated[Plan | None, Resolve(plan_delete)],
        answer: Annotated[ElicitationResult[ConfirmName], Resolve(ask_delete)],
        confirmation_token: Token = None,
    ) -> Annotated[CallToolResult, ConfirmResult]:
        async def run() -> CallToolResult:
            return confirm_result(await finish("delete_registry", registry, plan, answer, confirmation_token, None))

        return await guarded(run)

    def replace_input(
        registry: str,
        gc_days: list[str] | None,
        gc_time: str | None,
        vulnerability_scanning: bool,
        api_subnet_allow_list: list[str] | None,
        location: str | None,
        name: str | None,
    ) -> ReplaceInput:
        try:
            return ReplaceInput(
                registry=registry,
                gc_days=gc_days,
                gc_time=gc_time,
                vulnerability_scanning=vulnerability_scanning,
                api_subnet_allow_list=api_subnet_allow_list,
                location=location,
                name=name,
            )
        except ValidationError as err:
            raise tool_error(err) from None

    async def plan_replace(
        inp: Annotated[ReplaceInput, Resolve(replace_input)], confirmation_token: str | None, ctx: Context
    ) -> Plan | ConfirmResult | CreateByPut | None:
        if confirmation_token and not can_elicit(ctx):
            return None
        try:
            return await confirmer.plan_replace(inp, actor=actor, front=front)
        except RegistryError as err:
            raise tool_error(err) from None

    async def ask_replace(
        plan: Annotated[Plan | ConfirmResult | CreateByPut | None, Resolve(plan_replace)], ctx: Context
    ) -> Elicit[ConfirmName] | NoElicitation:
        return ask(plan if isinstance(plan, Plan) else None, ctx)

    async def replace_registry(
        registry: RegistryRef,
        plan: Annotated[Plan | ConfirmResult | CreateByPut | None, Resolve(plan_replace)],
        answer: Annotated[ElicitationResult[ConfirmName], Resolve(ask_replace)],
        inp: Annotated[ReplaceInput, Resolve(replace_input)],
        gc_days: GcDays = None,
        gc_time: GcTime = None,
        vulnerability_scanning: Scanning = True,
        api_subnet_allow_list: AllowListArg = None,
        location: NewLocation = None,
        name: NewName = None,
        confirmation_token: Token = None,
    ) -> Annotated[CallToolResult, ConfirmResult]:
        async def run() -> CallToolResult:
            if isinstance(plan, ConfirmResult):
                return confirm_result(plan)
            if isinstance(plan, CreateByPut):
                return confirm_result(await confirmer.create_by_put(plan, actor=actor, front=front))
            return confirm_result(await finish("replace_registry", registry, plan, answer, confirmation_token, inp))

        return await guarded(run)

    return [
        (
            list_registries,
            "List registries (compact: name, location, state, hostname, storage, scanning, GC). "
            "Filter by part of the name; page with cursor=next_cursor while more_available is true. "
            "Next: get_registry for one registry's full details.",
        ),
        (
            get_registry,
            "Show one registry in full (allow list, schedule, creator, dates) by name or UUID. "
            "A missing name answers with the closest existing names.",
        ),
        (
            list_locations,
            "List the location ids a registry can be created in (e.g. de/fra). Use before create_registry.",
        ),
        (
            check_registry_name,
            "Check whether a name is available, taken (names are globally unique) or invalid. "
            "Use before create_registry.",
        ),
        (
            create_registry,
            "Create a registry (starts New; the hostname appears once Running). Vulnerability "
            "scanning is on by default and cannot be turned off later. Next: get_registry to watch it become Running.",
        ),
        (
            update_registry,
            "Change only the given fields of a registry: GC schedule (days/time, or clear), turn "
            "vulnerability scanning on, or set the API allow list ([] = unrestricted). Everything else is kept.",
        ),
        (
            replace_registry,
            "Replace a registry's whole configuration (PUT): fields left out are RESET (no GC "
            "schedule, empty = unrestricted allow list). Needs a person's confirmation: the client asks them, or "
            "this returns a preview and confirmation_token; show the preview, wait for an explicit yes, then call "
            "again with the same arguments plus the token. A new UUID with name and location creates instead.",
        ),
        (
            delete_registry,
            "Delete a registry and every image in it (irreversible). Needs a person's "
            "confirmation: the client asks them to type the name, or this returns a preview and "
            "confirmation_token; show the preview, wait for an explicit yes, then call again with the token.",
        ),
    ]

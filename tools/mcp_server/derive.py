"""MCP tools derived from the catalogue: one function per operation, its signature made from the input model.

A tool decides nothing: it builds the operation's input, runs it through the core and renders.
Operations that may need a person's yes get two resolvers (the SDK's ``Resolve``): one prepares
the change, the other asks the person to type the target's name when the client can elicit.
Both run before the body, in both protocol eras.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal

from mcp.server.mcpserver import AcceptedElicitation, Context, Elicit, ElicitationResult, Resolve
from mcp.server.mcpserver.exceptions import ToolError
from mcp.types import CallToolResult
from pydantic import BaseModel, Field
from pydantic.fields import FieldInfo

from tools.app import Core
from tools.confirmation import ConfirmResult, Plan, Ready
from tools.errors import RegistryError
from tools.follow import Progress, elapsed_text, progress_line
from tools.mcp_server.identity import OAuthOptions, caller_of
from tools.mcp_server.offer import Modes
from tools.mcp_server.rendering import guarded, lines_of, result, tool_error
from tools.mcp_server.secrets import SecretDelivery
from tools.models import InputModel
from tools.operations import AnyOperation
from tools.people import Caller
from tools.views import RegistryDetail, TokenCreated

TOKEN_FIELD = "confirmation_token"
TOKEN_DOC = "From the preview; only after the person's yes"
Token = Annotated[str | None, Field(max_length=2048, description=TOKEN_DOC)]
KW = inspect.Parameter.KEYWORD_ONLY


@dataclass(frozen=True, kw_only=True)
class ServerOptions(Modes):
    """The offer's modes, and how the offered tools run."""

    confirm_fallback: Literal["token", "deny"] = "token"
    actor: str = "mcp:local"
    secrets: SecretDelivery = field(default_factory=lambda: SecretDelivery("file"))
    oauth: OAuthOptions | None = None  # per-person identity over HTTP; None: everyone is ``actor``


class ConfirmName(BaseModel):
    name: str = Field(description="Type the name exactly to confirm")


class NoElicitation:
    """What the confirmation resolver yields when the client cannot ask a person."""


def can_elicit(ctx: Context) -> bool:
    caps = ctx.client_capabilities
    elicitation = caps.elicitation if caps is not None else None
    return elicitation is not None and (elicitation.form is not None or elicitation.url is None)


def parameter(name: str, info: FieldInfo) -> inspect.Parameter:
    """A model field as a tool parameter: same type, constraints and description, no camelCase alias."""
    extra: dict[str, Any] = {"description": info.description}
    if info.json_schema_extra is not None:
        extra["json_schema_extra"] = info.json_schema_extra
    annotation: Any = Annotated[(info.annotation, *info.metadata, Field(**extra))]
    default = inspect.Parameter.empty if info.is_required() else info.get_default(call_default_factory=True)
    return inspect.Parameter(name, KW, annotation=annotation, default=default)


def arguments(op: AnyOperation) -> list[inspect.Parameter]:
    params = [parameter(name, info) for name, info in op.input.model_fields.items()]
    if op.may_confirm:
        params.append(inspect.Parameter(TOKEN_FIELD, KW, annotation=Token, default=None))
    return params


def with_signature(
    fn: Callable[..., Any], name: str, params: list[inspect.Parameter], returns: Any
) -> Callable[..., Any]:
    """Give ``fn(**kwargs)`` the signature the SDK reads (``__signature__`` and ``__annotations__``)."""
    fn.__name__ = fn.__qualname__ = name
    fn.__signature__ = inspect.Signature(params, return_annotation=returns)  # type: ignore[attr-defined]
    fn.__annotations__ = {p.name: p.annotation for p in params} | {"return": returns}
    return fn


def build_input(op: AnyOperation, values: dict[str, Any]) -> InputModel:
    fields = {k: v for k, v in values.items() if k in op.input.model_fields}
    try:
        inp: InputModel = op.input.model_validate(fields)
    except Exception as err:  # already checked by the argument middleware; kept for direct calls
        raise tool_error(err) from None
    return inp


def tool_function(op: AnyOperation, core: Core, opts: ServerOptions) -> Callable[..., Any]:
    def caller() -> Caller:  # per call: with OAuth, each request is its own person
        return caller_of(opts.actor, opts.disable_destructive)

    ctx_param = inspect.Parameter("ctx", KW, annotation=Context)
    returns: Any = Annotated[CallToolResult, ConfirmResult[Any] if op.may_confirm else op.output]
    if not op.may_confirm:

        async def read_or_write(**values: Any) -> CallToolResult:
            async def body() -> CallToolResult:
                inp = build_input(op, values)
                out = await op.call(core, inp, caller())
                if isinstance(out, TokenCreated):  # a secret: handed to the person, not the model
                    out = await opts.secrets.deliver(out, values["ctx"])
                return await answer(op, core, inp, out, values["ctx"])

            return await guarded(body)

        return with_signature(read_or_write, op.name, [*arguments(op), ctx_param], returns)
    return confirmed_tool(op, core, opts, caller, [*arguments(op), ctx_param], returns)


async def answer(op: AnyOperation, core: Core, inp: InputModel, out: BaseModel, ctx: Context) -> CallToolResult:
    """The answer; when it left a registry changing, followed until it settles (``wait``) or a hint how to."""
    target = op.follows.target(out) if op.follows is not None else None
    if op.follows is None or target is None:
        return result(out, lines_of(out))
    if not getattr(inp, "wait", False):
        hint = f"{target.name} is still {target.state}; to follow it until it settles, call get_registry wait=true."
        return result(out, [*lines_of(out), hint])
    within = float(getattr(inp, "wait_timeout", None) or core.wait_timeout)

    async def report(progress: Progress, changed: bool) -> None:
        note = f"{progress.name}: {progress.state} after {elapsed_text(progress.elapsed)}"
        await ctx.report_progress(min(progress.elapsed, within), within, note)

    final = await core.followers.follow(target.registry_id, target.name, target.state, within=within, on_update=report)
    settled = op.follows.settle(out, final)
    lines = lines_of(settled)
    if isinstance(settled, RegistryDetail):  # a bare registry: say where it got to first
        lines = [progress_line(final), *lines]
    if final.timed_out:
        lines.append("To keep following it, call get_registry with wait=true again.")
    return result(settled, lines)


def confirmed_tool(
    op: AnyOperation,
    core: Core,
    opts: ServerOptions,
    caller: Callable[[], Caller],
    params: list[inspect.Parameter],
    returns: Any,
) -> Callable[..., Any]:
    confirmer = core.confirmer
    Planned = Plan | Ready | ConfirmResult[Any] | None  # noqa: N806 - a type alias

    async def plan_change(**values: Any) -> Any:
        ctx: Context = values["ctx"]
        if values.get(TOKEN_FIELD) and opts.confirm == "slack":
            raise ToolError(
                "this server takes a person's yes in Slack only (REGISTRY_MCP_CONFIRM=slack): call without "
                "confirmation_token; the person confirms in their Slack DM. Nothing was changed."
            )
        if values.get(TOKEN_FIELD) and not can_elicit(ctx):
            return None  # the token carries the plan
        try:
            return await confirmer.start(op, build_input(op, values), caller())
        except RegistryError as err:
            raise tool_error(err) from None

    plan_resolver = with_signature(plan_change, f"plan_{op.name}", params, Planned)

    async def ask(plan: Any, ctx: Context) -> Elicit[ConfirmName] | NoElicitation:
        if not isinstance(plan, Plan) or not can_elicit(ctx) or opts.confirm == "slack":
            return NoElicitation()  # in slack mode an answer from the client is never taken as the yes
        question = "\n".join([*plan.preview.lines(), f"Type {plan.claims.confirm_name!r} to confirm."])
        return Elicit(question, ConfirmName)

    ask.__annotations__ = {"plan": Annotated[Planned, Resolve(plan_resolver)], "ctx": Context, "return": Any}
    ask.__qualname__ = ask.__name__ = f"ask_{op.name}"

    async def confirmed(**values: Any) -> CallToolResult:
        plan, token = values["plan"], values.get(TOKEN_FIELD)

        async def body() -> CallToolResult:
            inp = build_input(op, values)
            outcome = await finish(op, core, opts, caller(), inp, plan, values["answer"], token)
            return await answer(op, core, inp, outcome, values["ctx"])

        return await guarded(body)

    extra = [
        inspect.Parameter("plan", KW, annotation=Annotated[Planned, Resolve(plan_resolver)]),
        inspect.Parameter("answer", KW, annotation=Annotated[ElicitationResult[ConfirmName], Resolve(ask)]),
    ]
    return with_signature(confirmed, op.name, [*params, *extra], returns)


async def finish(
    op: AnyOperation,
    core: Core,
    opts: ServerOptions,
    caller: Caller,
    inp: InputModel,
    plan: Plan | Ready | ConfirmResult[Any] | None,
    answer: ElicitationResult[ConfirmName],
    token: str | None,
) -> ConfirmResult[Any]:
    confirmer = core.confirmer
    if isinstance(plan, ConfirmResult):
        return plan
    if isinstance(plan, Ready):
        return await confirmer.proceed(plan, caller)
    if isinstance(plan, Plan) and opts.confirm == "slack":
        return await confirmer.handoffs.hand_over(plan, op, inp, caller)
    data = answer.data if isinstance(answer, AcceptedElicitation) else None
    if plan is not None and isinstance(data, ConfirmName):
        return await confirmer.execute(
            plan.claims, op, inp, caller=caller, typed_name=data.name, require_typed_name=True
        )
    if plan is not None and not isinstance(answer, AcceptedElicitation):
        return confirmer.decline(plan.claims, caller=caller, reason=f"the person chose {answer.action}")
    if token:
        claims = confirmer.open(token, op=op, caller=caller, ref=str(getattr(inp, "registry", "") or ""))
        return await confirmer.execute(claims, op, inp, caller=caller)
    assert plan is not None
    if opts.confirm_fallback == "deny":
        confirmer.deny(plan.claims, caller=caller, reason="the client cannot ask a person")
        raise ToolError(
            f"{op.name} needs a person to confirm this change, and this client did not declare the MCP "
            "'elicitation' (form) capability, so it cannot ask them. Nothing was changed. Use a client that "
            "supports elicitation, or ask the operator to run registry-mcp with --confirm-fallback token."
        )
    return confirmer.confirmation_needed(plan)

"""/registry: ack at once, then parse → operation → render → respond. Never raises after the ack."""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel
from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot import render
from bot.access import Access, mention
from bot.parsing import SPECS, Request, Spec, UsageError, parse
from tools.confirm import ConfirmResult, Plan
from tools.errors import FieldProblem, InvalidInputError, RegistryError
from tools.models import InputModel
from tools.operations import CATALOGUE, Caller, Core, ListInput, Operation

logger = logging.getLogger("bot.commands")
FRONT = "slack"


@dataclass
class BotDeps:
    core: Core
    access: Access
    audit_channel: str | None = None


def caller_of(user_id: str) -> Caller:
    return Caller(f"slack:{user_id}", FRONT)


def actor_of(user_id: str) -> str:
    return caller_of(user_id).actor


def members_lookup(client: AsyncWebClient) -> Callable[[str], Awaitable[set[str]]]:
    async def members_of(group: str) -> set[str]:
        try:
            response = await client.usergroups_users_list(usergroup=group)
        except Exception:  # missing scope, unknown group: nobody is a member
            logger.warning("could not read the members of user group %s", group, exc_info=True)
            return set()
        return set(response.get("users") or [])

    return members_of


def register(app: AsyncApp, deps: BotDeps) -> None:
    @app.command("/registry")
    async def on_command(ack: AsyncAck, command: dict[str, Any], respond: AsyncRespond, client: AsyncWebClient) -> None:
        await ack()
        await safely(respond, lambda: answer(deps, command, client), replace=False)

    @app.action(render.NEXT_ACTION)
    async def on_next_page(ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond) -> None:
        await ack()

        async def next_page() -> render.Message:
            data = json.loads(body["actions"][0]["value"])
            query = ListInput(name_filter=data.get("f"), limit=data.get("l", 20), cursor=data.get("c"))
            out = await CATALOGUE["list_registries"].call(deps.core, query, caller_of(body["user"]["id"]))
            return render.registry_list(out, query.name_filter, query.limit)  # type: ignore[arg-type]

        await safely(respond, next_page, replace=True)


async def safely(respond: AsyncRespond, work: Callable[[], Awaitable[render.Message]], *, replace: bool) -> None:
    """Run the work after the ack; whatever happens, the person gets an answer (gotcha: never raise)."""
    try:
        reply = await work()
    except RegistryError as err:
        reply = render.error(err)
    except Exception:
        logger.exception("a /registry command failed")
        reply = render.refusal("Something went wrong on our side; it has been logged. Please try again.")
    try:
        await respond(**reply, response_type="ephemeral", replace_original=replace)
    except Exception:
        logger.exception("could not deliver the answer to Slack")


async def answer(deps: BotDeps, command: dict[str, Any], client: AsyncWebClient) -> render.Message:
    user, channel = command.get("user_id", ""), command.get("channel_id")
    if not deps.access.channel_allowed(channel):
        return render.refusal(f"I only answer in {deps.access.where()}.")
    try:
        request = parse(command.get("text", ""))
    except UsageError as err:
        return render.help_message(err.spec, err.problem, err.suggestion)
    if request.op is None:
        return render.help_message(SPECS.get(str(request.args)) if request.args else None)
    caller = caller_of(user)
    if request.op.writes and not await deps.access.can_write(user, members_lookup(client)):
        deps.core.refuse(request.op, request.args, caller, "not a Slack writer (REGISTRY_BOT_WRITERS)")
        return render.refusal(
            f"You can look, but not {request.command}: only {deps.access.who_can_write()} may change "
            "registries from Slack (REGISTRY_BOT_WRITERS). Ask one of them, or an admin to add you."
        )
    try:
        return await perform(deps, request, caller, user, client)
    except InvalidInputError as err:
        raise in_slack_words(err, SPECS[request.command]) from None


async def perform(deps: BotDeps, request: Request, caller: Caller, user: str, client: AsyncWebClient) -> render.Message:
    op, inp = request.op, request.args
    assert op is not None
    if op.run is not None:
        out: BaseModel = await op.call(deps.core, inp, caller)
        if op.writes:
            await post_audit_line(deps, client, f"{mention(user)}: {getattr(out, 'message', op.title)}")
        return render.view(out)
    started = await deps.core.confirmer.run(op, inp, caller)
    if isinstance(started, Plan):
        return render.preview(started, button_value(started, inp), deps.core.confirmer.ttl)
    if executed(started):
        await post_audit_line(deps, client, f"{mention(user)}: {started.message}")
    return render.outcome(started)


def in_slack_words(err: InvalidInputError, spec: Spec) -> InvalidInputError:
    """A core refusal names input fields; the person typed flags."""
    fields = [FieldProblem(spec.display(p.field), spec.in_flags(p.problem)) for p in err.fields]
    out = InvalidInputError(spec.in_flags(err.message), fields=fields, hint=err.hint)
    out.request_id = err.request_id
    return out


def button_value(plan: Plan, inp: InputModel) -> str:
    """What the confirm button carries: the signed plan and the request it was made of."""
    data = {"t": plan.token, "a": inp.model_dump(mode="json", exclude_defaults=True)}
    return json.dumps(data, separators=(",", ":"))


def operation_of(name: str) -> Operation | None:
    return CATALOGUE.get(name)


async def post_audit_line(deps: BotDeps, client: AsyncWebClient, line: str) -> None:
    if not deps.audit_channel:
        return
    try:
        await client.chat_postMessage(channel=deps.audit_channel, text=line)
    except Exception:
        logger.exception("could not post to the audit channel %s", deps.audit_channel)


def executed(result: ConfirmResult[Any]) -> bool:
    return result.status in ("executed", "created")

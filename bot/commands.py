"""/registry: ack at once, then parse → operation → render → respond. Never raises after the ack."""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot import render
from bot.access import Access, mention
from bot.parsing import SPECS, Request, UsageError, parse
from tools.confirm import Confirmer, ConfirmResult, CreateByPut, Plan
from tools.errors import RegistryError
from tools.operations import ListInput, Registries, ReplaceInput

logger = logging.getLogger("bot.commands")
FRONT = "slack"


@dataclass
class BotDeps:
    registries: Registries
    confirmer: Confirmer
    access: Access
    audit_channel: str | None = None


def actor_of(user_id: str) -> str:
    return f"slack:{user_id}"


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
            return render.registry_list(await deps.registries.list(query), query.name_filter, query.limit)

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
    if SPECS[request.command].writes and not await deps.access.can_write(user, members_lookup(client)):
        return render.refusal(
            f"You can look, but not {request.command}: only {deps.access.who_can_write()} may change "
            "registries from Slack (REGISTRY_BOT_WRITERS). Ask one of them, or an admin to add you."
        )
    return await dispatch(deps, request, user, client)


async def dispatch(deps: BotDeps, request: Request, user: str, client: AsyncWebClient) -> render.Message:
    reg, args, actor = deps.registries, request.args, actor_of(user)
    match request.command:
        case "help":
            return render.help_message(SPECS.get(str(args)) if args else None)
        case "list":
            return render.registry_list(await reg.list(args), args.name_filter, args.limit)
        case "get":
            return render.registry_card(await reg.get(args.registry))
        case "locations":
            return render.locations(await reg.locations())
        case "check":
            return render.name_check(await reg.check_name(args.name))
        case "create" | "update":
            result = await (reg.create if request.command == "create" else reg.update)(args, actor=actor, front=FRONT)
            await post_audit_line(deps, client, f"{mention(user)}: {result.message}")
            return render.registry_card(result.registry, intro=result.message)
        case "delete":
            plan = await deps.confirmer.plan_delete(args.registry, actor=actor, front=FRONT)
            return render.preview(plan, button_value(plan, None), deps.confirmer.ttl)
        case _:
            return await replace(deps, args, user, client)


async def replace(deps: BotDeps, args: ReplaceInput, user: str, client: AsyncWebClient) -> render.Message:
    planned = await deps.confirmer.plan_replace(args, actor=actor_of(user), front=FRONT)
    if isinstance(planned, Plan):
        return render.preview(planned, button_value(planned, args), deps.confirmer.ttl)
    if isinstance(planned, CreateByPut):
        planned = await deps.confirmer.create_by_put(planned, actor=actor_of(user), front=FRONT)
        await post_audit_line(deps, client, f"{mention(user)}: {planned.message}")
    return render.outcome(planned)


def button_value(plan: Plan, replace_args: ReplaceInput | None) -> str:
    """What the confirm button carries: the signed plan, and for a replace the arguments it was made of."""
    data: dict[str, Any] = {"t": plan.token}
    if replace_args is not None:
        data["r"] = replace_args.model_dump(mode="json", exclude_defaults=True)
    return json.dumps(data, separators=(",", ":"))


async def post_audit_line(deps: BotDeps, client: AsyncWebClient, line: str) -> None:
    if not deps.audit_channel:
        return
    try:
        await client.chat_postMessage(channel=deps.audit_channel, text=line)
    except Exception:
        logger.exception("could not post to the audit channel %s", deps.audit_channel)


def executed(result: ConfirmResult) -> bool:
    return result.status in ("executed", "created")

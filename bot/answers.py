"""What a command says, wherever it is asked (``/registry``, a mention, a DM, a Next page button):
parse → access → operation → render. Never raises: a listener must not, after its ack."""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel
from slack_bolt.async_app import AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot import render
from bot.access import mention
from bot.deps import BotDeps
from bot.parsing import SPECS, Request, Spec, UsageError, parse
from bot.people import caller_of
from bot.progress import Followup, Where, followup
from tools.confirmation import Plan
from tools.errors import FieldProblem, InvalidInputError, RegistryError
from tools.models import InputModel
from tools.people import Caller
from tools.views import TokenCreated

logger = logging.getLogger("bot.answers")


@dataclass
class Answer:
    """What to say; whether only the asker may see it (previews, refusals, passwords, help); and what
    to keep following afterwards (a registry still provisioning or deleting)."""

    message: render.Message
    private: bool = False
    follow: Followup | None = None
    changed: str | None = None  # what a change that ran says it did (a button on a digest records it)


async def answered(work: Callable[[], Awaitable[Answer]]) -> Answer:
    """The answer, whatever happens (gotcha: a listener must never raise after its ack)."""
    try:
        return await work()
    except RegistryError as err:
        return Answer(render.error(err))
    except Exception:
        logger.exception("a /registry request failed")
        return Answer(render.refusal("Something went wrong on our side; it has been logged. Please try again."), True)


def through_response_url(respond: AsyncRespond) -> Where:
    """A slash command's answer: ephemeral, replaced in place; the end is said in the channel."""

    async def update(message: render.Message) -> None:
        await respond(**message, response_type="ephemeral", replace_original=True)

    async def announce(text: str) -> None:
        await respond(text=text, response_type="in_channel", replace_original=False)

    # The answer, then at most one change of state, the final state and the mention: four uses.
    return Where(update, announce, lambda name: f"/registry get {name}", between=1)


async def answer(
    deps: BotDeps,
    text: str,
    user: str,
    channel: str | None,
    client: AsyncWebClient,
    *,
    thread: str | None = None,
) -> Answer:
    """``/registry TEXT`` (or a mention saying TEXT) from ``user`` in ``channel``: the same grammar,
    access rules and channel allow-list wherever it is asked."""
    if not deps.access.channel_allowed(channel):
        return Answer(render.refusal(f"I only answer in {deps.access.where()}."), private=True)
    try:
        request = parse(text)
    except UsageError as err:
        return Answer(render.help_message(err.spec, err.problem, err.suggestion), private=True)
    if request.op is None:
        return Answer(render.help_message(SPECS.get(str(request.args)) if request.args else None), private=True)
    caller = caller_of(user)
    if request.op.writes and not await deps.can_write(user, client):
        deps.core.refuse(request.op, request.args, caller, "not a Slack writer (REGISTRY_BOT_WRITERS)")
        refusal = render.refusal(
            f"You can look, but not {request.command}: only {deps.access.who_can_write()} may change "
            "registries from Slack (REGISTRY_BOT_WRITERS). Ask one of them, or an admin to add you."
        )
        return Answer(refusal, private=True)
    if request.op.writes:
        caller = await deps.asker(user, client)
    try:
        return await perform(deps, request, caller, user, client, thread)
    except InvalidInputError as err:
        raise in_slack_words(err, SPECS[request.command]) from None


async def perform(
    deps: BotDeps, request: Request, caller: Caller, user: str, client: AsyncWebClient, thread: str | None = None
) -> Answer:
    op, inp = request.op, request.args
    assert op is not None
    if op.run is not None:
        out: BaseModel = await op.call(deps.core, inp, caller)
        if op.writes:
            await deps.post_audit(client, f"{mention(user)}: {getattr(out, 'message', op.title)}")
        follow = followup(deps.core, op, out, user)
        message = render.following(out, None, "") if follow else render.view(out)
        cursor = getattr(out, "next_cursor", None)
        if isinstance(cursor, str) and cursor:
            message = render.with_next_page(message, request.page(cursor))
        changed = str(getattr(out, "message", op.title)) if op.writes else None
        return Answer(message, private=isinstance(out, TokenCreated), follow=follow, changed=changed)  # a password
    started = await deps.core.confirmer.run(op, inp, caller)
    if isinstance(started, Plan):
        preview = render.preview(started, button_value(started, inp, thread), deps.core.confirmer.ttl)
        return Answer(preview, private=True)  # confirmations are never public
    if started.executed:
        await deps.post_audit(client, f"{mention(user)}: {started.message}")
    follow = followup(deps.core, op, started, user)
    message = render.following(started, None, "") if follow else render.change_result(started)
    return Answer(message, follow=follow, changed=started.message if started.executed else None)


def in_slack_words(err: InvalidInputError, spec: Spec) -> InvalidInputError:
    """A core refusal names input fields; the person typed flags."""
    fields = [FieldProblem(spec.display(p.field), spec.in_flags(p.problem)) for p in err.fields]
    # The API's own words (errorCode, message) and the request id stay: they are the reason.
    return InvalidInputError(
        spec.in_flags(err.message),
        fields=fields,
        hint=err.hint,
        status=err.status,
        messages=err.messages,
        request_id=err.request_id,
    )


def button_value(plan: Plan, inp: InputModel, thread: str | None = None) -> str:
    """What the confirm button carries: the signed plan, the request it was made of, and the thread
    it was asked in (where the outcome is said)."""
    data: dict[str, Any] = {
        "t": plan.token,
        "o": plan.claims.operation,
        "a": inp.model_dump(mode="json", exclude_defaults=True),
    }
    if thread:
        data["th"] = thread
    return json.dumps(data, separators=(",", ":"))

"""Changes: previews with their danger button, the type-the-name dialog, outcomes, progress, failures."""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel

from bot.render.blocks import (
    BLOCK_LIMIT,
    CANCEL_ACTION,
    CONFIRM_ACTION,
    METADATA_LIMIT,
    MODAL_CALLBACK,
    NAME_ACTION,
    NAME_BLOCK,
    VALUE_LIMIT,
    Message,
    context,
    esc,
    header,
    message,
    plain,
    section,
    sections,
    verb,
    with_note,
)
from bot.render.results import view
from tools.confirmation import Approval, Claims, ConfirmResult, Plan
from tools.errors import ConfirmationError, InvalidInputError, RegistryError
from tools.follow import Progress, elapsed_text, progress_line
from tools.views import RegistryState


def preview(plan: Plan, button_value: str, ttl_seconds: int) -> Message:
    """The preview with a danger button (and Slack's own confirm dialog) and a cancel button."""
    name, action = plan.claims.confirm_name, verb(plan.claims.operation)
    kind = plan.claims.operation.split("_", 1)[-1].replace("_", " ")
    lines = [esc(line) for line in plan.preview.lines()]
    blocks = [header(f"{action} {kind} {name}?"), *sections(lines, per_block=20)]
    if len(button_value) > VALUE_LIMIT:
        raise ValueError("this change is too large to carry in a Slack button; use fewer allow-list entries")
    undo = " This cannot be undone." if action == "Delete" else ""
    dialog = {
        "title": plain(f"{action} {name}?", 100),
        "text": plain(f"Next you type the name to confirm.{undo}", 300),
        "confirm": plain("Continue", 30),
        "deny": plain("Back", 30),
        "style": "danger",
    }
    blocks.append(
        {
            "type": "actions",
            "block_id": "registry_confirm_actions",
            "elements": [
                {
                    "type": "button",
                    "action_id": CONFIRM_ACTION,
                    "style": "danger",
                    "text": plain(f"{action} {name}…"),
                    "value": button_value,
                    "confirm": dialog,
                },
                {"type": "button", "action_id": CANCEL_ACTION, "text": plain("Cancel"), "value": button_value},
            ],
        }
    )
    window = f"{ttl_seconds // 60} minutes" if ttl_seconds >= 120 else f"{ttl_seconds} seconds"
    blocks.append(context(f"Only you can confirm, within {window}."))
    return message(f"{action} {kind} {name}? Review the preview and confirm.", blocks)


def confirm_modal(claims: Claims, private_metadata: str) -> dict[str, Any]:
    if len(private_metadata) > METADATA_LIMIT:
        raise ValueError("confirmation metadata too large for Slack")
    action, name = verb(claims.operation), claims.confirm_name
    kind = claims.operation.split("_", 1)[-1].replace("_", " ")
    return {
        "type": "modal",
        "callback_id": MODAL_CALLBACK,
        "notify_on_close": True,
        "private_metadata": private_metadata,
        "title": plain(f"{action} {kind}", 24),
        "submit": plain(action, 24),
        "close": plain("Cancel", 24),
        "blocks": [
            section(f"To {action.lower()} *{esc(name)}*, type its name."),
            {
                "type": "input",
                "block_id": NAME_BLOCK,
                "label": plain("Name", 2000),
                "element": {"type": "plain_text_input", "action_id": NAME_ACTION, "placeholder": plain(name, 150)},
            },
        ],
    }


_CHANNEL = re.compile(r"the Slack channel (C[A-Z0-9]{2,})\b")


def change_result(result: ConfirmResult[Any]) -> Message:
    icon = {
        "executed": ":white_check_mark:",
        "created": ":white_check_mark:",
        "declined": ":leftwards_arrow_with_hook:",
        "pending_approval": ":eyes:",
    }.get(result.status, ":information_source:")
    # The core names a channel in plain words (no Slack markup reaches a model); here it is a link.
    said = _CHANNEL.sub(r"<#\1>", esc(result.message))
    blocks = [section(f"{icon} {said}")]
    if result.changes and result.status in ("executed", "created"):
        blocks += sections(f"• {esc(c.line())}" for c in result.changes)
    if isinstance(result.result, Approval):  # the requester's copy: no buttons (those are for someone else)
        blocks.append(context(f"request `{esc(result.result.id)}` · `/registry approval {esc(result.result.id)}`"))
    elif result.result is not None and result.status != "declined" and not isinstance(result.result, RegistryState):
        blocks += view(result.result)["blocks"]
    changed = [c.line() for c in result.changes] if result.status in ("executed", "created") else []
    return message("\n".join([result.message, *changed]), blocks[:BLOCK_LIMIT])


def public_note(user_id: str, claims: Claims) -> str:
    past = {"Delete": "deleted", "Replace": "replaced the settings of", "Update": "updated"}
    action = past.get(verb(claims.operation), verb(claims.operation).lower() + "d")
    kind = claims.operation.split("_", 1)[-1].replace("_", " ")
    target = (
        claims.confirm_name
        if claims.target_name in ("", claims.registry_name)
        else (f"{claims.confirm_name} in {claims.registry_name}")
    )
    return f"<@{user_id}> {action} {kind} *{esc(target)}* ({esc(claims.target_id or claims.registry_id)})."


# ---------------------------------------------------------------- long operations


def answer(out: BaseModel) -> Message:
    return change_result(out) if isinstance(out, ConfirmResult) else view(out)


def following(out: BaseModel, progress: Progress | None, again: str) -> Message:
    """An answer about a registry that is still changing, and where it got to; updated in place."""
    if progress is None:
        note = ":hourglass_flowing_sand: IONOS is still working on it; this message updates when that changes."
    elif progress.timed_out:
        note = f":hourglass: {esc(progress_line(progress))} Check again with `{esc(again)}`."
    elif progress.done:
        icon = ":x:" if progress.failed or progress.error is not None else ":white_check_mark:"
        note = f"{icon} {esc(progress_line(progress))}"
    else:
        took = elapsed_text(progress.elapsed)
        note = f":hourglass_flowing_sand: {esc(progress.state or '?')} after {took}; still following it."
    return with_note(answer(out), note)


# ---------------------------------------------------------------- failures


def error(err: RegistryError) -> Message:
    lines = [f":x: {esc(err.message)}"]
    if isinstance(err, InvalidInputError) and err.fields:
        lines = [f":x: {esc(err.message.split(':', 1)[0])}:", *(f"• {esc(line)}" for line in err.lines())]
    detail = err.detail()
    if detail:
        lines.append(f"IONOS said: {esc(detail)}")
    if err.hint:
        lines.append(f"_Next:_ {esc(err.hint)}")
    blocks = sections(lines)
    if isinstance(err, ConfirmationError) and err.current is not None:
        blocks += view(err.current)["blocks"]
    if err.request_id:
        blocks.append(context(f"request id `{esc(err.request_id)}`"))
    return message(f"{err.message}", blocks)


def refusal(text: str) -> Message:
    return message(text, [section(f":no_entry: {text}")])

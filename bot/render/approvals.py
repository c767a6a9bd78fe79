"""Four eyes: the approval request card in the approval channel; an assistant's change in its person's DM."""

from __future__ import annotations

from typing import Any, NamedTuple

from bot.render.blocks import BLOCK_LIMIT, Message, context, esc, header, message, plain, section, sections, verb
from tools.confirmation import Approval, Handoff

APPROVE_ACTION, REJECT_ACTION = "registry_approve", "registry_reject"
HANDOFF_CONFIRM_ACTION, HANDOFF_CANCEL_ACTION = "registry_handoff_confirm", "registry_handoff_cancel"


def who(actor: str) -> str:
    """``slack:U123`` → a mention; anyone else by name."""
    return f"<@{actor.split(':', 1)[1]}>" if actor.startswith("slack:") else esc(actor.split(":", 1)[-1])


def approval_card(approval: Approval) -> Message:
    """The request in the approval channel: the preview, who asked and how, and (while pending) the buttons."""
    asker = who(approval.requested_by)
    asked = (
        f"{asker} asked *through an AI assistant* (MCP), acting for them"
        if approval.by_assistant
        else f"{asker} asked in Slack"
    )
    decided = f"decided by {who(approval.decided_by)}" if approval.decided_by else "nobody decided in time"
    return _card(
        approval,
        "Approval needed",
        f"{asked} · request `{esc(approval.id)}` · expires {approval.expires_at:%Y-%m-%d %H:%M} UTC",
        _decision(
            "registry_approval",
            approval.id,
            Button(APPROVE_ACTION, "Approve", "primary", "Approve this change?", "asked by someone else. "),
            Button(REJECT_ACTION, "Reject", "danger"),
            _what(approval),
        ),
        f"{esc(approval.outcome or approval.status)} ({decided})",
    )


def handoff_card(handoff: Handoff) -> Message:
    """An assistant's change in its person's DM: the preview and, while pending, Confirm and Cancel."""
    return _card(
        handoff,
        "Your AI assistant asks",
        f"Asked through an AI assistant (MCP) signed in as you · confirmation `{esc(handoff.id)}` · "
        f"expires {handoff.expires_at:%Y-%m-%d %H:%M} UTC. Only you can confirm it; the assistant cannot.",
        _decision(
            "registry_handoff",
            handoff.id,
            Button(HANDOFF_CONFIRM_ACTION, "Confirm", "danger", "Make this change?", ""),
            Button(HANDOFF_CANCEL_ACTION, "Cancel"),
            _what(handoff),
        ),
        esc(handoff.outcome or handoff.status),
    )


def _what(item: Approval | Handoff) -> str:
    return f"{verb(item.operation)} {item.operation.split('_', 1)[-1].replace('_', ' ')} {item.target}"


def _card(item: Approval | Handoff, asking: str, note: str, decision: dict[str, Any], ended: str) -> Message:
    """A change waiting for a person: the preview, how it came, and the decision while it is pending."""
    pending = item.status == "pending"
    title = f"{asking if pending else item.status.replace('_', ' ').capitalize()}: {_what(item)}"
    blocks = [header(title[:150]), *sections([esc(line) for line in item.preview.lines()], per_block=20)]
    blocks += [context(note), decision if pending else section(ended)]
    return message(title, blocks[:BLOCK_LIMIT])


class Button(NamedTuple):
    """A button; with ``ask``, Slack's own are-you-sure dialog first (``ask_note`` before "It runs at once.")."""

    action_id: str
    label: str
    style: str | None = None
    ask: str | None = None
    ask_note: str = ""


def _decision(block_id: str, value: str, yes: Button, no: Button, what: str) -> dict[str, Any]:
    elements = []
    for action_id, label, style, ask, ask_note in (yes, no):
        button: dict[str, Any] = {"type": "button", "action_id": action_id, "text": plain(label), "value": value}
        if style:
            button["style"] = style
        if ask:
            button["confirm"] = {
                "title": plain(ask, 100),
                "text": plain(f"{what}, {ask_note}It runs at once." if ask_note else f"{what}. It runs at once.", 300),
                "confirm": plain(label, 30),
                "deny": plain("Back", 30),
            }
        elements.append(button)
    return {"type": "actions", "block_id": block_id, "elements": elements}

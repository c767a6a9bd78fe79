"""Four eyes: the approval request card in the approval channel; an assistant's change in its person's DM."""

from __future__ import annotations

from bot.render.blocks import BLOCK_LIMIT, Message, context, esc, header, message, plain, section, sections, verb
from tools.confirmation import Approval, Handoff

APPROVE_ACTION, REJECT_ACTION = "registry_approve", "registry_reject"
HANDOFF_CONFIRM_ACTION, HANDOFF_CANCEL_ACTION = "registry_handoff_confirm", "registry_handoff_cancel"


def who(actor: str) -> str:
    """``slack:U123`` → a mention; anyone else by name."""
    return f"<@{actor.split(':', 1)[1]}>" if actor.startswith("slack:") else esc(actor.split(":", 1)[-1])


def approval_card(approval: Approval) -> Message:
    """The request in the approval channel: the preview, who asked and how, and (while pending) the buttons."""
    action, kind = verb(approval.operation), approval.operation.split("_", 1)[-1].replace("_", " ")
    pending = approval.status == "pending"
    title = (
        f"Approval needed: {action} {kind} {approval.target}"
        if pending
        else f"{approval.status.capitalize()}: {action} {kind} {approval.target}"
    )
    asked = (
        f"{who(approval.requested_by)} asked *through an AI assistant* (MCP), acting for them"
        if approval.by_assistant
        else f"{who(approval.requested_by)} asked in Slack"
    )
    blocks = [header(title[:150]), *sections([esc(line) for line in approval.preview.lines()], per_block=20)]
    blocks.append(context(f"{asked} · request `{esc(approval.id)}` · expires {approval.expires_at:%Y-%m-%d %H:%M} UTC"))
    if pending:
        value = approval.id
        blocks.append(
            {
                "type": "actions",
                "block_id": "registry_approval",
                "elements": [
                    {
                        "type": "button",
                        "action_id": APPROVE_ACTION,
                        "style": "primary",
                        "text": plain("Approve"),
                        "value": value,
                        "confirm": {
                            "title": plain("Approve this change?", 100),
                            "text": plain(
                                f"{action} {kind} {approval.target}, asked by someone else. It runs at once.", 300
                            ),
                            "confirm": plain("Approve", 30),
                            "deny": plain("Back", 30),
                        },
                    },
                    {
                        "type": "button",
                        "action_id": REJECT_ACTION,
                        "style": "danger",
                        "text": plain("Reject"),
                        "value": value,
                    },
                ],
            }
        )
    else:
        decided = f"decided by {who(approval.decided_by)}" if approval.decided_by else "nobody decided in time"
        blocks.append(section(f"{esc(approval.outcome or approval.status)} ({decided})"))
    return message(title, blocks[:BLOCK_LIMIT])


def handoff_card(handoff: Handoff) -> Message:
    """An assistant's change in its person's DM: the preview and, while pending, Confirm and Cancel."""
    action, kind = verb(handoff.operation), handoff.operation.split("_", 1)[-1].replace("_", " ")
    pending = handoff.status == "pending"
    title = (
        f"Your AI assistant asks: {action} {kind} {handoff.target}"
        if pending
        else f"{handoff.status.replace('_', ' ').capitalize()}: {action} {kind} {handoff.target}"
    )
    blocks = [header(title[:150]), *sections([esc(line) for line in handoff.preview.lines()], per_block=20)]
    blocks.append(
        context(
            f"Asked through an AI assistant (MCP) signed in as you · confirmation `{esc(handoff.id)}` · "
            f"expires {handoff.expires_at:%Y-%m-%d %H:%M} UTC. Only you can confirm it; the assistant cannot."
        )
    )
    if pending:
        blocks.append(
            {
                "type": "actions",
                "block_id": "registry_handoff",
                "elements": [
                    {
                        "type": "button",
                        "action_id": HANDOFF_CONFIRM_ACTION,
                        "style": "danger",
                        "text": plain("Confirm"),
                        "value": handoff.id,
                        "confirm": {
                            "title": plain("Make this change?", 100),
                            "text": plain(f"{action} {kind} {handoff.target}. It runs at once.", 300),
                            "confirm": plain("Confirm", 30),
                            "deny": plain("Back", 30),
                        },
                    },
                    {
                        "type": "button",
                        "action_id": HANDOFF_CANCEL_ACTION,
                        "text": plain("Cancel"),
                        "value": handoff.id,
                    },
                ],
            }
        )
    else:
        blocks.append(section(esc(handoff.outcome or handoff.status)))
    return message(title, blocks[:BLOCK_LIMIT])

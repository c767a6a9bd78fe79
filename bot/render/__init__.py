"""Pure: results, previews and errors → Slack messages (Block Kit), inside Slack's limits.

Every function returns ``{"text": fallback, "blocks": [...]}`` (or a view). Text from users
and the API is escaped for mrkdwn; long content is split across blocks, never cut silently.
One surface for the fronts (``from bot import render``); the modules split it by subject.
"""

from bot.render.approvals import (
    APPROVE_ACTION,
    HANDOFF_CANCEL_ACTION,
    HANDOFF_CONFIRM_ACTION,
    REJECT_ACTION,
    approval_card,
    handoff_card,
    who,
)
from bot.render.blocks import (
    BLOCK_LIMIT,
    CANCEL_ACTION,
    CONFIRM_ACTION,
    MODAL_CALLBACK,
    NAME_ACTION,
    NAME_BLOCK,
    NEXT_ACTION,
    Message,
    context,
    esc,
    plain,
    section,
    with_next_page,
)
from bot.render.changes import (
    change_result,
    confirm_modal,
    error,
    following,
    preview,
    public_note,
    refusal,
)
from bot.render.checks import image_check
from bot.render.results import (
    FINDING_ACTION,
    HOME_FINDINGS,
    PICK_ACTION,
    help_message,
    home,
    registry_card,
    registry_list,
    view,
    watch_report,
)

__all__ = [
    "APPROVE_ACTION",
    "BLOCK_LIMIT",
    "CANCEL_ACTION",
    "CONFIRM_ACTION",
    "FINDING_ACTION",
    "HANDOFF_CANCEL_ACTION",
    "HANDOFF_CONFIRM_ACTION",
    "HOME_FINDINGS",
    "MODAL_CALLBACK",
    "NAME_ACTION",
    "NAME_BLOCK",
    "NEXT_ACTION",
    "PICK_ACTION",
    "REJECT_ACTION",
    "Message",
    "approval_card",
    "change_result",
    "confirm_modal",
    "context",
    "error",
    "esc",
    "following",
    "handoff_card",
    "help_message",
    "home",
    "image_check",
    "plain",
    "preview",
    "public_note",
    "refusal",
    "registry_card",
    "registry_list",
    "section",
    "view",
    "watch_report",
    "who",
    "with_next_page",
]

"""Block Kit building blocks within Slack's limits: escaping, sections split under 3,000 characters."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

Message = dict[str, Any]
SECTION_LIMIT = 3000
BLOCK_LIMIT = 50
VALUE_LIMIT = 2000
METADATA_LIMIT = 3000
LINES_PER_SECTION = 10
HOME_LIMIT = 90  # a Home tab holds 100 blocks
CONFIRM_ACTION = "registry_confirm"
CANCEL_ACTION = "registry_cancel"
NEXT_ACTION = "registry_list_next"
MODAL_CALLBACK = "registry_confirm_modal"
NAME_BLOCK, NAME_ACTION = "confirm_name", "typed"


def esc(text: object) -> str:
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def fallback(text: object) -> str:
    """The notification text: shown raw by Slack clients, so ``->`` stays ``->`` (``<`` and ``&``
    are still escaped so nothing in it becomes a link or a mention)."""
    return str(text).replace("&", "&amp;").replace("<", "&lt;")


def verb(operation: str) -> str:
    """``delete_registry`` → ``Delete``."""
    return operation.split("_", 1)[0].capitalize()


def plain(text: str, limit: int = 75) -> dict[str, Any]:
    return {"type": "plain_text", "text": text if len(text) <= limit else text[: limit - 1] + "…", "emoji": True}


def section(text: str) -> dict[str, Any]:
    assert len(text) <= SECTION_LIMIT, "split long text with sections() before rendering"
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def sections(lines: Iterable[str], per_block: int = LINES_PER_SECTION) -> list[dict[str, Any]]:
    """Lines grouped into section blocks, each within the 3,000-character limit."""
    out: list[dict[str, Any]] = []
    chunk: list[str] = []
    for raw in lines:
        line = raw if len(raw) <= SECTION_LIMIT else raw[: SECTION_LIMIT - 1] + "…"
        if chunk and (len(chunk) >= per_block or len("\n".join([*chunk, line])) > SECTION_LIMIT):
            out.append(section("\n".join(chunk)))
            chunk = []
        chunk.append(line)
    if chunk:
        out.append(section("\n".join(chunk)))
    return out


def context(text: str) -> dict[str, Any]:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": text[:SECTION_LIMIT]}]}


def header(text: str) -> dict[str, Any]:
    return {"type": "header", "text": plain(text, 150)}


def message(text: str, blocks: list[dict[str, Any]]) -> Message:
    """``text`` is the notification fallback: plain words. Nothing we post unfurls: a link from an
    advisory feed is shown as text, never previewed (a preview fetches the URL and shows its words)."""
    assert len(blocks) <= BLOCK_LIMIT
    return {"text": fallback(text)[:SECTION_LIMIT], "blocks": blocks, "unfurl_links": False, "unfurl_media": False}


def with_note(msg: Message, note: str) -> Message:
    """``msg`` with a context line at the end (the progress of what it shows)."""
    return {**msg, "text": f"{msg['text']}\n{note}", "blocks": [*msg["blocks"][: BLOCK_LIMIT - 1], context(note)]}


def with_next_page(msg: Message, command: str, label: str = "Next page") -> Message:
    """``msg`` with a button that runs ``/registry COMMAND`` (the same list at its next cursor) for
    whoever presses it, under the same rules as typing it."""
    value = json.dumps({"q": command}, separators=(",", ":"))
    if len(value) > VALUE_LIMIT:
        tail = [context(f"More: `/registry {esc(command)[: SECTION_LIMIT - 40]}`")]
    else:
        button = {"type": "button", "action_id": NEXT_ACTION, "text": plain(label), "value": value}
        tail = [{"type": "actions", "block_id": "list_paging", "elements": [button]}]
    return {**msg, "blocks": [*msg["blocks"][: BLOCK_LIMIT - len(tail)], *tail]}

"""What a person reads in an answer: an MCP tool result's text, a Slack message's text and blocks."""

from __future__ import annotations

import html
from typing import Any

from mcp.types import CallToolResult


def text(result: CallToolResult) -> str:
    """Every text block of a tool result, one per line."""
    return "\n".join(getattr(block, "text", "") for block in result.content)


def texts(reply: dict[str, Any]) -> str:
    """A Slack message as read: its fallback text and every block's text, entities unescaped."""
    out = [str(reply.get("text", ""))]
    for block in reply.get("blocks") or []:
        if block.get("text"):
            out.append(block["text"]["text"])
        out += [f["text"] for f in block.get("fields") or []]
        out += [
            e.get("text", "") if isinstance(e.get("text"), str) else e.get("text", {}).get("text", "")
            for e in block.get("elements") or []
        ]
    return html.unescape("\n".join(out))


def status(result: CallToolResult) -> str:
    """The status a tool answered with (its structured content); its text when it has none."""
    assert result.structured_content is not None, text(result)
    return str(result.structured_content["status"])

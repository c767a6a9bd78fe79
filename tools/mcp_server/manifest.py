"""The tool manifest: every tool as ``tools/list`` shows it, with the facts its offer is decided from.

``manifest.json`` is generated from the catalogue (``make docs``, by ``server.manifest_of``), and
``tests/test_docs.py`` fails when the committed one differs, so it cannot go stale. The stdio server
answers its first ``tools/list`` from it (``stdio.py``): a client lists the tools without the
process importing the catalogue or the SDK building two dozen argument models and output schemas.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from functools import cache
from pathlib import Path
from typing import Any

from mcp.server.context import ServerMiddleware

from tools.mcp_server.offer import Modes, ToolFacts, annotations_for, offered
from tools.mcp_server.schemas import compact_hints, compact_tool

PATH = Path(__file__).with_name("manifest.json")
Middleware = ServerMiddleware[Any]


@dataclass(frozen=True)
class Manifest:
    toolsets: tuple[str, ...]
    facts: tuple[ToolFacts, ...]
    wire: dict[str, dict[str, Any]]  # name → its tools/list entry, compacted, without annotations

    @classmethod
    def of(cls, toolsets: tuple[str, ...], facts: tuple[ToolFacts, ...], listed: dict[str, Any]) -> Manifest:
        """From a built server's ``tools/list`` (``listed``: name → tool, as the SDK dumps it)."""
        wire = {}
        for tool in facts:
            entry = compact_tool(dict(listed[tool.name]))
            entry.pop("annotations", None)
            wire[tool.name] = entry
        return cls(toolsets, facts, wire)

    def listing(self, modes: Modes) -> list[dict[str, Any]]:
        """The tools a server with ``modes`` lists, as it lists them."""
        tools = []
        for tool in offered(self.facts, modes):
            hints = annotations_for(tool, modes).model_dump(mode="json", by_alias=True, exclude_none=True)
            tools.append({**self.wire[tool.name], "annotations": compact_hints(hints)})
        return tools

    def text(self) -> str:
        data = {
            "toolsets": list(self.toolsets),
            "tools": [{"facts": asdict(tool), "tool": self.wire[tool.name]} for tool in self.facts],
        }
        return json.dumps(data, indent=1, ensure_ascii=False) + "\n"

    @classmethod
    def parse(cls, text: str) -> Manifest:
        data = json.loads(text)
        facts = tuple(ToolFacts(**entry["facts"]) for entry in data["tools"])
        wire = {entry["facts"]["name"]: entry["tool"] for entry in data["tools"]}
        return cls(tuple(data["toolsets"]), facts, wire)


@cache
def read() -> Manifest:
    return Manifest.parse(PATH.read_text(encoding="utf-8"))

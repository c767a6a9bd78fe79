"""Compact tool schemas for ``tools/list``: every tool definition is paid for in every conversation's
context, so what carries no meaning goes (titles pydantic derives from field names, ``default: null``)
and ``anyOf: [X, null]`` becomes ``type: [X, "null"]``. Input schemas stay equivalent: the same inputs
are valid. Output schemas describe the same shapes and leave out what every answer shows anyway:
descriptions (the text content explains), defaults and ``required`` (an answer carries every field,
null where empty). Clients that validate answers (the SDK's does) check them against these."""

from __future__ import annotations

from typing import Any

from mcp.server.context import CallNext, HandlerResult, ServerRequestContext
from pydantic import BaseModel

NULL = {"type": "null"}


def compact_schema(schema: dict[str, Any], *, describe: bool = True) -> dict[str, Any]:
    """A whole tool schema: enum definitions inlined where used, then ``compact``."""
    defs = schema.get("$defs") or {}
    enums = {
        f"#/$defs/{name}": {"enum": d["enum"], "type": d.get("type", "string")}
        for name, d in defs.items()
        if "enum" in d
    }
    inlined = _inline(schema, enums)
    remaining = {name: d for name, d in defs.items() if f"#/$defs/{name}" not in enums}
    if remaining:
        inlined["$defs"] = {
            name: {k: _inline(v, enums) for k, v in d.items() if k != "description"} for name, d in remaining.items()
        }
    else:
        inlined.pop("$defs", None)
    result: dict[str, Any] = compact(inlined, describe=describe)
    return result


def _inline(node: Any, enums: dict[str, dict[str, Any]]) -> Any:
    if isinstance(node, list):
        return [_inline(item, enums) for item in node]
    if not isinstance(node, dict):
        return node
    ref = node.get("$ref")
    if isinstance(ref, str) and ref in enums:
        return {**enums[ref], **{k: v for k, v in node.items() if k != "$ref"}}
    return {k: _inline(v, enums) for k, v in node.items()}


def compact(node: Any, *, describe: bool = True) -> Any:
    """``describe=False`` also drops descriptions (output schemas: the text content explains the result)."""
    if isinstance(node, list):
        return [compact(item, describe=describe) for item in node]
    if not isinstance(node, dict):
        return node
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key in ("properties", "$defs") and isinstance(value, dict):
            out[key] = {name: compact(schema, describe=describe) for name, schema in value.items()}
        elif not _noise(key, value, describe):
            out[key] = compact(value, describe=describe)
    return _nullable(out)


def _noise(key: str, value: Any, describe: bool) -> bool:
    """Keywords that carry no meaning for a model, or restate JSON Schema's own defaults."""
    return (
        (key in ("title", "examples") and isinstance(value, (str, list)))
        # Output descriptions go, except the one that says a field is untrusted (tools.sanitize).
        or (key == "description" and not describe and isinstance(value, str) and not value.startswith("Untrusted"))
        or (key == "default" and (value in (None, []) or not describe))  # an output's values are all sent
        or (key == "required" and not describe and isinstance(value, list))  # likewise: every field is sent
        or (key == "additionalProperties" and value is True)
    )


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    branches = schema.get("anyOf")
    if not (isinstance(branches, list) and len(branches) == 2 and NULL in branches):
        return schema
    other = next(b for b in branches if b != NULL)
    if other == {}:  # anything, or null: null is already anything
        return {k: v for k, v in schema.items() if k != "anyOf"}
    if not isinstance(other.get("type"), str):
        return schema
    merged = {k: v for k, v in schema.items() if k != "anyOf"}
    merged.update({k: v for k, v in other.items() if k != "description" or "description" not in merged})
    merged["type"] = [other["type"], "null"]
    if "enum" in merged:
        merged["enum"] = [*merged["enum"], None]
    return merged


# The MCP specification's defaults: a hint equal to its default says nothing a client does not assume.
# readOnlyHint and destructiveHint stay explicit whatever their value: they are what clients gate on.
HINT_DEFAULTS = {"idempotentHint": False, "openWorldHint": True}


def compact_tool(tool: dict[str, Any]) -> dict[str, Any]:
    if isinstance(tool.get("inputSchema"), dict):
        tool["inputSchema"] = compact_schema(tool["inputSchema"])
    if isinstance(tool.get("outputSchema"), dict):
        tool["outputSchema"] = compact_schema(tool["outputSchema"], describe=False)
    hints = tool.get("annotations")
    if isinstance(hints, dict):
        tool["annotations"] = compact_hints(hints)
    return tool


def compact_hints(hints: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in hints.items() if k not in HINT_DEFAULTS or HINT_DEFAULTS[k] != v}


class CompactToolList:
    """Server middleware: ``tools/list`` answers with compacted schemas and annotations."""

    async def __call__(self, ctx: ServerRequestContext[Any, Any], call_next: CallNext) -> HandlerResult:
        result = await call_next(ctx)
        if ctx.method != "tools/list" or result is None:
            return result
        wire = (
            result.model_dump(mode="json", by_alias=True, exclude_none=True)
            if isinstance(result, BaseModel)
            else result
        )
        for tool in wire.get("tools", []):
            compact_tool(tool)
        return wire

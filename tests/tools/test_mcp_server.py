"""The MCP tools: a golden tools/list, annotations that match the HTTP verbs, modes, output and errors."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import httpx
from mcp import Client
from mcp.types import CallToolResult
from pydantic import BaseModel

from tests.conftest import Stack, api_settings
from tools.audit import AuditLog
from tools.client import RegistryClient
from tools.config import SafetySettings
from tools.emulator.app import build_app
from tools.emulator.backend import Backend
from tools.mcp_server import ServerOptions, build_server
from tools.operations import CATALOGUE, Core, CreateInput, ListInput, ReplaceInput, UpdateInput

SNAPSHOT = Path(__file__).parent / "snapshots" / "tools_list.json"
INPUT_MODELS: dict[str, type[BaseModel]] = {
    "list_registries": ListInput,
    "create_registry": CreateInput,
    "update_registry": UpdateInput,
    "replace_registry": ReplaceInput,
}


def text(result: CallToolResult) -> str:
    return "\n".join(getattr(block, "text", "") for block in result.content)


async def tools_of(stack: Stack, options: ServerOptions | None = None) -> list[dict[str, Any]]:
    async with Client(build_server(stack.core, options)) as client:
        listed = await client.list_tools()
    return [t.model_dump(mode="json", by_alias=True, exclude_none=True) for t in listed.tools]


async def call(stack: Stack, tool: str, args: dict[str, Any]) -> CallToolResult:
    async with Client(build_server(stack.core)) as client:
        return await client.call_tool(tool, args)


async def test_tools_list_matches_the_golden_snapshot(stack: Stack) -> None:
    tools = await tools_of(stack)
    for tool in tools:
        tool.pop("_meta", None)
    current = json.dumps(tools, indent=2, sort_keys=True) + "\n"
    if os.environ.get("UPDATE_SNAPSHOTS") == "1":
        SNAPSHOT.parent.mkdir(exist_ok=True)
        SNAPSHOT.write_text(current)
    assert current == SNAPSHOT.read_text(), "tools/list changed: review, then rerun with UPDATE_SNAPSHOTS=1"


async def test_annotations_match_each_tools_http_method(stack: Stack) -> None:
    tools = {t["name"]: t["annotations"] for t in await tools_of(stack)}
    assert set(tools) == set(CATALOGUE)
    for name, hints in tools.items():
        method = CATALOGUE[name].method
        assert hints["openWorldHint"] is True
        assert hints["readOnlyHint"] is (method in ("GET", "HEAD")), name
        assert hints["destructiveHint"] is (method in ("PUT", "DELETE")), name
        assert hints["idempotentHint"] is (method != "POST"), name


async def test_read_only_mode_registers_read_tools_only(stack: Stack) -> None:
    names = {t["name"] for t in await tools_of(stack, ServerOptions(read_only=True))}
    assert names == {"list_registries", "get_registry", "list_locations", "check_registry_name"}


async def test_disable_destructive_drops_delete_and_replace(stack: Stack) -> None:
    names = {t["name"] for t in await tools_of(stack, ServerOptions(disable_destructive=True))}
    assert names == set(CATALOGUE) - {"delete_registry", "replace_registry"}


async def test_tool_arguments_are_the_input_models_fields(stack: Stack) -> None:
    tools = {t["name"]: t for t in await tools_of(stack)}
    for name, model in INPUT_MODELS.items():
        params = set(tools[name]["inputSchema"]["properties"]) - {"confirmation_token"}
        assert params == set(model.model_fields), name
    assert "plan" not in tools["delete_registry"]["inputSchema"]["properties"], "resolver params stay hidden"
    assert "answer" not in tools["delete_registry"]["inputSchema"]["properties"]


async def test_every_tool_has_an_output_schema(stack: Stack) -> None:
    for tool in await tools_of(stack):
        assert tool["outputSchema"]["type"] == "object", tool["name"]


async def test_list_is_capped_and_pages_honestly(stack: Stack) -> None:
    result = await call(stack, "list_registries", {"limit": 5})
    assert result.structured_content is not None
    page = result.structured_content
    assert len(page["registries"]) == 5
    assert page["more_available"] is True
    assert f"cursor={page['next_cursor']}" in text(result)
    rest = await call(stack, "list_registries", {"cursor": page["next_cursor"]})
    assert rest.structured_content is not None
    assert rest.structured_content["more_available"] is False
    assert "that is all" in text(rest)
    too_many = await call(stack, "list_registries", {"limit": 500})
    assert too_many.is_error
    assert "less than or equal to 100" in text(too_many)


async def test_list_text_is_compact(stack: Stack) -> None:
    result = await call(stack, "list_registries", {"limit": 1})
    line = text(result).splitlines()[0]
    assert line.startswith("analytics | de/txl | Running | analytics.cr.de-txl.ionos.com |")


async def test_create_update_get_flow(stack: Stack) -> None:
    created = await call(stack, "create_registry", {"name": "from-mcp", "location": "de/fra", "gc_days": ["Wed"]})
    assert not created.is_error, text(created)
    assert "Created registry from-mcp" in text(created)
    updated = await call(stack, "update_registry", {"registry": "from-mcp", "api_subnet_allow_list": ["10.2.0.0/16"]})
    assert not updated.is_error, text(updated)
    got = await call(stack, "get_registry", {"registry": "from-mcp"})
    assert got.structured_content is not None
    assert got.structured_content["api_subnet_allow_list"] == ["10.2.0.0/16"]
    assert got.structured_content["gc_days"] == ["Wednesday"]


async def test_bad_input_names_the_field_and_rule(stack: Stack) -> None:
    bad_name = await call(stack, "create_registry", {"name": "Bad_Name", "location": "de/fra"})
    assert bad_name.is_error
    assert "name" in text(bad_name)
    assert "lowercase" in text(bad_name)
    cross = await call(stack, "create_registry", {"name": "ok-name", "location": "de/fra", "gc_time": "01:00"})
    assert cross.is_error
    assert "gc_time needs gc_days" in text(cross)


async def test_api_errors_carry_the_ionos_code_and_a_next_step(stack: Stack) -> None:
    result = await call(stack, "create_registry", {"name": "sandbox", "location": "de/fra"})
    assert result.is_error
    assert "NAME_ALREADY_IN_USE" in text(result)
    assert "Next:" in text(result)
    missing = await call(stack, "get_registry", {"registry": "sandbx"})
    assert "Did you mean sandbox?" in text(missing)


async def test_unauthorized_names_the_variable_to_check() -> None:
    app = build_app(Backend(seed=1), token="the-right-one")
    transport = httpx.ASGITransport(app=app)
    async with RegistryClient(api_settings("http://e", ionos_token="a-wrong-one"), transport=transport) as client:
        audit = AuditLog()
        server = build_server(Core.build(client, audit, SafetySettings()))
        async with Client(server) as mcp_client:
            result = await mcp_client.call_tool("list_registries", {})
    assert result.is_error
    assert "IONOS_TOKEN" in text(result)
    assert "a-wrong-one" not in text(result)
    assert text(result) != "Error executing tool list_registries"


async def test_locations_and_name_checks(stack: Stack) -> None:
    locations = await call(stack, "list_locations", {})
    assert locations.structured_content is not None
    assert "de/fra" in locations.structured_content["locations"]
    check = await call(stack, "check_registry_name", {"name": "brand-new"})
    assert check.structured_content is not None
    assert check.structured_content["status"] == "available"

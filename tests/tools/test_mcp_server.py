"""The MCP tools: a golden tools/list, annotations that match the HTTP verbs, modes, output and errors."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import httpx
import pytest
from mcp import Client
from mcp.types import CallToolResult
from pydantic import BaseModel

from tests.conftest import Stack, api_settings
from tests.helpers.text import status, text
from tools.app import Core
from tools.audit import AuditLog
from tools.client import RegistryClient
from tools.config import SafetySettings
from tools.emulator.app import build_app
from tools.emulator.backend import Backend
from tools.mcp_server import ServerOptions, build_server
from tools.operations import CATALOGUE, CreateInput, Kind, ListInput, ReplaceInput, UpdateInput

SNAPSHOTS = Path(__file__).parent / "snapshots" / "tools"
INPUT_MODELS: dict[str, type[BaseModel]] = {
    "list_registries": ListInput,
    "create_registry": CreateInput,
    "update_registry": UpdateInput,
    "replace_registry": ReplaceInput,
}


async def tools_of(stack: Stack, options: ServerOptions | None = None) -> list[dict[str, Any]]:
    async with Client(build_server(stack.core, options)) as client:
        listed = await client.list_tools()
    return [t.model_dump(mode="json", by_alias=True, exclude_none=True) for t in listed.tools]


async def call(stack: Stack, tool: str, args: dict[str, Any]) -> CallToolResult:
    async with Client(build_server(stack.core)) as client:
        return await client.call_tool(tool, args)


async def test_each_tool_matches_its_golden_snapshot(stack: Stack) -> None:
    """One file per tool (tests/tools/snapshots/tools/NAME.json): a change shows as that tool's diff."""
    tools = {tool["name"]: tool for tool in await tools_of(stack)}
    update = os.environ.get("UPDATE_SNAPSHOTS") == "1"
    if update:
        SNAPSHOTS.mkdir(parents=True, exist_ok=True)
        for stale in {p.stem for p in SNAPSHOTS.glob("*.json")} - set(tools):
            (SNAPSHOTS / f"{stale}.json").unlink()
    changed = []
    for name, tool in tools.items():
        tool.pop("_meta", None)
        current = json.dumps(tool, indent=2, sort_keys=True) + "\n"
        path = SNAPSHOTS / f"{name}.json"
        if update:
            path.write_text(current)
        if not path.exists() or path.read_text() != current:
            changed.append(name)
    assert changed == [], "tools/list changed for these tools: review, then rerun with UPDATE_SNAPSHOTS=1"
    assert sorted(p.stem for p in SNAPSHOTS.glob("*.json")) == sorted(tools), "a snapshot of a tool that is gone"


async def test_annotations_match_what_each_tool_can_do(stack: Stack) -> None:
    tools = {t["name"]: t["annotations"] for t in await tools_of(stack)}
    assert set(tools) == set(CATALOGUE) - {"get_confirmation"}  # that one only with REGISTRY_MCP_CONFIRM=slack
    for name, hints in tools.items():
        method = CATALOGUE[name].method
        # Hints equal to the MCP defaults (openWorld true, idempotent false) are left out of tools/list.
        assert hints.get("openWorldHint", True) is True
        assert hints["readOnlyHint"] is (method in ("GET", "HEAD")), name
        # PATCH can remove allow-list entries, disable a token or switch scanning on for good: destructive.
        assert hints["destructiveHint"] is (method in ("PUT", "DELETE", "PATCH")), name
        assert hints.get("idempotentHint", False) is (method != "POST"), name


async def test_read_only_mode_registers_read_tools_only(stack: Stack) -> None:
    names = {t["name"] for t in await tools_of(stack, ServerOptions(read_only=True))}
    assert names == {op.name for op in CATALOGUE.values() if op.kind is Kind.READ} - {"get_confirmation"}
    assert {"list_registries", "get_image", "find_vulnerable_images", "list_tokens"} <= names


async def test_disable_destructive_keeps_update_for_safe_changes_only(stack: Stack) -> None:
    tools = {t["name"]: t for t in await tools_of(stack, ServerOptions(disable_destructive=True))}
    assert set(tools) == {op.name for op in CATALOGUE.values() if op.kind is not Kind.CONFIRMED} - {"get_confirmation"}
    assert {"delete_registry", "replace_registry", "delete_token", "delete_repository"}.isdisjoint(tools)
    assert tools["update_registry"]["annotations"]["destructiveHint"] is False, "truthful in this mode"
    assert tools["update_token"]["annotations"]["destructiveHint"] is False
    options = ServerOptions(disable_destructive=True)
    async with Client(build_server(stack.core, options)) as client:
        risky = await client.call_tool("update_registry", {"registry": "data-pipeline", "api_subnet_allow_list": []})
        safe = await client.call_tool("update_registry", {"registry": "data-pipeline", "allow_add": ["10.1.0.0/16"]})
    assert risky.is_error
    assert "--disable-destructive" in text(risky)
    assert not safe.is_error, text(safe)


@pytest.mark.parametrize(
    ("options", "absent"),
    [
        (ServerOptions(read_only=True), ["create_registry", "update_registry", "delete_registry", "confirmation"]),
        (ServerOptions(disable_destructive=True), ["delete_registry", "replace_registry", "confirmation_token"]),
    ],
)
async def test_instructions_mention_only_registered_tools(
    stack: Stack, options: ServerOptions, absent: list[str]
) -> None:
    async with Client(build_server(stack.core, options)) as client:
        instructions = client.instructions
    assert instructions
    for word in absent:
        assert word not in instructions
    for name in {t["name"] for t in await tools_of(stack, options)}:
        assert name in instructions


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
    assert text(too_many) == (
        "Error executing tool list_registries: Invalid arguments:\nlimit: must be at most 100 (given 500)\n"
        "Next: Call list_registries again with the named arguments fixed."
    )


async def test_list_text_is_compact(stack: Stack) -> None:
    result = await call(stack, "list_registries", {"limit": 1})
    line = text(result).splitlines()[0]
    assert line.startswith("analytics | de/txl | Running | analytics.cr.de-txl.ionos.com |")


async def test_create_update_get_flow(stack: Stack) -> None:
    created = await call(stack, "create_registry", {"name": "from-mcp", "location": "de/fra", "gc_days": ["Wed"]})
    assert not created.is_error, text(created)
    assert "Created registry from-mcp" in text(created)
    updated = await call(stack, "update_registry", {"registry": "From-MCP", "gc_time": "1:30"})
    assert not updated.is_error, text(updated)
    assert "garbage collection: Wed 01:23 UTC -> Wed 01:30 UTC" in text(updated)
    got = await call(stack, "get_registry", {"registry": "from-mcp"})
    assert got.structured_content is not None
    assert got.structured_content["gc_days"] == ["Wednesday"]
    assert got.structured_content["gc_time"] == "01:30:00+00:00"


async def test_bad_input_names_the_field_and_rule(stack: Stack) -> None:
    bad_name = await call(stack, "create_registry", {"name": "Bad_Name", "location": "de/fra"})
    assert bad_name.is_error
    assert "name" in text(bad_name)
    assert "lowercase" in text(bad_name)
    cross = await call(stack, "create_registry", {"name": "ok-name", "location": "de/fra", "gc_time": "01:00"})
    assert cross.is_error
    assert "gc_time needs gc_days" in text(cross)
    many = await call(
        stack,
        "update_registry",
        {"registry": "x" * 300, "allow_add": ["10.0.0.0/33"], "gc_days": ["Funday"], "confirmation_token": 7},
    )
    lines = text(many).splitlines()
    assert lines[0] == "Error executing tool update_registry: Invalid arguments:"
    assert lines[-1].startswith("Next: ")
    problems = lines[1:-1]
    assert len(problems) == 4, problems
    assert any(p.startswith("registry: must be at most 253 characters") for p in problems)
    assert any(p.startswith("allow_add: ") and "'10.0.0.0/33' is not an IPv4/IPv6 address" in p for p in problems)
    assert any(p.startswith("gc_days: must be one of") and "(given 'Funday')" in p for p in problems)
    assert any(p.startswith("confirmation_token: must be text (given 7)") for p in problems)
    missing = await call(stack, "get_registry", {})
    assert "registry: is required" in text(missing)
    for result in (bad_name, cross, many, missing):
        assert "pydantic" not in text(result)
        assert "errors.pydantic.dev" not in text(result)
        assert "type=" not in text(result)


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
    assert status(check) == "available"

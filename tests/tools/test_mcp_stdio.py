"""The stdio server lists its tools from the manifest and builds them on the first request that needs
them: what a client sees, before and after, is what a server built whole shows, and the first call
works like any other (a person's yes included)."""

from __future__ import annotations

from typing import Any

import pytest
from mcp import Client
from mcp.client.session import ClientRequestContext
from mcp.server.mcpserver import MCPServer
from mcp.types import ElicitRequestParams, ElicitResult, ResourceTemplateReference, Tool

from tests.conftest import Stack
from tests.helpers.text import status, text
from tools.mcp_server import ServerOptions, build_server
from tools.mcp_server.server import populate
from tools.mcp_server.serving import Built
from tools.mcp_server.stdio import deferred_server

MODES = {
    "default": ServerOptions(),
    "read-only": ServerOptions(read_only=True),
    "disable-destructive": ServerOptions(disable_destructive=True),
    "slack-confirm": ServerOptions(confirm="slack"),
    "slack-confirm read-only": ServerOptions(confirm="slack", read_only=True),
    "tokens, safe": ServerOptions(toolsets=frozenset({"tokens"}), disable_destructive=True),
    "images, read-only": ServerOptions(toolsets=frozenset({"vulnerabilities", "repositories"}), read_only=True),
}


def stdio_like(stack: Stack, options: ServerOptions) -> MCPServer:
    """As ``registry-mcp`` serves stdio, with the test's core in place of the one it would build."""

    async def nothing_to_close() -> None:
        return None

    def build(server: MCPServer) -> Built:
        middleware, completer = populate(server, stack.core, options)
        return Built(middleware, completer.complete, nothing_to_close)

    return deferred_server(options, build)


def wire(tools: list[Tool]) -> list[dict[str, Any]]:
    return [t.model_dump(mode="json", by_alias=True, exclude_none=True) for t in tools]


@pytest.mark.parametrize("options", MODES.values(), ids=MODES.keys())
async def test_it_lists_what_a_server_built_whole_lists_before_and_after_building(
    stack: Stack, options: ServerOptions
) -> None:
    async with Client(build_server(stack.core, options)) as whole:
        expected = wire((await whole.list_tools()).tools)
        told, capabilities = whole.instructions, whole.server_capabilities
    server = stdio_like(stack, options)
    async with Client(server) as client:
        assert client.instructions == told
        assert client.server_capabilities == capabilities  # completion declared before it is built
        before = wire((await client.list_tools()).tools)
        assert await server.list_tools() == [], "the manifest answered: no tool is built yet"
        await client.list_prompts()  # a request that needs the tools
        assert len(await server.list_tools()) == len(expected)
        after = wire((await client.list_tools()).tools)
    assert before == expected
    assert after == expected


async def test_the_first_call_builds_the_tools_and_asks_the_person(stack: Stack) -> None:
    asked: list[str] = []

    async def person(context: ClientRequestContext, params: ElicitRequestParams) -> ElicitResult:
        asked.append(params.message)
        return ElicitResult(action="accept", content={"name": "sandbox"})

    async with Client(stdio_like(stack, ServerOptions()), elicitation_callback=person) as client:
        await client.list_tools()
        result = await client.call_tool("delete_registry", {"registry": "sandbox"})
    assert status(result) == "executed", text(result)
    assert "Type 'sandbox' to confirm." in asked[0]
    assert stack.registry_named("sandbox") is None


async def test_a_bad_argument_on_the_first_call_gets_the_one_line_answer(stack: Stack) -> None:
    async with Client(stdio_like(stack, ServerOptions())) as client:
        result = await client.call_tool("list_registries", {"limit": 0})
    assert result.is_error
    assert "limit" in text(result)
    assert "must be at least 1" in text(result)


async def test_completion_as_the_first_request(stack: Stack) -> None:
    ref = ResourceTemplateReference(type="ref/resource", uri="ionos-cr://registries/{registry}")
    async with Client(stdio_like(stack, ServerOptions())) as client:
        done = await client.complete(ref, {"name": "registry", "value": "prod"})
    assert done.completion.values[0] == "prod-images"

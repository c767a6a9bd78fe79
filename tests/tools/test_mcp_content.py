"""The new resources through the in-memory MCP Client: toolsets, structured answers, confirmations, and the
token password that never enters the model's context by default."""

from __future__ import annotations

import json
import stat
from pathlib import Path
from typing import Any

import httpx
import pytest
from mcp import Client
from mcp.types import CallToolResult, ElicitRequestParams, ElicitResult
from starlette.applications import Starlette

from tests.conftest import Stack
from tests.helpers.text import status, text
from tools.mcp_server import ServerOptions, build_server
from tools.mcp_server.secrets import SecretDelivery, SecretPages
from tools.operations import CATALOGUE

ERAS = ["auto", "legacy"]


def everything(result: CallToolResult) -> str:
    return text(result) + json.dumps(result.structured_content or {})


async def call(
    stack: Stack,
    tool: str,
    args: dict[str, Any],
    *,
    mode: str = "auto",
    cb: Any = None,
    options: ServerOptions | None = None,
) -> CallToolResult:
    async with Client(build_server(stack.core, options), mode=mode, elicitation_callback=cb) as client:
        return await client.call_tool(tool, args)


async def names(stack: Stack, options: ServerOptions) -> set[str]:
    async with Client(build_server(stack.core, options)) as client:
        return {t.name for t in (await client.list_tools()).tools}


def passwords(stack: Stack) -> set[str]:
    """Every password the emulator ever handed out is in no answer: scan for any of them."""
    return set(stack.emulator.content.issued_passwords)


async def test_toolsets_compose_with_the_modes(stack: Stack) -> None:
    tokens = await names(stack, ServerOptions(toolsets=frozenset({"tokens"})))
    persons = {"get_approval"}  # answers any confirmed tool: in every toolset
    assert tokens == {op.name for op in CATALOGUE.values() if op.resource.name == "tokens"} | persons
    reading = await names(stack, ServerOptions(toolsets=frozenset({"vulnerabilities", "repositories"}), read_only=True))
    assert reading == {
        "list_repositories",
        "get_repository",
        "list_images",
        "get_image",
        "list_vulnerabilities",
        "get_vulnerability",
        "find_vulnerable_images",
        "get_approval",
    }
    safe = await names(stack, ServerOptions(toolsets=frozenset({"tokens"}), disable_destructive=True))
    assert safe == {"list_tokens", "get_token", "create_token", "update_token", "get_approval"}


async def test_tools_list_costs_at_most_1_5_kb_per_tool_with_output_schemas(stack: Stack) -> None:
    """The SDK's own form is about 2,450 B a tool; 1,566 B before output schemas stopped restating
    ``required`` (an answer carries every field), 1,407 B after."""
    async with Client(build_server(stack.core)) as client:
        tools = (await client.list_tools()).tools
    sizes = [
        len(json.dumps(t.model_dump(mode="json", by_alias=True, exclude_none=True), separators=(",", ":")))
        for t in tools
    ]
    assert len(tools) == len(CATALOGUE) - 1  # all but get_confirmation (REGISTRY_MCP_CONFIRM=slack only)
    assert all(t.output_schema for t in tools)
    assert sum(sizes) / len(sizes) <= 1500, sizes


async def test_reads_answer_with_structure_and_compact_text(stack: Stack) -> None:
    repos = await call(stack, "list_repositories", {"registry": "prod-images"})
    assert repos.structured_content is not None
    assert "team/app" in [r["name"] for r in repos.structured_content["repositories"]]
    vulns = await call(stack, "list_vulnerabilities", {"image": "prod-images/team/app:1.4.2", "severity": "critical"})
    assert not vulns.is_error, text(vulns)
    assert "CRITICAL CVE-2021-44228" in text(vulns)
    assert "fix: 2.17.1" in text(vulns)
    sweep = await call(stack, "find_vulnerable_images", {"vulnerability_id": "CVE-2021-44228"})
    assert sweep.structured_content is not None
    assert len({i["registry"] for i in sweep.structured_content["images"]}) >= 2
    bad = await call(stack, "get_image", {"image": "CVE-2021-44228"})
    assert bad.is_error
    assert "image: 'CVE-2021-44228' must be REGISTRY/REPOSITORY" in text(bad)


@pytest.mark.parametrize("mode", ERAS)
async def test_revoking_a_token_asks_the_person(stack: Stack, mode: str) -> None:
    tokens = await call(stack, "list_tokens", {"registry": "sandbox"})
    name = tokens.structured_content["tokens"][0]["name"]
    asked: list[str] = []

    async def person(ctx: Any, params: ElicitRequestParams) -> ElicitResult:
        asked.append(params.message)
        return ElicitResult(action="accept", content={"name": name})

    done = await call(stack, "delete_token", {"registry": "sandbox", "token": name}, mode=mode, cb=person)
    assert not done.is_error, text(done)
    assert status(done) == "executed"
    assert f"DELETE token {name} of sandbox" in asked[0]
    assert f"Type '{name}' to confirm." in asked[0]


async def test_a_repository_delete_by_token_fallback(stack: Stack) -> None:
    first = await call(stack, "delete_repository", {"repository": "sandbox/team/app"})
    assert first.structured_content is not None
    assert first.structured_content["status"] == "confirmation_required"
    token = first.structured_content["confirmation_token"]
    done = await call(stack, "delete_repository", {"repository": "sandbox/team/app", "confirmation_token": token})
    assert not done.is_error, text(done)
    gone = await call(stack, "get_repository", {"repository": "sandbox/team/app"})
    assert gone.is_error


# ---------------------------------------------------------------- the password: once, to the person


async def test_file_delivery_names_a_private_file_and_never_shows_the_password(stack: Stack, tmp_path: Path) -> None:
    options = ServerOptions(secrets=SecretDelivery("file", directory=str(tmp_path / "secrets")))
    result = await call(
        stack, "create_token", {"registry": "sandbox", "name": "ci-file", "scopes": ["team/*:push"]}, options=options
    )
    assert not result.is_error, text(result)
    [issued] = passwords(stack)
    assert issued not in everything(result)
    [path] = (tmp_path / "secrets").iterdir()
    assert str(path) in text(result)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert f"password: {issued}" in path.read_text()


@pytest.mark.parametrize("mode", ERAS)
async def test_url_delivery_a_one_time_page(stack: Stack, mode: str) -> None:
    pages = SecretPages("http://127.0.0.1:3000")
    options = ServerOptions(secrets=SecretDelivery("url", pages))
    result = await call(
        stack,
        "create_token",
        {"registry": "sandbox", "name": "ci-url", "scopes": ["team/*:pull"]},
        options=options,
        mode=mode,
    )
    [issued] = passwords(stack)
    assert issued not in everything(result)
    link = next(w for w in text(result).split() if w.startswith("http://127.0.0.1:3000/secrets/"))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=Starlette(routes=[pages.route()]))) as browser:
        first = await browser.get(link)
        second = await browser.get(link)
    assert first.status_code == 200
    assert issued in first.text
    assert first.headers["cache-control"] == "no-store"
    assert second.status_code == 410
    assert issued not in second.text


async def test_url_elicitation_sends_the_link_to_the_person_not_the_model(stack: Stack) -> None:
    pages = SecretPages("http://127.0.0.1:3000")
    shown: list[ElicitRequestParams] = []

    async def client_ui(ctx: Any, params: ElicitRequestParams) -> ElicitResult:
        shown.append(params)
        return ElicitResult(action="accept")

    options = ServerOptions(secrets=SecretDelivery("url", pages))
    result = await call(
        stack,
        "create_token",
        {"registry": "sandbox", "name": "ci-eli", "scopes": ["team/*:pull"]},
        options=options,
        mode="legacy",
        cb=client_ui,
    )
    assert not result.is_error, text(result)
    [params] = shown
    assert params.mode == "url"
    assert "/secrets/" in params.url
    assert "/secrets/" not in everything(result), "the link went to the person through the client"
    [issued] = passwords(stack)
    assert issued not in everything(result)


async def test_inline_only_when_the_operator_opts_in(stack: Stack) -> None:
    options = ServerOptions(secrets=SecretDelivery("inline"))
    result = await call(
        stack, "create_token", {"registry": "sandbox", "name": "ci-in", "scopes": ["team/*:pull"]}, options=options
    )
    [issued] = passwords(stack)
    assert issued in text(result)

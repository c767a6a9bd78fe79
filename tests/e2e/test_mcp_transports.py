"""registry-mcp as a subprocess against registry-emulator: stdio and streamable HTTP."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from asyncio.subprocess import PIPE
from collections.abc import Iterator
from typing import Any

import httpx
import httpx2
import pytest
from mcp import Client, StdioServerParameters
from mcp.client.streamable_http import streamable_http_client

from benchmarks.harness import running
from benchmarks.mcp_bench import HANDSHAKE
from tests.e2e.conftest import EMULATOR_TOKEN, api_env, child_env, finished
from tests.helpers.identity import AUDIENCE, IdentityProvider, OAuthServer, rsa_key
from tests.helpers.ports import free_port
from tools.mcp_server import ServerOptions, registered

MCP_TOKEN = "e2e-mcp-bearer"
MCP = [sys.executable, "-m", "tools.mcp_server.cli"]


async def test_stdio_lists_tools_and_calls_the_api(emulator_url: str) -> None:
    params = StdioServerParameters(command=MCP[0], args=MCP[1:], env=api_env(emulator_url))
    async with Client(params) as client:
        tools = await client.list_tools()
        assert {t.name for t in tools.tools} == {op.name for op in registered(ServerOptions())}
        result = await client.call_tool("get_registry", {"registry": "prod-images"})
    assert not result.is_error
    assert result.structured_content is not None
    assert result.structured_content["hostname"] == "prod-images.cr.de-fra.ionos.com"


async def over_stdio(
    messages: list[Any], env: dict[str, str], *args: str, command: tuple[str, ...] = tuple(MCP)
) -> tuple[list[dict[str, Any]], bytes, bytes]:
    """registry-mcp over stdio: every message sent at once, an answer read for each request, then stdin
    closed. Returns the answers, whatever else came on stdout, and stderr."""
    proc = await asyncio.create_subprocess_exec(*command, *args, stdin=PIPE, stdout=PIPE, stderr=PIPE, env=env)
    assert proc.stdin is not None
    assert proc.stdout is not None
    proc.stdin.write("".join(json.dumps(m) + "\n" for m in messages).encode())
    await proc.stdin.drain()
    asked = sum(1 for m in messages if "id" in m)
    replies = [json.loads(await asyncio.wait_for(proc.stdout.readline(), 30)) for _ in range(asked)]
    proc.stdin.close()
    rest, err = await asyncio.wait_for(proc.communicate(), 30)
    return replies, rest, err


async def test_stdio_writes_nothing_but_protocol_to_stdout(emulator_url: str) -> None:
    call = {"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": {"name": "list_registries", "arguments": {}}}
    messages = [*HANDSHAKE, call]
    replies, rest, _ = await over_stdio(messages, api_env(emulator_url), "--read-only")
    assert [r["id"] for r in replies] == [1, 2]
    assert replies[1]["result"]["isError"] is False
    assert "analytics" in replies[1]["result"]["content"][0]["text"]
    assert rest.strip() == b"", "nothing else on stdout"


@pytest.fixture
def mcp_http(emulator_url: str) -> Iterator[str]:
    port = free_port()
    env = api_env(emulator_url, REGISTRY_MCP_TOKEN=MCP_TOKEN)
    url = f"http://127.0.0.1:{port}/mcp"
    with running(["tools.mcp_server.cli", "--transport", "http", "--port", str(port)], url, env=env):
        yield url


def test_http_without_the_token_is_401(mcp_http: str) -> None:
    body = {"jsonrpc": "2.0", "id": 1, "method": "tools/list"}
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": MCP_TOKEN}):
        response = httpx.post(mcp_http, json=body, headers=headers)
        assert response.status_code == 401
        assert response.headers["www-authenticate"].startswith("Bearer")


def test_http_rejects_foreign_host_headers(mcp_http: str) -> None:
    headers = {
        "Authorization": f"Bearer {MCP_TOKEN}",
        "Host": "evil.example.com",
        "Accept": "application/json, text/event-stream",
    }
    body = {
        "jsonrpc": "2.0",
        "id": 1,
        "method": "initialize",
        "params": {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}},
    }
    response = httpx.post(mcp_http, json=body, headers=headers)
    assert response.status_code in (403, 421)


async def test_http_with_the_token_works_in_both_eras(mcp_http: str) -> None:
    for mode in ("auto", "legacy"):
        http_client = httpx2.AsyncClient(headers={"Authorization": f"Bearer {MCP_TOKEN}"})
        async with http_client, Client(streamable_http_client(mcp_http, http_client=http_client), mode=mode) as c:
            tools = await c.list_tools()
            assert {t.name for t in tools.tools} >= {"delete_registry", "list_registries"}
            result = await c.call_tool("list_registries", {"limit": 2})
            assert not result.is_error
            assert result.structured_content is not None
            assert len(result.structured_content["registries"]) == 2


async def test_with_oauth_configured_people_sign_in_and_the_shared_token_no_longer_opens_mcp(emulator_url: str) -> None:
    idp = IdentityProvider(keys=[rsa_key("k1")]).start()
    port = free_port()
    oauth = {"REGISTRY_MCP_OAUTH_ISSUER": idp.issuer, "REGISTRY_MCP_OAUTH_AUDIENCE": AUDIENCE}
    env = api_env(emulator_url, REGISTRY_MCP_TOKEN=MCP_TOKEN, **oauth)
    args = ["tools.mcp_server.cli", "--transport", "http", "--port", str(port)]
    try:
        with running(args, f"http://127.0.0.1:{port}/healthz", env=env):
            server = OAuthServer(f"http://127.0.0.1:{port}", idp)
            assert "list_registries" in await server.tools(idp.token("u-alice"))
            body = {"jsonrpc": "2.0", "id": 1, "method": "tools/list"}
            shared = {"Authorization": f"Bearer {MCP_TOKEN}"}
            async with httpx.AsyncClient() as http:
                response = await http.post(f"http://127.0.0.1:{port}/mcp", json=body, headers=shared)
    finally:
        idp.stop()
    assert response.status_code == 401
    assert "resource_metadata" in response.headers["www-authenticate"], "people are sent to sign in"


def test_refuses_a_public_interface_without_a_token(emulator_url: str) -> None:
    done = finished(
        [*MCP, "--transport", "http", "--host", "0.0.0.0", "--port", str(free_port())], api_env(emulator_url)
    )
    assert done.returncode != 0
    assert "REGISTRY_MCP_TOKEN" in done.stderr


# registry-mcp as installed, telling on its way out which of our heavier modules it had loaded.
TELLING = (
    sys.executable,
    "-c",
    "import atexit, runpy, sys\n"
    "heavy = ('tools.operations', 'tools.client', 'tools.app', 'tools.models', 'tools.confirmation')\n"
    "atexit.register(lambda: print('LOADED', sorted(m for m in sys.modules if m in heavy), file=sys.stderr))\n"
    "sys.argv = ['registry-mcp', *sys.argv[1:]]\n"
    "runpy.run_module('tools.mcp_server.cli', run_name='__main__')\n",
)


async def test_over_stdio_it_lists_its_tools_before_loading_the_catalogue_and_the_client(emulator_url: str) -> None:
    listing = [*HANDSHAKE, {"jsonrpc": "2.0", "id": 2, "method": "tools/list"}]
    replies, _, err = await over_stdio(listing, api_env(emulator_url), command=TELLING)
    assert {t["name"] for t in replies[1]["result"]["tools"]} == {op.name for op in registered(ServerOptions())}
    assert b"LOADED []" in err
    call = {"jsonrpc": "2.0", "id": 3, "method": "tools/call", "params": {"name": "list_registries", "arguments": {}}}
    replies, _, err = await over_stdio([*listing, call], api_env(emulator_url), command=TELLING)
    assert "analytics" in replies[2]["result"]["content"][0]["text"]
    assert b"LOADED ['tools.app', 'tools.client', 'tools.confirmation', 'tools.models', 'tools.operations']" in err


def test_registry_mcp_loads_no_slack_and_no_aiohttp_at_start() -> None:
    probe = (
        "import sys, tools.mcp_server.cli; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('slack_bolt', 'slack_sdk', 'aiohttp', 'bot')))"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True)
    assert done.stdout.strip() == "[]"


async def test_without_credentials_it_says_so_at_start_and_every_call_answers_at_once() -> None:
    from tests.e2e.conftest import child_env

    env = child_env(IONOS_API_URL="http://127.0.0.1:9")  # nothing listens there; nothing should be sent
    proc = await asyncio.create_subprocess_exec(*MCP, stdin=PIPE, stdout=PIPE, stderr=PIPE, env=env)
    assert proc.stdin is not None
    assert proc.stdout is not None
    call = {"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": {"name": "list_registries", "arguments": {}}}
    proc.stdin.write("".join(json.dumps(m) + "\n" for m in [*HANDSHAKE, call]).encode())
    await proc.stdin.drain()
    loop = asyncio.get_running_loop()
    started = loop.time()
    replies = [json.loads(await asyncio.wait_for(proc.stdout.readline(), 30)) for _ in range(2)]
    answered = loop.time() - started
    proc.stdin.close()
    _, err = await asyncio.wait_for(proc.communicate(), 30)
    result = replies[1]["result"]
    assert result["isError"] is True
    assert "no IONOS credentials are set" in result["content"][0]["text"]
    assert "IONOS_TOKEN" in result["content"][0]["text"]
    assert answered < 5, "no retries against an endpoint that was never going to accept us"
    assert b"no IONOS credentials" in err


@pytest.mark.parametrize(
    ("variable", "value", "line"),
    [
        ("REGISTRY_CONFIRM_TTL", "2", "registry-mcp: bad environment: REGISTRY_CONFIRM_TTL must be at least 10"),
        ("IONOS_READ_TIMEOUT", "soon", "registry-mcp: bad environment: IONOS_READ_TIMEOUT must be a number"),
        ("IONOS_TOKEN", "two\nlines", "registry-mcp: bad environment: IONOS_TOKEN must not contain"),
    ],
)
def test_a_bad_environment_value_stops_it_with_one_line(variable: str, value: str, line: str) -> None:
    done = finished(MCP, child_env(**{variable: value}))
    assert done.returncode == 2
    assert done.stderr.strip().splitlines()[0].startswith(line)
    assert len(done.stderr.strip().splitlines()) == 1
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize("args", [["--port", "eighty"], ["--port", "99999"], ["--seed", "-1"], ["--latency-ms", "x"]])
def test_the_emulator_refuses_bad_arguments_with_one_line(args: list[str]) -> None:
    done = finished([sys.executable, "-m", "tools.emulator", *args])
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert done.stderr.strip().splitlines()[-1].startswith("registry-emulator: error:")


async def test_json_logs_carry_the_actor_and_the_request_id_and_never_a_secret(emulator_url: str) -> None:
    async with httpx.AsyncClient() as http:
        (await http.post(emulator_url + "/_emulator/faults", json={"status": 503, "count": 1})).raise_for_status()
    update = {"name": "update_registry", "arguments": {"registry": "analytics", "gc_days": ["Tuesday"]}}
    messages = [*HANDSHAKE, {"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": update}]
    replies, _, err = await over_stdio(messages, api_env(emulator_url, REGISTRY_LOG_FORMAT="json"))
    assert replies[1]["result"]["isError"] is False
    lines = [json.loads(line) for line in err.decode().splitlines() if line.strip()]  # every line is one object
    retry = next(r for r in lines if r["logger"] == "tools.http")
    assert retry["level"] == "WARNING"
    assert "retry 1/" in retry["message"]
    assert retry["request_id"], "the failed attempt's IONOS request id"
    assert retry["actor"] == "mcp:stdio"
    audit = next(r for r in lines if r["logger"] == "registry.audit")
    assert audit["message"] == "audit update_registry executed"
    assert audit["audit"]["changed_fields"] == ["garbage collection"]
    assert audit["actor"] == "mcp:stdio"
    assert audit["request_id"] == audit["audit"]["request_id"]
    assert EMULATOR_TOKEN not in err.decode()

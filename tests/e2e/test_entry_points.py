"""The three commands as a newcomer meets them: one line for a bad flag, a clean Ctrl-C, a health
check for an orchestrator, and logs a collector can read from the first line."""

from __future__ import annotations

import json
import signal
import subprocess
import sys

import httpx
import pytest
from mcp import Client
from mcp.client.streamable_http import streamable_http_client

from benchmarks.harness import wait_http
from tests.e2e.conftest import child_env, finished
from tests.helpers.ports import free_port

COMMANDS = {
    "registry-bot": [sys.executable, "-m", "bot"],
    "registry-mcp": [sys.executable, "-m", "tools.mcp_server.cli"],
    "registry-emulator": [sys.executable, "-m", "tools.emulator"],
}


@pytest.mark.parametrize("prog", ["registry-bot", "registry-mcp"])
@pytest.mark.parametrize("port", ["99999", "http"])
def test_a_bad_port_is_one_line_and_exit_2(prog: str, port: str) -> None:
    done = finished([*COMMANDS[prog], "--demo", "--port", port])
    assert done.returncode == 2
    assert done.stderr.strip() == (
        f"{prog}: argument --port: must be a port number 0-65535 (given {port!r}) (see --help)"
    )


def started(prog: str, args: list[str], health: str, **env: str) -> subprocess.Popen[str]:
    proc = subprocess.Popen(
        [*COMMANDS[prog], *args], env=child_env(**env), stdin=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    wait_http(health)
    return proc


def interrupted(proc: subprocess.Popen[str]) -> tuple[int, str]:
    """What a person pressing Ctrl-C sees: the exit status and everything on stderr."""
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=30)
    return proc.returncode, err


@pytest.mark.parametrize(
    ("prog", "args", "path"),
    [
        ("registry-bot", ["--demo"], "/healthz"),
        ("registry-mcp", ["--demo", "--transport", "http"], "/healthz"),
        ("registry-emulator", ["--seed", "3"], "/_emulator/stats"),
    ],
)
def test_ctrl_c_stops_each_command_without_a_traceback(prog: str, args: list[str], path: str) -> None:
    port = free_port()
    proc = started(prog, [*args, "--port", str(port)], f"http://127.0.0.1:{port}{path}")
    code, err = interrupted(proc)
    assert "Traceback" not in err, err
    assert "KeyboardInterrupt" not in err, err
    assert code in (0, 130)


def test_ctrl_c_on_the_stdio_server_is_clean() -> None:
    proc = subprocess.Popen(
        [*COMMANDS["registry-mcp"], "--demo"],
        env=child_env(),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdin is not None
    assert proc.stdout is not None
    proc.stdin.write(json.dumps({"jsonrpc": "2.0", "id": 1, "method": "ping"}) + "\n")
    proc.stdin.flush()
    proc.stdout.readline()  # serving: it answered
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=30)
    assert "Traceback" not in err, err
    assert proc.returncode in (0, 130)


async def test_registry_mcp_demo_serves_the_emulator_and_a_health_check() -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    proc = started("registry-mcp", ["--demo", "--transport", "http", "--port", str(port)], base + "/healthz")
    try:
        async with httpx.AsyncClient() as http:
            health = await http.get(base + "/healthz")
        assert health.status_code == 200
        assert health.json() == {"ok": True, "status": "ok", "mode": "mcp", "store": "memory"}
        async with Client(streamable_http_client(base + "/mcp")) as client:
            listed = await client.call_tool("list_registries", {"limit": 3})
            prompts = {p.name for p in (await client.list_prompts()).prompts}
            registry = await client.read_resource("ionos-cr://registries/prod-images")
        assert not listed.is_error
        assert listed.structured_content is not None
        assert len(listed.structured_content["registries"]) == 3  # the emulator's sample registries
        assert prompts == {"incident_triage", "rotate_token", "registry_health"}
        assert "prod-images.cr.de-fra.ionos.com" in registry.contents[0].text  # type: ignore[union-attr]
    finally:
        interrupted(proc)


@pytest.mark.parametrize(
    ("prog", "args", "path"),
    [("registry-bot", ["--demo"], "/healthz"), ("registry-mcp", ["--demo", "--transport", "http"], "/healthz")],
)
def test_under_the_json_format_every_line_is_json_the_banner_included(prog: str, args: list[str], path: str) -> None:
    port = free_port()
    proc = started(prog, [*args, "--port", str(port)], f"http://127.0.0.1:{port}{path}", REGISTRY_LOG_FORMAT="json")
    _, err = interrupted(proc)
    lines = [line for line in err.splitlines() if line.strip()]
    records = [json.loads(line) for line in lines]  # fails on any line that is not one JSON object
    banner = [r["message"] for r in records if r["logger"].startswith("registry.banner")]
    assert any(f"127.0.0.1:{port}" in line for line in banner), banner

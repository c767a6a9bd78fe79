"""registry-bot as a process: the demo answers signed commands and serves /healthz and /mcp."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator

import httpx
import pytest

from benchmarks.harness import free_port, running
from bot.demo import as_text, send
from tests.e2e.conftest import child_env

BOT = [sys.executable, "-m", "bot"]


@pytest.fixture(scope="module")
def demo_bot() -> Iterator[str]:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with running(["bot", "--demo", "--port", str(port)], url + "/healthz", env=child_env()):
        yield url


def test_demo_health(demo_bot: str) -> None:
    assert httpx.get(demo_bot + "/healthz").json() == {"ok": True, "mode": "demo", "mcp": True}


async def test_demo_answers_a_signed_slash_command(demo_bot: str) -> None:
    reply = await send("get prod-images", demo_bot + "/slack/events", "demo-signing-secret", "U1")
    assert "prod-images.cr.de-fra.ionos.com" in as_text(reply)


async def test_demo_rejects_a_wrongly_signed_command(demo_bot: str) -> None:
    with pytest.raises(SystemExit, match="HTTP 401"):
        await send("list", demo_bot + "/slack/events", "not-the-secret", "U1", wait=2)


def test_demo_serves_mcp(demo_bot: str) -> None:
    body = {
        "jsonrpc": "2.0",
        "id": 1,
        "method": "initialize",
        "params": {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}},
    }
    response = httpx.post(demo_bot + "/mcp", json=body, headers={"accept": "application/json, text/event-stream"})
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("args", "env", "message"),
    [
        ([], {}, "SLACK_SIGNING_SECRET"),
        ([], {"SLACK_SIGNING_SECRET": "s"}, "SLACK_BOT_TOKEN"),
        (["--socket-mode"], {"SLACK_BOT_TOKEN": "xoxb-x"}, "SLACK_APP_TOKEN"),
    ],
)
def test_missing_slack_settings_are_named(args: list[str], env: dict[str, str], message: str) -> None:
    done = subprocess.run([*BOT, *args], env=child_env(**env), capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 2
    assert message in done.stderr
    assert "Traceback" not in done.stderr

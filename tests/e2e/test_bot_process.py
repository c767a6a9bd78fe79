"""registry-bot as a process: the demo answers signed commands and serves /healthz and /mcp."""

from __future__ import annotations

import sys
from collections.abc import Iterator

import httpx
import pytest

from benchmarks.harness import running
from bot.demo import as_text, send
from tests.e2e.conftest import child_env, finished
from tests.helpers.ports import free_port

BOT = [sys.executable, "-m", "bot"]


@pytest.fixture(scope="module")
def demo_bot() -> Iterator[str]:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with running(["bot", "--demo", "--port", str(port)], url + "/healthz", env=child_env()):
        yield url


def test_demo_health(demo_bot: str) -> None:
    health = httpx.get(demo_bot + "/healthz").json()
    assert health == {"ok": True, "status": "ok", "store": "memory", "mode": "demo", "mcp": True}


async def test_demo_answers_a_signed_slash_command(demo_bot: str) -> None:
    [reply] = await send("get prod-images", demo_bot + "/slack/events", "demo-signing-secret", "U1")
    assert "prod-images.cr.de-fra.ionos.com" in as_text(reply)


async def test_demo_rejects_a_wrongly_signed_command(demo_bot: str) -> None:
    with pytest.raises(SystemExit, match="HTTP 401"):
        await send("list", demo_bot + "/slack/events", "not-the-secret", "U1")


async def test_the_demo_finishes_a_confirmation_the_way_slack_would(demo_bot: str) -> None:
    events = demo_bot + "/slack/events"
    preview, wrong = await send("delete ml-models", events, "demo-signing-secret", "U1", typed="ml-modelz")
    assert "Delete registry ml-models?" in as_text(preview)
    assert "Type exactly ml-models to confirm" in as_text(wrong)
    preview, done = await send("delete ml-models", events, "demo-signing-secret", "U1", typed="ml-models")
    assert "Deleted registry ml-models" in as_text(done)
    [gone] = await send("get ml-models", events, "demo-signing-secret", "U1")
    assert "Deleting" in as_text(gone) or "no registry is named" in as_text(gone)


def test_the_demo_client_without_a_bot_says_to_start_it() -> None:
    url = f"http://127.0.0.1:{free_port()}/slack/events"
    done = finished([sys.executable, "-m", "bot.demo", "--url", url, "list"])
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [
        f"no registry-bot answers at {url}: start it with `make run`, then try again."
    ]


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
        (["--demo"], {"REGISTRY_CONFIRM_TTL": "2"}, "REGISTRY_CONFIRM_TTL must be at least 10 (given '2')"),
        (["--demo"], {"IONOS_API_URL": "ftp://nope"}, "IONOS_API_URL"),
        (["--demo"], {"IONOS_MAX_RETRIES": "many"}, "IONOS_MAX_RETRIES must be a whole number"),
    ],
)
def test_missing_slack_settings_are_named(args: list[str], env: dict[str, str], message: str) -> None:
    done = finished([*BOT, *args], child_env(**env))
    assert done.returncode == 2
    assert message in done.stderr
    assert "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1

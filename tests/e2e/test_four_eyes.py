"""Four eyes across fronts, with real processes: registry-mcp (OAuth) and registry-bot share one Redis.

Alice's AI assistant asks to delete a covered registry through `registry-mcp --transport http`,
signed in with her own access token. The bot's courier posts the request in the approval
channel. Alice's own Slack account (its profile e-mail is hers) is refused; Bob's approval runs
the DELETE once. Identity comes only from the real paths: the bearer token through the server's
verifier, the click as a signed Slack request, the e-mail from `users.info` on the fake Web API.
"""

from __future__ import annotations

import asyncio
import json
import sys
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.bot.blockkit import assert_valid_message
from tests.bot.fakes import FakeSlack, payload_body
from tests.e2e.conftest import EMULATOR_TOKEN, api_env
from tests.helpers.identity import AUDIENCE, IdentityProvider, OAuthServer
from tests.helpers.ports import free_port
from tests.helpers.signing import signed
from tests.helpers.text import text, texts
from tests.helpers.waiting import eventually
from tests.store_server import StoreServer

SECRET = "four-eyes-signing-secret"
CHANNEL = "CAPPROVALS"
ALICE, BOB = "UALICE001", "UBOB001"


@dataclass
class Deployment:
    mcp: OAuthServer
    bot_url: str
    slack: FakeSlack
    audit: list[Path]
    http: httpx.AsyncClient

    def records(self) -> list[dict[str, Any]]:
        out = []
        for path in self.audit:
            if path.exists():
                out += [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
        return out

    def cards(self) -> list[dict[str, Any]]:
        found = [c.params for c in self.slack.api_calls("chat.postMessage") if c.params.get("channel") == CHANNEL]
        return [
            {**c, "blocks": json.loads(c["blocks"]) if isinstance(c["blocks"], str) else c["blocks"]} for c in found
        ]

    async def click(self, card: dict[str, Any], user: str) -> dict[str, Any]:
        """``user`` presses Approve on ``card`` in Slack; what they see."""
        button = next(
            e for b in card["blocks"] if b["type"] == "actions" for e in b["elements"] if e["text"]["text"] == "Approve"
        )
        rid = f"{user}-{uuid.uuid4().hex[:6]}"
        payload = {
            "type": "block_actions",
            "user": {"id": user, "username": user.lower(), "team_id": "T1"},
            "api_app_id": "A1",
            "team": {"id": "T1", "domain": "acme"},
            "container": {"type": "message", "message_ts": "5.1", "channel_id": CHANNEL},
            "channel": {"id": CHANNEL, "name": "approvals"},
            "trigger_id": "trigger-approve",
            "response_url": self.slack.response_url(rid),
            "actions": [
                {"type": "button", "action_id": button["action_id"], "value": button["value"], "block_id": "b"}
            ],
        }
        body = payload_body(payload)
        ack = await self.http.post(self.bot_url + "/slack/events", content=body, headers=signed(body, SECRET))
        assert ack.status_code == 200, ack.text
        [answer] = await eventually(lambda: self.slack.responses.get(rid))
        return dict(answer)


@pytest.fixture
async def deployment(
    emulator_url: str, store_server: StoreServer, idp: IdentityProvider, tmp_path: Path
) -> AsyncIterator[Deployment]:
    store_server.flush()
    slack = await FakeSlack().start()
    slack.emails.update({ALICE: "alice@example.com", BOB: "bob@example.com"})
    shared = {
        "REGISTRY_STATE_URL": store_server.url,
        "REGISTRY_CONFIRM_SECRET": "four-eyes-confirmation-key-0123456789abcdef",
        "REGISTRY_APPROVAL_REQUIRED": "guarded-*",
        "REGISTRY_APPROVAL_CHANNEL": CHANNEL,
    }
    mcp_port, bot_port = free_port(), free_port()
    audits = [tmp_path / "audit-mcp.jsonl", tmp_path / "audit-bot.jsonl"]
    mcp_env = api_env(
        emulator_url,
        **shared,
        REGISTRY_MCP_OAUTH_ISSUER=idp.issuer,
        REGISTRY_MCP_OAUTH_AUDIENCE=AUDIENCE,
        REGISTRY_AUDIT_FILE=str(audits[0]),
    )
    bot_env = api_env(
        emulator_url,
        **shared,
        SLACK_SIGNING_SECRET=SECRET,
        SLACK_BOT_TOKEN="xoxb-four-eyes",
        SLACK_API_URL=slack.api_url,
        REGISTRY_BOT_WRITERS=f"{ALICE},{BOB}",
        REGISTRY_AUDIT_FILE=str(audits[1]),
    )
    quiet = asyncio.subprocess.DEVNULL
    processes = [
        await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "tools.mcp_server.cli",
            "--transport",
            "http",
            "--port",
            str(mcp_port),
            env=mcp_env,
            stderr=quiet,
        ),
        await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "--port", str(bot_port), env=bot_env, stderr=quiet
        ),
    ]
    bot_url, mcp_url = f"http://127.0.0.1:{bot_port}", f"http://127.0.0.1:{mcp_port}"
    try:
        async with httpx.AsyncClient(timeout=20) as http:
            await eventually(lambda: _answers(bot_url + "/healthz") and _answers(mcp_url + "/mcp"))
            yield Deployment(OAuthServer(mcp_url, idp), bot_url, slack, audits, http)
    finally:
        for process in processes:
            process.terminate()
            await asyncio.wait_for(process.wait(), 10)
        await slack.stop()
    for call in slack.api_calls("chat.postMessage"):
        if call.params.get("blocks"):
            assert_valid_message({**call.params, "blocks": _blocks(call.params["blocks"])})


def _blocks(raw: Any) -> Any:
    return json.loads(raw) if isinstance(raw, str) else raw


def _answers(url: str) -> bool:
    try:
        httpx.get(url, timeout=1)
    except httpx.TransportError:
        return False
    return True


def create_registry(emulator_url: str, name: str) -> str:
    created = httpx.post(
        f"{emulator_url}/containerregistries/registries",
        json={"properties": {"name": name, "location": "de/fra"}},
        headers={"authorization": f"Bearer {EMULATOR_TOKEN}"},
    )
    created.raise_for_status()
    return str(created.json()["id"])


def deletes_of(emulator_url: str, rid: str) -> int:
    """DELETE requests that reached the registry, as the emulator counted them."""
    stats = httpx.get(f"{emulator_url}/_emulator/stats", params={"path": f"/containerregistries/registries/{rid}"})
    return int(stats.json()["path"].get("DELETE", 0))


async def test_alices_assistant_asks_alice_is_refused_and_bobs_approval_runs_it_once(
    deployment: Deployment, emulator_url: str
) -> None:
    name = f"guarded-{uuid.uuid4().hex[:8]}"
    rid = create_registry(emulator_url, name)
    alice = deployment.mcp.idp.token("u-alice", email="alice@example.com")

    asked = await deployment.mcp.confirmed(alice, "delete_registry", {"registry": name})
    assert asked.structured_content is not None, text(asked)
    assert asked.structured_content["status"] == "pending_approval", text(asked)
    request_id = asked.structured_content["result"]["id"]

    [card] = await eventually(deployment.cards)  # posted by the bot's courier, from the shared queue
    assert "through an AI assistant" in texts(card)

    refused = await deployment.click(card, ALICE)
    assert "you asked for this change" in texts(refused)
    assert deletes_of(emulator_url, rid) == 0, "nothing was deleted"

    approved = await deployment.click(card, BOB)
    assert f"Approved by slack:{BOB}" in texts(approved), texts(approved)
    status = await deployment.mcp.call(alice, "get_approval", {"request_id": request_id})
    assert status.structured_content is not None
    assert status.structured_content["status"] == "executed"
    assert deletes_of(emulator_url, rid) == 1

    steps = [(r["actor"], r["outcome"]) for r in deployment.records() if r["registry_name"] == name]
    assert ("mcp:alice@example.com", "requested") in steps
    assert (f"slack:{ALICE}", "denied") in steps
    assert (f"slack:{BOB}", "approved") in steps
    assert [o for _, o in steps].count("executed") == 1, steps

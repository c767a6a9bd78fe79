"""The bot served on 127.0.0.1 the way Slack reaches it, with a fake Slack and the in-process emulator."""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

import httpx
import pytest
import uvicorn
from slack_sdk.web.async_client import AsyncWebClient

from bot import render
from bot.access import Access
from bot.app import build_app
from bot.deps import BotDeps
from bot.handoffs import HandoffCourier
from bot.server import build_asgi
from tests.bot.blockkit import assert_valid_message, assert_valid_view
from tests.bot.fakes import FakeSlack, event_body, payload_body, slash_body
from tests.conftest import TOKEN, Stack
from tests.helpers.identity import IdentityProvider, OAuthServer, mcp_with_oauth
from tests.helpers.signing import signed, signed_json
from tools.mcp_server import ServerOptions, build_server
from tools.mcp_server.http import http_app
from tools.metrics import MetricsEndpoint

SECRET = "test-signing-secret"
ALICE, BOB, CAROL = "UALICE", "UBOB", "UCAROL"  # Alice writes; Bob reads only; Carol writes via a user group
OPS, AUDIT = "COPS", "CAUDIT"


@dataclass
class BotUnderTest:
    url: str
    slack: FakeSlack
    stack: Stack
    access: Access
    http: httpx.AsyncClient
    deps: BotDeps

    async def command(self, text: str, *, user: str = ALICE, channel: str = OPS, rid: str = "1") -> httpx.Response:
        body = slash_body(text, user=user, channel=channel, response_url=self.slack.response_url(rid))
        return await self.http.post(self.url + "/slack/events", content=body, headers=signed(body, SECRET))

    async def reply(self, text: str, **kw: Any) -> dict[str, Any]:
        """Send a command and wait for its answer at the response_url sink."""
        rid = kw.setdefault("rid", "".join(c if c.isalnum() else "_" for c in text)[:40] or "empty")
        before = len(self.slack.responses.get(rid, []))
        ack = await self.command(text, **kw)
        assert ack.status_code == 200, ack.text
        replies = await self.slack.wait_for(
            lambda: len(self.slack.responses.get(rid, [])) > before and self.slack.responses[rid]
        )
        return dict(replies[-1])

    async def interact(self, payload: dict[str, Any]) -> httpx.Response:
        body = payload_body(payload)
        return await self.http.post(self.url + "/slack/events", content=body, headers=signed(body, SECRET))

    async def event(self, event: dict[str, Any], event_id: str = "Ev1") -> httpx.Response:
        body = event_body(event, event_id)
        return await self.http.post(self.url + "/slack/events", content=body, headers=signed_json(body, SECRET))


def free_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


def writers() -> Access:
    return Access(writers=frozenset({ALICE, "SWRITERS"}))


@asynccontextmanager
async def serving_bot(stack: Stack, fake: FakeSlack, access: Access) -> AsyncIterator[BotUnderTest]:
    """The bot on ``stack``'s core, served on a free loopback port, talking to ``fake``."""
    deps = BotDeps(stack.core, access, audit_channel=AUDIT)
    app = build_app(deps, client=AsyncWebClient(token="xoxb-test", base_url=fake.api_url), signing_secret=SECRET)
    mcp = http_app(build_server(stack.core, ServerOptions(actor="mcp:http")), host="127.0.0.1", token=None)
    sock = free_socket()
    server = uvicorn.Server(
        uvicorn.Config(
            build_asgi(
                app,
                mcp,
                {"mode": "test"},
                signing_secret=SECRET,
                checks=stack.core.health,
                metrics=MetricsEndpoint(loopback=True, token=None),
            ),
            log_level="error",
            access_log=False,
        )
    )
    task = asyncio.ensure_future(server.serve(sockets=[sock]))
    while not server.started:  # noqa: ASYNC110 - uvicorn offers no event to wait on
        await asyncio.sleep(0.01)
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    try:
        async with httpx.AsyncClient(timeout=10) as http:
            yield BotUnderTest(url, fake, stack, access, http, deps)
    finally:
        server.should_exit = True
        await task


def check_traffic(fake: FakeSlack) -> None:
    """Everything the bot sent Slack parses with slack_sdk and fits Slack's limits."""
    for replies in fake.responses.values():
        for reply in replies:
            if reply.get("blocks"):
                assert_valid_message(reply)
    for call in fake.api_calls("views.open") + fake.api_calls("views.publish"):
        view = call.params["view"]
        assert_valid_view(json.loads(view) if isinstance(view, str) else view)
    for method in ("chat.postMessage", "chat.update", "chat.postEphemeral"):
        for call in fake.api_calls(method):
            blocks = call.params.get("blocks")
            assert_valid_message({**call.params, "blocks": json.loads(blocks) if isinstance(blocks, str) else blocks})


@pytest.fixture
async def bot(stack: Stack) -> AsyncIterator[BotUnderTest]:
    fake = await FakeSlack().start()
    fake.group_members["SWRITERS"] = [CAROL]
    try:
        async with serving_bot(stack, fake, writers()) as served:
            yield served
    finally:
        await fake.stop()
    check_traffic(fake)


class HasSlack(Protocol):
    slack: FakeSlack


def block_action(
    bot: HasSlack, reply: dict[str, Any], action_id: str, *, user: str = ALICE, rid: str = "1"
) -> dict[str, Any]:
    """The block_actions payload Slack sends when ``user`` clicks the button ``action_id`` of ``reply``."""
    button = next(
        e for b in reply["blocks"] if b["type"] == "actions" for e in b["elements"] if e["action_id"] == action_id
    )
    return {
        "type": "block_actions",
        "user": {"id": user, "username": user.lower(), "team_id": "T1"},
        "api_app_id": "A1",
        "team": {"id": "T1", "domain": "acme"},
        "container": {"type": "message", "message_ts": "1.1", "channel_id": OPS, "is_ephemeral": True},
        "trigger_id": f"trigger-{action_id}",
        "channel": {"id": OPS, "name": "ops"},
        "response_url": bot.slack.response_url(rid),
        "actions": [
            {"type": "button", "action_id": action_id, "block_id": "b", "value": button["value"], "action_ts": "1.2"}
        ],
    }


def view_payload(
    view: dict[str, Any], typed: str | None, *, user: str = ALICE, kind: str = "view_submission"
) -> dict[str, Any]:
    """What Slack sends when ``user`` submits (or closes) the modal ``view`` after typing ``typed``."""
    return {
        "type": kind,
        "user": {"id": user, "username": user.lower(), "team_id": "T1"},
        "api_app_id": "A1",
        "team": {"id": "T1", "domain": "acme"},
        "view": {
            **view,
            "id": "V1",
            "team_id": "T1",
            "app_id": "A1",
            "state": {"values": {"confirm_name": {"typed": {"type": "plain_text_input", "value": typed}}}},
        },
        "is_cleared": False,
    }


async def preview_then_modal(bot: BotUnderTest, text: str, rid: str, user: str = ALICE) -> dict[str, Any]:
    preview = await bot.reply(text, rid=rid, user=user)
    button = next(
        e
        for b in preview["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
        if e["action_id"] == "registry_confirm"
    )
    assert button["style"] == "danger"
    assert button["confirm"]["style"] == "danger"
    ack = await bot.interact(block_action(bot, preview, "registry_confirm", rid=rid, user=user))
    assert ack.status_code == 200
    opened = await bot.slack.wait_for(lambda: bot.slack.api_calls("views.open"))
    assert opened[-1].params["trigger_id"] == "trigger-registry_confirm"
    view = opened[-1].params["view"]
    return json.loads(view) if isinstance(view, str) else dict(view)


@pytest.fixture
async def slack_confirming(bot: BotUnderTest, fresh_idp: IdentityProvider) -> AsyncIterator[OAuthServer]:
    """MCP over HTTP with OAuth and REGISTRY_MCP_CONFIRM=slack on the bot's core, and the courier that
    every registry-bot runs beside serving (it hands each change to its person's DM)."""
    bot.slack.emails.update({ALICE: "alice@example.com", BOB: "bob@example.com"})
    web = AsyncWebClient(token="xoxb-test", base_url=bot.slack.api_url)
    courier = asyncio.ensure_future(HandoffCourier(bot.deps, web).run(every=0.02))
    try:
        async with mcp_with_oauth(bot.stack.core, fresh_idp, confirm="slack") as server:
            yield server
    finally:
        courier.cancel()


def token_of(idp: IdentityProvider, email: str | None = "alice@example.com") -> str:
    return idp.token("u-alice", email=email)


def dms(bot: BotUnderTest, user: str) -> list[dict[str, Any]]:
    out = []
    for call in bot.slack.api_calls("chat.postMessage"):
        if call.params["channel"] == user and call.params.get("blocks"):
            blocks = call.params["blocks"]
            out.append({**call.params, "blocks": json.loads(blocks) if isinstance(blocks, str) else blocks})
    return out


def untouched(bot: BotUnderTest) -> bool:
    registry = bot.stack.registry_named("sandbox")
    return registry is not None and registry.deleting_since is None


# ---------------------------------------------------------------- findings and their next steps

DIGEST_TS = "1764900000.000200"


async def digest_page(stack: Stack, kind: str = "token") -> dict[str, Any]:
    """A page of the watch as the bot posts it, from the first finding of ``kind`` (the sample estate has
    more critical vulnerabilities than one message holds, so its tokens are on a later page)."""
    found = await stack.core.watch.look(stack.core.now())
    first = next(i for i, f in enumerate(found.report().findings) if f.kind == kind)
    return {"ts": DIGEST_TS, **render.watch_report(found.report(offset=first, limit=40), "Registry watch")}


def menus(message: dict[str, Any]) -> list[dict[str, Any]]:
    return [b["accessory"] for b in message["blocks"] if (b.get("accessory") or {}).get("type") == "overflow"]


def choose(
    bot: BotUnderTest, message: dict[str, Any], label: str, about: str, *, user: str = ALICE, rid: str = "f"
) -> dict[str, Any]:
    """The block_actions payload Slack sends when ``user`` picks ``label`` on the finding about ``about``."""
    option = next(o for m in menus(message) for o in m["options"] if o["text"]["text"] == label and about in o["value"])
    return {
        "type": "block_actions",
        "user": {"id": user, "username": user.lower(), "team_id": "T1"},
        "api_app_id": "A1",
        "team": {"id": "T1", "domain": "acme"},
        "container": {"type": "message", "message_ts": message["ts"], "channel_id": OPS, "is_ephemeral": False},
        "trigger_id": "trigger-finding",
        "channel": {"id": OPS, "name": "ops"},
        "message": message,
        "response_url": bot.slack.response_url(rid),
        "actions": [
            {
                "type": "overflow",
                "action_id": render.FINDING_ACTION,
                "block_id": "b",
                "selected_option": option,
                "action_ts": "1.2",
            }
        ],
    }


async def raw_token(stack: Stack, registry: str, name: str) -> dict[str, Any] | None:
    """A token as the API has it, read over plain HTTP (None when it is gone)."""
    transport = httpx.ASGITransport(app=stack.emulator)
    headers = {"authorization": f"Bearer {TOKEN}"}
    async with httpx.AsyncClient(
        transport=transport, base_url="http://emulator/containerregistries/", headers=headers
    ) as http:
        [reg] = [
            r
            for r in (await http.get("registries", params={"limit": 100})).json()["items"]
            if r["properties"]["name"] == registry
        ]
        tokens = (await http.get(f"registries/{reg['id']}/tokens", params={"limit": 100})).json()["items"]
    return next((t for t in tokens if t["properties"]["name"] == name), None)


def expiry_of(token: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(token["properties"]["expiryDate"].replace("Z", "+00:00"))

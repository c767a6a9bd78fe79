"""Local stand-ins for Slack, on 127.0.0.1: the Web API, response_url sinks, and a Socket Mode server."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from aiohttp import WSMsgType, web


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    authorization: str | None
    answer: dict[str, Any] = field(default_factory=dict)  # what the fake Web API answered


@dataclass
class FakeSlack:
    """A fake Slack Web API (``/api/{method}``), response_url sink (``/response/{id}``) and
    Socket Mode endpoint (``/link``), all on one loopback port."""

    calls: list[Call] = field(default_factory=list)
    responses: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    group_members: dict[str, list[str]] = field(default_factory=dict)
    emails: dict[str, str] = field(default_factory=dict)  # users.info: user id → profile e-mail
    socket_acks: list[dict[str, Any]] = field(default_factory=list)
    socket_envelopes: asyncio.Queue[dict[str, Any]] = field(default_factory=asyncio.Queue)
    url: str = ""
    _runner: web.AppRunner | None = None

    async def start(self) -> FakeSlack:
        app = web.Application()
        app.router.add_post("/api/{method}", self._api)
        app.router.add_get("/api/{method}", self._api)
        app.router.add_post("/response/{rid}", self._response)
        app.router.add_get("/link", self._socket)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{port}"
        return self

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def api_url(self) -> str:
        return self.url + "/api/"

    def response_url(self, rid: str = "1") -> str:
        return f"{self.url}/response/{rid}"

    def api_calls(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        params: dict[str, Any] = dict(request.query)
        if request.method == "POST" and request.content_type == "application/json":
            params.update(await request.json())
        elif request.method == "POST":
            params.update(await request.post())
        call = Call(method, params, request.headers.get("authorization"))
        self.calls.append(call)
        answers: dict[str, dict[str, Any]] = {
            "auth.test": {"ok": True, "team_id": "T1", "user_id": "UBOT", "bot_id": "B1"},
            "chat.postEphemeral": {"ok": True, "message_ts": f"{len(self.calls)}.2"},
            "views.open": {"ok": True, "view": {"id": "V1"}},
            "chat.postMessage": {"ok": True, "channel": params.get("channel"), "ts": f"{len(self.calls)}.1"},
            "usergroups.users.list": {"ok": True, "users": self.group_members.get(str(params.get("usergroup")), [])},
            "users.info": {
                "ok": True,
                "user": {"id": params.get("user"), "profile": {"email": self.emails.get(str(params.get("user")))}},
            },
            "users.lookupByEmail": self._by_email(str(params.get("email", ""))),
            "chat.update": {"ok": True, "channel": params.get("channel"), "ts": params.get("ts")},
            "apps.connections.open": {"ok": True, "url": self.url.replace("http", "ws") + "/link"},
        }
        call.answer = answers.get(method, {"ok": True})
        return web.json_response(call.answer)

    def _by_email(self, email: str) -> dict[str, Any]:
        found = next((user for user, known in self.emails.items() if known.lower() == email.lower()), None)
        return {"ok": True, "user": {"id": found}} if found else {"ok": False, "error": "users_not_found"}

    async def _response(self, request: web.Request) -> web.Response:
        self.responses.setdefault(request.match_info["rid"], []).append(await request.json())
        return web.Response(text="ok")

    async def _socket(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        await ws.send_json({"type": "hello", "num_connections": 1})

        async def feed() -> None:
            while not ws.closed:
                await ws.send_json(await self.socket_envelopes.get())

        feeder = asyncio.ensure_future(feed())
        try:
            async for msg in ws:
                if msg.type == WSMsgType.TEXT:
                    self.socket_acks.append(json.loads(msg.data))
        finally:
            feeder.cancel()
        return ws

    async def wait_for(self, predicate: Callable[[], Any], timeout: float = 10.0) -> Any:  # noqa: ASYNC109
        """Poll until ``predicate()`` is truthy (the ack returns before the work is done)."""
        deadline = time.monotonic() + timeout
        while True:
            value = predicate()
            if value:
                return value
            if time.monotonic() > deadline:
                raise AssertionError("timed out waiting for Slack traffic")
            await asyncio.sleep(0.01)


def event_body(event: dict[str, Any], event_id: str = "Ev1") -> str:
    """What the Events API posts: an ``event_callback`` envelope around ``event``."""
    envelope = {
        "token": "legacy",
        "team_id": "T1",
        "api_app_id": "A1",
        "type": "event_callback",
        "event_id": event_id,
        "event_time": int(time.time()),
        "event": event,
    }
    return json.dumps(envelope)


def slash_body(text: str, *, user: str, channel: str, response_url: str) -> str:
    return urlencode(
        {
            "token": "legacy",
            "team_id": "T1",
            "team_domain": "acme",
            "channel_id": channel,
            "channel_name": "ops",
            "user_id": user,
            "user_name": user.lower(),
            "command": "/registry",
            "text": text,
            "api_app_id": "A1",
            "response_url": response_url,
            "trigger_id": f"trigger-{time.monotonic_ns()}",
        }
    )


def payload_body(payload: dict[str, Any]) -> str:
    return urlencode({"payload": json.dumps(payload)})

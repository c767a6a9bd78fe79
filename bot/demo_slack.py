"""A stand-in for the few Slack Web API methods the bot calls, served by ``registry-bot --demo`` itself.

With no Slack workspace, the bot's ``views.open`` (the type-the-name modal), ``chat.postMessage``
and ``chat.update`` (the audit, approval and watch channels, threads, direct messages) land here.
``python -m bot.demo`` reads the opened modal back from ``/_demo/slack/views/{trigger_id}`` to
finish a confirmation, and a channel's messages from ``/_demo/slack/channels/{channel}`` to show
them or press their buttons. Each demo user ``U…`` has the e-mail ``u…@demo.example``, so four
eyes can tell people apart.
"""

from __future__ import annotations

import itertools
import json
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

PREFIX = "/_demo/slack"


def email_of(user: str) -> str:
    return f"{user.lower()}@demo.example"


class DemoSlack:
    def __init__(self) -> None:
        self.views: dict[str, dict[str, Any]] = {}
        self.posted: list[dict[str, Any]] = []
        self.stamps = itertools.count(1)

    def api_url(self, base: str) -> str:
        return f"{base}{PREFIX}/api/"

    def routes(self) -> list[Route]:
        return [
            Route(PREFIX + "/api/{method}", self.api, methods=["POST", "GET"]),
            Route(PREFIX + "/views/{trigger_id}", self.view, methods=["GET"]),
            Route(PREFIX + "/channels/{channel}", self.channel, methods=["GET"]),
        ]

    async def api(self, request: Request) -> Response:
        method = request.path_params["method"]
        params: dict[str, Any] = dict(request.query_params)
        if request.method == "POST":
            if request.headers.get("content-type", "").startswith("application/json"):
                params.update(await request.json())
            else:
                params.update(dict(await request.form()))
        if method == "views.open":
            view = params.get("view")
            self.views[str(params.get("trigger_id"))] = json.loads(view) if isinstance(view, str) else dict(view or {})
            return JSONResponse({"ok": True, "view": {"id": "VDEMO"}})
        if method == "chat.postMessage":
            ts = f"{next(self.stamps)}.000100"
            self.posted.append({**params, "ts": ts})
            return JSONResponse({"ok": True, "channel": params.get("channel"), "ts": ts})
        if method == "chat.update":
            for message in self.posted:
                if message["ts"] == params.get("ts") and message.get("channel") == params.get("channel"):
                    message.update(params)
            return JSONResponse({"ok": True, "channel": params.get("channel"), "ts": params.get("ts")})
        if method == "conversations.open":
            return JSONResponse({"ok": True, "channel": {"id": "D" + str(params.get("users", "")).lstrip("U")}})
        if method == "users.info":
            user = str(params.get("user", ""))
            return JSONResponse({"ok": True, "user": {"id": user, "profile": {"email": email_of(user)}}})
        if method == "users.lookupByEmail":
            user = str(params.get("email", "")).partition("@")[0].upper()
            return JSONResponse({"ok": True, "user": {"id": user, "profile": {"email": email_of(user)}}})
        return JSONResponse({"ok": True})

    async def channel(self, request: Request) -> Response:
        """What was posted in a channel (a direct message: ``D`` and the user id without ``U``), oldest first."""
        wanted = request.path_params["channel"]
        return JSONResponse([m for m in self.posted if m.get("channel") == wanted])

    async def view(self, request: Request) -> Response:
        found = self.views.pop(request.path_params["trigger_id"], None)
        return JSONResponse(found) if found is not None else JSONResponse({"error": "no such view"}, status_code=404)

"""A stand-in for the few Slack Web API methods the bot calls, served by ``registry-bot --demo`` itself.

With no Slack workspace, the bot's ``views.open`` (the type-the-name modal) and
``chat.postMessage`` (the audit channel) land here; ``python -m bot.demo`` reads the opened
modal back from ``/_demo/slack/views/{trigger_id}`` to finish a confirmation the way Slack would.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

PREFIX = "/_demo/slack"


class DemoSlack:
    def __init__(self) -> None:
        self.views: dict[str, dict[str, Any]] = {}
        self.posted: list[dict[str, Any]] = []

    def api_url(self, base: str) -> str:
        return f"{base}{PREFIX}/api/"

    def routes(self) -> list[Route]:
        return [
            Route(PREFIX + "/api/{method}", self.api, methods=["POST", "GET"]),
            Route(PREFIX + "/views/{trigger_id}", self.view, methods=["GET"]),
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
            self.posted.append(params)
            return JSONResponse({"ok": True, "channel": params.get("channel"), "ts": "1.1"})
        return JSONResponse({"ok": True})

    async def view(self, request: Request) -> Response:
        found = self.views.pop(request.path_params["trigger_id"], None)
        return JSONResponse(found) if found is not None else JSONResponse({"error": "no such view"}, status_code=404)

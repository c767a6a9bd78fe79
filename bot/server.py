"""One ASGI app for both fronts: POST /slack/events, GET /healthz, and MCP at /mcp; Socket Mode runner."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

import uvicorn
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.adapter.starlette.async_handler import AsyncSlackRequestHandler
from slack_bolt.async_app import AsyncApp
from slack_bolt.request.internals import parse_body
from slack_sdk.signature import SignatureVerifier
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from tools.metrics import observe_slack_ack

logger = logging.getLogger("bot.server")


class Fronts:
    """Routes ``/mcp`` to the MCP app (which also owns the lifespan: its session manager) and
    everything else to the Slack and health routes."""

    def __init__(self, main: ASGIApp, mcp: ASGIApp | None) -> None:
        self.main = main
        self.mcp = mcp

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        # One-time secret pages and the OAuth resource metadata belong to the MCP app too.
        to_mcp = path == "/mcp" or path.startswith(("/mcp/", "/secrets/", "/.well-known/oauth-protected-resource"))
        if self.mcp is not None and (scope["type"] == "lifespan" or to_mcp):
            await self.mcp(scope, receive, send)
        else:
            await self.main(scope, receive, send)


HealthCheck = Callable[[], Awaitable[dict[str, str]]]


def build_asgi(
    slack: AsyncApp,
    mcp_app: ASGIApp | None,
    health: dict[str, Any],
    *,
    signing_secret: str,
    extra_routes: list[Route] | None = None,
    checks: HealthCheck | None = None,
    metrics: ASGIApp | None = None,
) -> ASGIApp:
    handler = AsyncSlackRequestHandler(slack)
    verifier = SignatureVerifier(signing_secret)

    async def events(request: Request) -> Response:
        """Bolt parses a body before it checks its signature, and a malformed one (``payload=%7Bx``)
        becomes a 500 with a traceback; so the signature is checked first (401) and the body next (400)."""
        arrived = time.perf_counter()
        raw = await request.body()
        try:
            valid = verifier.is_valid_request(raw, dict(request.headers))
        except (UnicodeDecodeError, ValueError):  # a body that is not even UTF-8 was not signed by Slack
            valid = False
        if not valid:
            return JSONResponse({"error": "invalid request"}, status_code=401)
        try:
            text = raw.decode("utf-8")
            parsed = parse_body(text, request.headers.get("content-type"))
        except (UnicodeDecodeError, ValueError):
            parsed = None
        if not isinstance(parsed, dict) or not parsed:
            return JSONResponse({"error": "malformed request body"}, status_code=400)
        response = await handler.handle(request)
        # Bolt answers the HTTP request once the listener acks (process_before_response is off):
        # this is the time Slack waited, which must stay under its 3 s.
        observe_slack_ack(time.perf_counter() - arrived)
        return response

    async def healthz(request: Request) -> Response:
        """200 while the process serves; ``status`` says degraded when the shared store is away
        (reads work, confirmations are refused until it is back)."""
        state = await checks() if checks is not None else {"state": "ok"}
        return JSONResponse({"ok": True, "status": state.pop("state", "ok"), **health, **state})

    main = Starlette(
        routes=[
            Route("/slack/events", events, methods=["POST"]),
            Route("/healthz", healthz, methods=["GET"]),
            *([Route("/metrics", metrics)] if metrics is not None else []),
            *(extra_routes or []),
        ]
    )
    return Fronts(main, mcp_app)


async def serve(asgi: ASGIApp, host: str, port: int, slack: AsyncApp, app_token: str | None) -> None:
    """Serve HTTP; with an app token, also hold a Socket Mode connection to Slack."""
    config = uvicorn.Config(asgi, host=host, port=port, log_level="warning", access_log=False)
    server = uvicorn.Server(config)
    if app_token is None:
        await server.serve()
        return
    handler = AsyncSocketModeHandler(slack, app_token)
    await handler.connect_async()  # type: ignore[no-untyped-call]
    try:
        await server.serve()
    finally:
        await handler.close_async()  # type: ignore[no-untyped-call]
        await asyncio.sleep(0)

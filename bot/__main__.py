"""registry-bot: the Slack front (HTTP or Socket Mode), /healthz, and the MCP server at /mcp."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import logging
import shlex
import sys
from collections.abc import Coroutine
from pathlib import Path
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient
from starlette.types import ASGIApp

from bot.access import Access
from bot.app import BotIdentity, build_app
from bot.approvals import Courier
from bot.demo_slack import DemoSlack
from bot.deps import BotDeps
from bot.handoffs import HandoffCourier
from bot.server import build_asgi, serve
from bot.watch import Digests
from tools.app import Core
from tools.config import McpSettings, SlackSettings
from tools.logs import announce
from tools.mcp_server import ServerOptions, build_server
from tools.mcp_server.http import http_app, inspector_line, is_loopback
from tools.mcp_server.identity import access_of
from tools.mcp_server.secrets import delivery_for
from tools.metrics import MetricsEndpoint
from tools.sanitize import set_prose_policy
from tools.startup import Parser, StartupError, load, local_url, observe, port_number, quiet_interrupt, secret_value
from tools.state import StateStore
from tools.wiring import Wired, build

DEMO_SIGNING_SECRET = "demo-signing-secret"
logger = logging.getLogger("registry-bot")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = Parser(prog="registry-bot", description="Slack bot (and MCP) for IONOS registries.")
    parser.add_argument("--host", default="127.0.0.1", help="interface (default 127.0.0.1; 0.0.0.0 in a container)")
    parser.add_argument("--port", type=port_number, default=3000, help="port (default 3000)")
    parser.add_argument("--socket-mode", action="store_true", help="connect to Slack over Socket Mode")
    parser.add_argument("--emulator", action="store_true", help="use the built-in emulator (no IONOS credentials)")
    parser.add_argument(
        "--demo", action="store_true", help="emulator + everyone may write + MCP mounted; no Slack workspace needed"
    )
    return parser.parse_args(argv)


PROG = "registry-bot"


def fail(message: str) -> SystemExit:
    return StartupError(PROG, message)


@quiet_interrupt
def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    observability = observe(PROG)
    slack, mcp_settings = load(PROG, SlackSettings), load(PROG, McpSettings)
    set_prose_policy(mcp_settings.registry_mcp_untrusted_text)
    socket_mode = args.socket_mode or slack.slack_app_token is not None
    if socket_mode and slack.slack_app_token is None:
        raise fail("--socket-mode needs SLACK_APP_TOKEN (xapp-…)")
    secret = slack.slack_signing_secret.get_secret_value() if slack.slack_signing_secret else None
    if secret is None and not (args.demo or socket_mode):
        raise fail("set SLACK_SIGNING_SECRET (HTTP mode), SLACK_APP_TOKEN (Socket Mode), or run with --demo")
    if slack.slack_bot_token is None and not args.demo:
        raise fail("set SLACK_BOT_TOKEN (xoxb-…), or run with --demo")

    wired = build(PROG, offline=args.emulator or args.demo)
    core, safety = wired.core, wired.safety
    core.warm()
    access = Access.from_settings("*" if args.demo else slack.registry_bot_writers, slack.registry_bot_channels)
    token = slack.slack_bot_token.get_secret_value() if slack.slack_bot_token else None
    stand_in = DemoSlack() if args.demo and token is None else None
    local = local_url(args.host, args.port)
    api_url = stand_in.api_url(local) if stand_in else slack.slack_api_url
    web = AsyncWebClient(token=token or "xoxb-demo", base_url=api_url)
    identity = None if args.demo and not slack.slack_bot_token else BotIdentity(web)
    deps = BotDeps(core, access, slack.registry_bot_audit_channel)
    app = build_app(
        deps,
        client=web,
        signing_secret=secret or DEMO_SIGNING_SECRET,
        offline_identity=identity is None,
        identity=identity,
    )

    mcp_app = mounted_mcp(core, mcp_settings, args.host, local, wired.core.store)
    health = {"mode": "demo" if args.demo else "socket" if socket_mode else "http", "mcp": mcp_app is not None}
    metrics_token = secret_value(observability.registry_metrics_token)
    asgi = build_asgi(
        app,
        mcp_app,
        health,
        signing_secret=secret or DEMO_SIGNING_SECRET,
        extra_routes=stand_in.routes() if stand_in else None,
        checks=core.health,
        metrics=MetricsEndpoint(loopback=is_loopback(args.host), token=metrics_token),
    )
    announce(PROG, banner(args, socket_mode, mcp_app is not None, secret is None))
    # Everything built so far lives as long as the process: keep it out of the collector's full
    # passes, which otherwise stall the event loop ~0.1 s now and then under load (Slack's 3 s ack).
    gc.freeze()
    app_token = slack.slack_app_token.get_secret_value() if slack.slack_app_token else None
    channel = slack.registry_watch_channel
    background: list[Coroutine[Any, Any, None]] = []
    routes = slack.watch_routes
    if channel or routes:
        background.append(Digests(core, web, channel, slack.registry_watch_interval, routes=routes).run())
    if safety.registry_approval_channel:
        background.append(Courier(deps, web, safety.registry_approval_channel).run())
    # Any registry-mcp sharing the store may hand a change to its person (REGISTRY_MCP_CONFIRM=slack).
    background.append(HandoffCourier(deps, web).run())
    asyncio.run(serving(asgi, args, app, app_token if socket_mode else None, wired, identity, background))


async def serving(
    asgi: ASGIApp,
    args: argparse.Namespace,
    app: AsyncApp,
    app_token: str | None,
    wired: Wired,
    identity: BotIdentity | None,
    loops: list[Coroutine[Any, Any, None]],
) -> None:
    # Beside serving, not before it: a slow Slack must not keep /healthz down; requests that come
    # first wait for the same answer. The watch digest and the approval courier run beside it too.
    background = [asyncio.create_task(identity.warm())] if identity is not None else []
    background += [asyncio.create_task(loop) for loop in loops]
    try:
        await serve(asgi, args.host, args.port, app, app_token)
    finally:
        for task in background:
            task.cancel()
        await wired.aclose()


def mounted_mcp(core: Core, settings: McpSettings, host: str, local: str, store: StateStore) -> ASGIApp | None:
    """MCP at /mcp beside Slack: per-person with OAuth, else the shared token (required off loopback)."""
    oauth, token = access_of(settings, local)
    if oauth is None and token is None and not is_loopback(host):
        logger.warning("MCP is not served at /mcp: binding %s needs OAuth or REGISTRY_MCP_TOKEN", host)
        return None
    delivery, pages = delivery_for(settings, "http", local, store)
    mcp = build_server(
        core, ServerOptions(actor="mcp:http", secrets=delivery, oauth=oauth, confirm=settings.registry_mcp_confirm)
    )
    return http_app(mcp, host=host, token=token, pages=pages)


def demo_command(base: str) -> str:
    """How to run ``bot.demo`` from here: this interpreter (relative inside the checkout, as typed
    there), and ``--url`` when the bot is not where the demo looks by default."""
    python = Path(sys.executable)
    with contextlib.suppress(ValueError):
        python = python.relative_to(Path.cwd())
    url = f" --url {base}/slack/events" if base != "http://127.0.0.1:3000" else ""
    return f"{shlex.quote(str(python))} -m bot.demo{url}"


def banner(args: argparse.Namespace, socket_mode: bool, mcp: bool, demo_secret: bool) -> str:
    base = local_url(args.host, args.port)
    lines = [f"registry-bot{' (demo: built-in emulator, everyone may write)' if args.demo else ''}"]
    lines.append("  Slack: Socket Mode" if socket_mode else f"  Slack: POST {base}/slack/events")
    lines.append(f"  Health: {base}/healthz   Metrics: {base}/metrics")
    if mcp:
        lines.append(f"  MCP: {base}/mcp  ({inspector_line(f'{base}/mcp', with_token=False)})")
    if args.demo:
        secret = f" (signing secret '{DEMO_SIGNING_SECRET}')" if demo_secret else ""
        demo = demo_command(base)
        lines.append(f"  Try it without Slack{secret}: {demo} list")
        lines.append(f"    {demo} get prod-images")
        lines.append(f"    {demo} --confirm sandbox delete sandbox   (presses the button, types the name)")
    return "\n".join(lines)


if __name__ == "__main__":
    main()

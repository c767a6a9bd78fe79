"""The heavy half of ``registry-mcp``: the core and the built tools, for either transport.

``cli.py`` reads the command line and the environment and imports this only when it must: at once for
HTTP, on the first request that needs the tools for stdio (``stdio.py``).
"""

from __future__ import annotations

import argparse
import gc
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import asdict
from typing import Any, Literal, NamedTuple

from mcp.server.mcpserver import MCPServer

from tools.config import McpSettings, ObservabilitySettings
from tools.logs import announce
from tools.mcp_server.derive import ServerOptions
from tools.mcp_server.http import check_exposure, http_app, inspector_line, is_loopback
from tools.mcp_server.identity import OAuthOptions, access_of
from tools.mcp_server.manifest import Middleware
from tools.mcp_server.offer import Modes
from tools.mcp_server.secrets import SecretDelivery, delivery_for
from tools.mcp_server.server import build_server, populate
from tools.metrics import MetricsEndpoint
from tools.startup import CoreSettings, local_url, secret_value
from tools.wiring import Wired, assemble


class Built(NamedTuple):
    """What the stdio server gets when it builds its tools (``stdio.Deferred``)."""

    middleware: list[Middleware]  # outermost first
    complete: Callable[..., Awaitable[Any]]  # completion/complete
    close: Callable[[], Awaitable[None]]  # closes the core when the server stops


def options(
    modes: Modes,
    transport: Literal["stdio", "http"],
    fallback: Literal["token", "deny"],
    secrets: SecretDelivery,
    oauth: OAuthOptions | None = None,
) -> ServerOptions:
    return ServerOptions(
        **asdict(modes), confirm_fallback=fallback, actor=f"mcp:{transport}", secrets=secrets, oauth=oauth
    )


def for_stdio(
    server: MCPServer, core: CoreSettings, settings: McpSettings, modes: Modes, fallback: Literal["token", "deny"]
) -> Built:
    """Build the core and add the tools to ``server``."""
    wired = assemble(core)
    delivery, _ = delivery_for(settings, "stdio", "", wired.core.store)
    middleware, completer = populate(server, wired.core, options(modes, "stdio", fallback, delivery))
    return Built(middleware, completer.complete, wired.aclose)


def closing(wired: Wired) -> Any:
    @asynccontextmanager
    async def lifespan(_server: object) -> AsyncIterator[None]:
        try:
            yield
        finally:
            await wired.aclose()

    return lifespan


def connect_help(args: argparse.Namespace, with_token: bool, oauth: OAuthOptions | None = None) -> str:
    url = f"{local_url(args.host, args.port)}/mcp"
    if oauth is not None:
        return "\n".join(
            [
                f"registry-mcp: MCP (streamable HTTP) at {url}; each person signs in at {oauth.issuer}",
                f"  resource {oauth.resource_url}; write tools need the scope {oauth.write_scope!r}",
                f"  Claude Code: claude mcp add --transport http registries {oauth.resource_url}",
            ]
        )
    header = ' --header "Authorization: Bearer $REGISTRY_MCP_TOKEN"' if with_token else ""
    source = "the built-in emulator (12 sample registries)" if args.emulator else "the IONOS API"
    return "\n".join(
        [
            f"registry-mcp: MCP (streamable HTTP) at {url}, on {source}",
            f"  Inspector:   {inspector_line(url, with_token=with_token)}",
            f"  Claude Code: claude mcp add --transport http registries {url}" + header,
        ]
    )


def serve_http(
    args: argparse.Namespace,
    core: CoreSettings,
    settings: McpSettings,
    observability: ObservabilitySettings,
    modes: Modes,
) -> None:
    import uvicorn  # noqa: PLC0415 - stdio never needs it (cold start)

    base = local_url(args.host, args.port)
    oauth, token = access_of(settings, base)
    check_exposure(args.host, token, oauth is not None)
    wired = assemble(core)
    delivery, pages = delivery_for(settings, "http", base, wired.core.store)
    opts = options(modes, "http", args.confirm_fallback, delivery, oauth)
    server = build_server(wired.core, opts, lifespan=closing(wired))
    metrics = MetricsEndpoint(loopback=is_loopback(args.host), token=secret_value(observability.registry_metrics_token))
    app = http_app(server, host=args.host, token=token, pages=pages, metrics=metrics, checks=wired.core.health)
    wired.core.warm()
    announce("registry-mcp", connect_help(args, token is not None, oauth))
    gc.freeze()  # what lives as long as the process stays out of the collector's full passes
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning")

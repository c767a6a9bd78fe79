"""registry-mcp: serve the registry tools over stdio (default) or streamable HTTP."""

import argparse
import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from tools.config import McpSettings
from tools.logs import announce
from tools.mcp_server import TOOLSETS, ServerOptions, build_server
from tools.mcp_server.http import check_exposure, http_app, inspector_line, is_loopback
from tools.mcp_server.identity import OAuthOptions, oauth_from
from tools.mcp_server.secrets import delivery_for
from tools.metrics import MetricsEndpoint
from tools.sanitize import set_prose_policy
from tools.startup import Parser, load, port_number, quiet_interrupt, secret_value
from tools.wiring import Wired, build, local_url, observe

logger = logging.getLogger("registry-mcp")


def toolsets(text: str) -> frozenset[str]:
    wanted = {t.strip().lower() for t in text.split(",") if t.strip()}
    unknown = wanted - set(TOOLSETS)
    if unknown or not wanted:
        raise argparse.ArgumentTypeError(f"must be some of {','.join(TOOLSETS)} (got {text!r})")
    return frozenset(wanted)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = Parser(prog="registry-mcp", description="MCP server for IONOS Cloud Container Registry registries.")
    parser.add_argument("--transport", choices=("stdio", "http"), default="stdio")
    parser.add_argument("--host", default="127.0.0.1", help="HTTP interface (default 127.0.0.1)")
    parser.add_argument("--port", type=port_number, default=8000, help="HTTP port (default 8000); path /mcp")
    parser.add_argument("--read-only", action="store_true", help="register read tools only")
    parser.add_argument(
        "--disable-destructive",
        action="store_true",
        help="no deletes or replacements; updates only when they need no confirmation",
    )
    parser.add_argument(
        "--toolsets",
        type=toolsets,
        default=frozenset(TOOLSETS),
        metavar="LIST",
        help=f"comma-separated toolsets to offer (default all: {','.join(TOOLSETS)})",
    )
    parser.add_argument(
        "--confirm-fallback",
        choices=("token", "deny"),
        default="token",
        help="when the client cannot elicit: return a preview and a one-time token (default), or refuse",
    )
    parser.add_argument(
        "--emulator", "--demo", action="store_true", help="run against a built-in emulator (no credentials)"
    )
    return parser.parse_args(argv)


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


@quiet_interrupt
def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    prog = "registry-mcp"
    observability = observe(prog)
    mcp_settings = load(prog, McpSettings)
    set_prose_policy(mcp_settings.registry_mcp_untrusted_text)
    base = local_url(args.host, args.port)
    token = mcp_settings.registry_mcp_token
    oauth = oauth_from(mcp_settings, base) if args.transport == "http" else None
    if oauth is not None and token is not None:
        logger.warning("OAuth is configured: REGISTRY_MCP_TOKEN is not accepted at /mcp (each person signs in)")
        token = None
    if args.transport == "http":
        check_exposure(args.host, token, oauth is not None)
    wired = build(prog, offline=args.emulator)
    delivery, pages = delivery_for(mcp_settings, args.transport, base, wired.core.store)
    options = ServerOptions(
        read_only=args.read_only,
        disable_destructive=args.disable_destructive,
        confirm_fallback=args.confirm_fallback,
        confirm=mcp_settings.registry_mcp_confirm,
        actor=f"mcp:{args.transport}",
        toolsets=args.toolsets,
        secrets=delivery,
        oauth=oauth,
    )
    server = build_server(wired.core, options, lifespan=closing(wired))
    if args.transport == "stdio":
        server.run()
        return
    import uvicorn  # noqa: PLC0415 - stdio never needs it (cold start)

    metrics = MetricsEndpoint(loopback=is_loopback(args.host), token=secret_value(observability.registry_metrics_token))
    app = http_app(server, host=args.host, token=token, pages=pages, metrics=metrics, checks=wired.core.health)
    wired.core.warm()
    announce(prog, connect_help(args, token is not None, oauth))
    gc.freeze()  # what lives as long as the process stays out of the collector's full passes
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning")


if __name__ == "__main__":
    main()

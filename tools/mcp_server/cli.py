"""registry-mcp: serve the registry tools over stdio (default) or streamable HTTP."""

import argparse
import gc
import logging
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from tools.app import Core
from tools.audit import AuditLog
from tools.client import RegistryClient
from tools.config import ApiSettings, McpSettings, ObservabilitySettings, SafetySettings
from tools.mcp_server import TOOLSETS, ServerOptions, build_server
from tools.mcp_server.http import check_exposure, http_app, is_loopback
from tools.mcp_server.identity import OAuthOptions, oauth_from
from tools.mcp_server.secrets import SecretDelivery, SecretPages
from tools.metrics import MetricsEndpoint
from tools.startup import configure_logging, load, secret_value
from tools.state import StateStore, open_store

logger = logging.getLogger("registry-mcp")


def toolsets(text: str) -> frozenset[str]:
    wanted = {t.strip().lower() for t in text.split(",") if t.strip()}
    unknown = wanted - set(TOOLSETS)
    if unknown or not wanted:
        raise argparse.ArgumentTypeError(f"must be some of {','.join(TOOLSETS)} (got {text!r})")
    return frozenset(wanted)


def secret_delivery(
    settings: McpSettings, args: argparse.Namespace, store: StateStore | None = None
) -> tuple[SecretDelivery, SecretPages | None]:
    """Over HTTP a one-time page on this server; over stdio a 0600 file; inline only when asked for."""
    mode = settings.registry_mcp_secrets
    if mode == "auto":
        mode = "url" if args.transport == "http" else "file"
    if mode == "url" and args.transport == "http":
        pages = SecretPages(settings.registry_mcp_public_url or base_url(args), store)
        return SecretDelivery("url", pages), pages
    return SecretDelivery("inline" if mode == "inline" else "file", directory=settings.registry_secrets_dir), None


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="registry-mcp", description="MCP server for IONOS Cloud Container Registry registries."
    )
    parser.add_argument("--transport", choices=("stdio", "http"), default="stdio")
    parser.add_argument("--host", default="127.0.0.1", help="HTTP interface (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8000, help="HTTP port (default 8000); path /mcp")
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
    parser.add_argument("--emulator", action="store_true", help="run against a built-in emulator (no credentials)")
    return parser.parse_args(argv)


def make_client(emulator: bool, api: ApiSettings) -> RegistryClient:
    if emulator:
        from tools.demo import emulator_client  # noqa: PLC0415 - only with --emulator

        return emulator_client()
    if not api.has_credentials:
        logger.warning(
            "no IONOS credentials: every call will answer that none are set. Set IONOS_TOKEN "
            "(or IONOS_USERNAME and IONOS_PASSWORD), or run with --emulator"
        )
    return RegistryClient(api)


def closing(client: RegistryClient, store: StateStore | None = None) -> Any:
    @asynccontextmanager
    async def lifespan(_server: object) -> AsyncIterator[None]:
        try:
            yield
        finally:
            await client.aclose()
            if store is not None:
                await store.aclose()

    return lifespan


def base_url(args: argparse.Namespace) -> str:
    return f"http://{'127.0.0.1' if args.host in ('0.0.0.0', '::') else args.host}:{args.port}"  # noqa: S104


def connect_help(args: argparse.Namespace, with_token: bool, oauth: OAuthOptions | None = None) -> str:
    url = f"{base_url(args)}/mcp"
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
            f"  Inspector:   npx -y @modelcontextprotocol/inspector@2.12.0 --cli {url}{header} --method tools/list",
            f"  Claude Code: claude mcp add --transport http registries {url}"
            + (' --header "Authorization: Bearer $REGISTRY_MCP_TOKEN"' if with_token else ""),
        ]
    )


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    prog = "registry-mcp"
    configure_logging(load(prog, ObservabilitySettings).registry_log_format)
    mcp_settings = load(prog, McpSettings)
    token = mcp_settings.registry_mcp_token
    oauth = oauth_from(mcp_settings, base_url(args)) if args.transport == "http" else None
    if oauth is not None and token is not None:
        logger.warning("OAuth is configured: REGISTRY_MCP_TOKEN is not accepted at /mcp (each person signs in)")
        token = None
    if args.transport == "http":
        check_exposure(args.host, token, oauth is not None)
    safety = load(prog, SafetySettings)
    client = make_client(args.emulator, load(prog, ApiSettings))
    store = open_store(secret_value(safety.registry_state_url))
    core = Core.build(client, AuditLog(safety.registry_audit_file), safety, store=store)
    delivery, pages = secret_delivery(mcp_settings, args, store)
    options = ServerOptions(
        read_only=args.read_only,
        disable_destructive=args.disable_destructive,
        confirm_fallback=args.confirm_fallback,
        actor=f"mcp:{args.transport}",
        toolsets=args.toolsets,
        secrets=delivery,
        oauth=oauth,
    )
    server = build_server(core, options, lifespan=closing(client, store))
    if args.transport == "stdio":
        server.run()
        return
    import uvicorn  # noqa: PLC0415 - stdio never needs it (cold start)

    observability = load(prog, ObservabilitySettings)
    metrics = MetricsEndpoint(loopback=is_loopback(args.host), token=secret_value(observability.registry_metrics_token))
    app = http_app(server, host=args.host, token=token, pages=pages, metrics=metrics)
    core.warm()
    print(connect_help(args, token is not None, oauth), file=sys.stderr, flush=True)
    gc.freeze()  # what lives as long as the process stays out of the collector's full passes
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning")


if __name__ == "__main__":
    main()

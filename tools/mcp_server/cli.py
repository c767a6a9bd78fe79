"""registry-mcp: serve the registry tools over stdio (default) or streamable HTTP.

This module and ``stdio.py`` stay light: over stdio a client lists the tools within a cold start, so
the catalogue and the core load on the first request that needs them (``serving.py``).
"""

import argparse

from tools.config import McpSettings
from tools.mcp_server import stdio
from tools.mcp_server.manifest import read
from tools.mcp_server.offer import Modes
from tools.sanitize import set_prose_policy
from tools.startup import Parser, core_settings, load, observe, port_number, quiet_interrupt


def toolsets(text: str) -> frozenset[str]:
    known = read().toolsets
    wanted = {t.strip().lower() for t in text.split(",") if t.strip()}
    unknown = wanted - set(known)
    if unknown or not wanted:
        raise argparse.ArgumentTypeError(f"must be some of {','.join(known)} (got {text!r})")
    return frozenset(wanted)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    every = ",".join(read().toolsets)
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
        default=None,
        metavar="LIST",
        help=f"comma-separated toolsets to offer (default all: {every})",
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


@quiet_interrupt
def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    prog = "registry-mcp"
    observability = observe(prog)
    settings = load(prog, McpSettings)
    set_prose_policy(settings.registry_mcp_untrusted_text)
    core = core_settings(prog, offline=args.emulator)
    modes = Modes(
        read_only=args.read_only,
        disable_destructive=args.disable_destructive,
        confirm=settings.registry_mcp_confirm,
        toolsets=args.toolsets,
    )
    if args.transport == "stdio":
        stdio.serve(modes, stdio.Later(core, settings, modes, args.confirm_fallback))
        return
    from tools.mcp_server.serving import serve_http  # noqa: PLC0415 - HTTP only: stdio starts without the core

    serve_http(args, core, settings, observability, modes)


if __name__ == "__main__":
    main()

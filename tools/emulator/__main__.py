"""registry-emulator: serve the emulated IONOS Container Registry API on loopback."""

from __future__ import annotations

import argparse
import sys

import uvicorn

from .app import PREFIX, build_app
from .backend import Backend


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="registry-emulator", description="Serve an emulated IONOS Container Registry API."
    )
    parser.add_argument("--host", default="127.0.0.1", help="interface to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8080, help="port (default 8080; 0 = any free port)")
    parser.add_argument("--seed", type=int, default=0, metavar="N", help="start with N sample registries")
    parser.add_argument("--latency-ms", type=float, default=0.0, metavar="MS", help="delay every API answer")
    parser.add_argument(
        "--provision-seconds",
        type=float,
        default=0.0,
        metavar="S",
        help="seconds a registry stays New after create (and Deleting after delete)",
    )
    parser.add_argument("--token", metavar="T", help="accept only 'Authorization: Bearer T'")
    parser.add_argument(
        "--artifacts", type=int, metavar="N", help="spread N images over each sample registry (default: a few)"
    )
    parser.add_argument("--tokens", type=int, metavar="N", help="N tokens in each sample registry (default: a few)")
    args = parser.parse_args(argv)
    if not 0 <= args.port <= 65535:
        given = f"must be a port number 0-65535 (given {args.port})"
        parser.exit(2, f"registry-emulator: error: argument --port: {given}\n")
    counts = (args.seed, args.latency_ms, args.provision_seconds, args.artifacts or 0, args.tokens or 0)
    if min(counts) < 0:
        parser.error("--seed, --latency-ms, --provision-seconds, --artifacts and --tokens must not be negative")
    return args


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    backend = Backend(seed=args.seed, provision_seconds=args.provision_seconds)
    app = build_app(backend, token=args.token, latency_ms=args.latency_ms, artifacts=args.artifacts, tokens=args.tokens)
    config = uvicorn.Config(app, host=args.host, port=args.port, log_level="warning", access_log=False)
    server = uvicorn.Server(config)
    auth = "Bearer " + args.token if args.token else "any bearer token or user/password"
    print(
        f"registry-emulator: {args.seed} sample registries; API base "
        f"http://{args.host}:{args.port}{PREFIX} (auth: {auth})",
        file=sys.stderr,
        flush=True,
    )
    try:
        server.run()
    except KeyboardInterrupt:
        raise SystemExit(130) from None


if __name__ == "__main__":
    main()

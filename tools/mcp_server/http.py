"""Streamable HTTP for the MCP server: Host/Origin checks, and a bearer token gate."""

import hmac
import ipaddress
import json

from mcp.server.mcpserver import MCPServer
from mcp.server.transport_security import TransportSecuritySettings
from pydantic import SecretStr
from starlette.applications import Starlette
from starlette.types import ASGIApp, Receive, Scope, Send

from tools.mcp_server.secrets import SecretPages

LOOPBACK_NAMES = ("localhost", "127.0.0.1", "::1")


def is_loopback(host: str) -> bool:
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def transport_security(host: str) -> TransportSecuritySettings:
    """DNS-rebinding protection: on loopback only local Host and Origin headers are accepted.

    On any other interface the Host name cannot be known in advance; there the bearer
    token (required, see ``check_exposure``) is what keeps browsers and strangers out.
    """
    if not is_loopback(host):
        return TransportSecuritySettings(enable_dns_rebinding_protection=False)
    hosts = ["127.0.0.1:*", "localhost:*", "[::1]:*", "127.0.0.1", "localhost", "[::1]"]
    return TransportSecuritySettings(
        enable_dns_rebinding_protection=True,
        allowed_hosts=hosts,
        allowed_origins=[f"http://{h}" for h in hosts] + [f"https://{h}" for h in hosts],
    )


def check_exposure(host: str, token: SecretStr | None) -> None:
    """Refuse to serve MCP beyond loopback without REGISTRY_MCP_TOKEN."""
    if token is None and not is_loopback(host):
        raise SystemExit(
            f"refusing to serve MCP on {host} without REGISTRY_MCP_TOKEN: anyone who can reach it could "
            "manage your registries. Set REGISTRY_MCP_TOKEN, or bind 127.0.0.1."
        )


class BearerGate:
    """Every HTTP request needs ``Authorization: Bearer <REGISTRY_MCP_TOKEN>`` (constant-time compare)."""

    def __init__(self, app: ASGIApp, token: SecretStr) -> None:
        self.app = app
        self._expected = f"Bearer {token.get_secret_value()}".encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            given = dict(scope["headers"]).get(b"authorization", b"")
            if not hmac.compare_digest(given, self._expected):
                body = json.dumps({"error": "unauthorized", "error_description": "bearer token required"}).encode()
                headers = [
                    (b"content-type", b"application/json"),
                    (b"www-authenticate", b'Bearer realm="registry-mcp"'),
                    (b"content-length", str(len(body)).encode()),
                ]
                await send({"type": "http.response.start", "status": 401, "headers": headers})
                await send({"type": "http.response.body", "body": body})
                return
        await self.app(scope, receive, send)


class WithSecretPages:
    """``/secrets/{id}`` (one-time pages a person opens in a browser, outside the bearer gate), else MCP."""

    def __init__(self, mcp: ASGIApp, pages: SecretPages) -> None:
        self.mcp = mcp
        self.pages = Starlette(routes=[pages.route()])

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope.get("path", "").startswith("/secrets/"):
            await self.pages(scope, receive, send)
        else:
            await self.mcp(scope, receive, send)


def http_app(
    server: MCPServer, *, host: str, token: SecretStr | None, path: str = "/mcp", pages: SecretPages | None = None
) -> ASGIApp:
    """The Starlette app serving ``server`` at ``path`` (its lifespan runs the session manager)."""
    app: ASGIApp = server.streamable_http_app(
        streamable_http_path=path, transport_security=transport_security(host), host=host
    )
    gated: ASGIApp = BearerGate(app, token) if token is not None else app
    return WithSecretPages(gated, pages) if pages is not None else gated

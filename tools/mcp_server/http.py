"""Streamable HTTP for the MCP server: Host/Origin checks, and a bearer token gate."""

import hmac
import ipaddress
import json
from collections.abc import Awaitable, Callable

from mcp.server.mcpserver import MCPServer
from mcp.server.transport_security import TransportSecuritySettings
from pydantic import SecretStr
from starlette.applications import Starlette
from starlette.responses import JSONResponse
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


def check_exposure(host: str, token: SecretStr | None, oauth: bool = False) -> None:
    """Refuse to serve MCP beyond loopback without REGISTRY_MCP_TOKEN or OAuth."""
    if token is None and not oauth and not is_loopback(host):
        raise SystemExit(
            f"refusing to serve MCP on {host} without REGISTRY_MCP_TOKEN or OAuth: anyone who can reach it "
            "could manage your registries. Set REGISTRY_MCP_OAUTH_ISSUER and REGISTRY_MCP_OAUTH_AUDIENCE "
            "(each person signs in), or REGISTRY_MCP_TOKEN (one shared token), or bind 127.0.0.1."
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


HealthCheck = Callable[[], Awaitable[dict[str, str]]]


class WithExtras:
    """``/healthz`` (for a load balancer or an orchestrator: no credential needed, nothing secret in it),
    ``/secrets/{id}`` (one-time pages a person opens in a browser, outside the bearer gate) and
    ``/metrics`` (its own guard) beside MCP."""

    def __init__(
        self, mcp: ASGIApp, pages: SecretPages | None, metrics: ASGIApp | None, checks: HealthCheck | None = None
    ) -> None:
        self.mcp = mcp
        self.pages = Starlette(routes=[pages.route()]) if pages is not None else None
        self.metrics = metrics
        self.checks = checks

    async def healthz(self, scope: Scope, receive: Receive, send: Send) -> None:
        """200 while the process serves; ``status`` says degraded when the shared store is away."""
        state = await self.checks() if self.checks is not None else {"state": "ok"}
        body = {"ok": True, "status": state.pop("state", "ok"), "mode": "mcp", **state}
        await JSONResponse(body)(scope, receive, send)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "") if scope["type"] == "http" else ""
        if path == "/healthz":
            await self.healthz(scope, receive, send)
        elif self.pages is not None and path.startswith("/secrets/"):
            await self.pages(scope, receive, send)
        elif self.metrics is not None and path == "/metrics":
            await self.metrics(scope, receive, send)
        else:
            await self.mcp(scope, receive, send)


def http_app(
    server: MCPServer,
    *,
    host: str,
    token: SecretStr | None,
    path: str = "/mcp",
    pages: SecretPages | None = None,
    metrics: ASGIApp | None = None,
    checks: HealthCheck | None = None,
) -> ASGIApp:
    """The Starlette app serving ``server`` at ``path`` (its lifespan runs the session manager).

    With OAuth configured on ``server``, the SDK checks each request's access token (401 with
    ``WWW-Authenticate: Bearer resource_metadata=…``) and ``token`` should be None.
    """
    app: ASGIApp = server.streamable_http_app(
        streamable_http_path=path, transport_security=transport_security(host), host=host
    )
    gated: ASGIApp = BearerGate(app, token) if token is not None else app
    return WithExtras(gated, pages, metrics, checks)


def inspector_line(url: str, *, with_token: bool) -> str:
    """The one command that lists the tools at ``url`` (the MCP Inspector's CLI, pinned)."""
    header = ' --header "Authorization: Bearer $REGISTRY_MCP_TOKEN"' if with_token else ""
    return f"npx -y @modelcontextprotocol/inspector@2.12.0 --cli {url}{header} --method tools/list"

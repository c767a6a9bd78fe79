"""Who calls the MCP server: a person (OAuth) or the one shared actor, and what they may do.

With OAuth, every request carries its person's access token: the actor is ``mcp:<email or sub>``
(so a confirmation made by one person is refused for another, and the audit names them), the
caller carries the verified e-mail (four eyes tells the person apart from Slack approvers by it), and
tools that change anything need the write scope (``REGISTRY_MCP_OAUTH_WRITE_SCOPE``): a person
without it is shown, and may call, the read-only tools only. This is enforced here, on the server.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from mcp.server.auth.middleware.auth_context import get_access_token
from mcp.server.context import CallNext, HandlerResult, ServerRequestContext
from mcp.types import CallToolResult, TextContent
from pydantic import SecretStr

from tools.config import McpSettings
from tools.operations import AnyOperation, Kind
from tools.people import Caller

logger = logging.getLogger("tools.mcp_server")


@dataclass(frozen=True)
class OAuthOptions:
    issuer: str
    audience: str
    resource_url: str  # this server's /mcp URL as clients reach it
    jwks_url: str | None = None
    write_scope: str = "registry:write"


def oauth_from(settings: McpSettings, base_url: str) -> OAuthOptions | None:
    """The OAuth settings, with this server's /mcp URL as people's clients reach it (the resource)."""
    if settings.registry_mcp_oauth_issuer is None or settings.registry_mcp_oauth_audience is None:
        return None
    return OAuthOptions(
        issuer=settings.registry_mcp_oauth_issuer,
        audience=settings.registry_mcp_oauth_audience,
        resource_url=(settings.registry_mcp_public_url or base_url).rstrip("/") + "/mcp",
        jwks_url=settings.registry_mcp_oauth_jwks_url,
        write_scope=settings.registry_mcp_oauth_write_scope,
    )


def access_of(settings: McpSettings, base_url: str) -> tuple[OAuthOptions | None, SecretStr | None]:
    """Who may use /mcp over HTTP: each person signing in (OAuth), else whoever holds the shared
    REGISTRY_MCP_TOKEN (None: no token asked for). With both set, OAuth wins, and says so."""
    oauth = oauth_from(settings, base_url)
    if oauth is not None and settings.registry_mcp_token is not None:
        logger.warning("OAuth is configured: REGISTRY_MCP_TOKEN is not accepted at /mcp (each person signs in)")
    return oauth, None if oauth is not None else settings.registry_mcp_token


def caller_of(actor: str, safe_only: bool) -> Caller:
    """The person behind this request when it carries a verified token, else the configured actor."""
    token = get_access_token()
    if token is None:
        return Caller(actor, "mcp", safe_only=safe_only)
    from tools.mcp_server.oauth import person_of  # noqa: PLC0415 - OAuth is optional

    person = person_of(token)
    return Caller(person.actor, "mcp", safe_only=safe_only, email=person.email)


def may_write(scope: str) -> bool:
    token = get_access_token()
    return token is not None and scope in token.scopes


class ScopeGate:
    """Server middleware (OAuth only): without the write scope, ``tools/list`` shows the read-only tools
    and ``tools/call`` refuses the others."""

    def __init__(self, operations: Iterable[AnyOperation], scope: str) -> None:
        self.writes = {op.name for op in operations if op.kind is not Kind.READ}
        self.scope = scope

    async def __call__(self, ctx: ServerRequestContext[Any, Any], call_next: CallNext) -> HandlerResult:
        name = ctx.params.get("name") if ctx.method == "tools/call" and ctx.params else None
        if name in self.writes and not may_write(self.scope):
            text = (
                f"Error executing tool {name}: you may only read: this needs the OAuth scope "
                f"{self.scope!r}, and your access token does not carry it.\n"
                "Next: ask your identity provider's administrator for the scope, then sign in again."
            )
            return CallToolResult(content=[TextContent(type="text", text=text)], is_error=True)
        result = await call_next(ctx)
        if ctx.method != "tools/list" or result is None or may_write(self.scope):
            return result
        wire = result if isinstance(result, dict) else result.model_dump(mode="json", by_alias=True, exclude_none=True)
        wire["tools"] = [t for t in wire.get("tools", []) if t.get("name") not in self.writes]
        return wire

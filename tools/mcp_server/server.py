"""The MCP server with its tools built: every catalogue operation ``registered`` for the options,
with the middleware that checks arguments and compacts ``tools/list``, the prompts, the resources
and completion.

``build_server`` builds it whole (HTTP, tests, the in-memory client); the stdio server starts from
the manifest and calls ``populate`` on its first request that needs the tools (``stdio.py``).
"""

from __future__ import annotations

from typing import Any

from mcp.server.mcpserver import MCPServer

from tools.app import Core
from tools.mcp_server.arguments import CheckArguments
from tools.mcp_server.derive import ServerOptions, tool_function
from tools.mcp_server.guides import Completer, register_guides
from tools.mcp_server.identity import OAuthOptions, ScopeGate
from tools.mcp_server.manifest import Manifest, Middleware
from tools.mcp_server.offer import NAME, ToolFacts, annotations_for, instructions, offered
from tools.mcp_server.schemas import CompactToolList
from tools.operations import CATALOGUE, TOOLSETS, AnyOperation
from tools.version import __version__

FACTS = tuple(ToolFacts.of(op) for op in CATALOGUE.values())


def registered(opts: ServerOptions) -> list[AnyOperation]:
    """The operations this server offers (``offer.offered`` over the catalogue's facts)."""
    return [CATALOGUE[tool.name] for tool in offered(FACTS, opts)]


def oauth_settings(oauth: OAuthOptions) -> dict[str, Any]:
    """The SDK's resource-server wiring: our JWT verifier, and where clients find the issuer."""
    from mcp.server.auth.settings import AuthSettings  # noqa: PLC0415 - OAuth is optional

    from tools.mcp_server.oauth import JwtVerifier  # noqa: PLC0415

    return {
        "token_verifier": JwtVerifier(oauth.issuer, oauth.audience, oauth.jwks_url),
        # The verifier checks ``aud`` against REGISTRY_MCP_OAUTH_AUDIENCE itself: many IdPs issue an API
        # identifier there rather than this server's URL, so the SDK's own resource check stays off.
        "auth": AuthSettings(
            issuer_url=oauth.issuer,
            resource_server_url=oauth.resource_url,
            required_scopes=None,
            validate_token_resource=False,
        ),
    }


def resource_metadata_alias(server: MCPServer, oauth: OAuthOptions) -> None:
    """RFC 9728 §3.1 puts the document at /.well-known/oauth-protected-resource/mcp (the SDK serves
    it); clients that look at the root path find the same document there."""
    from starlette.requests import Request  # noqa: PLC0415
    from starlette.responses import JSONResponse, Response  # noqa: PLC0415

    document = {
        "resource": oauth.resource_url,
        "authorization_servers": [oauth.issuer],
        "scopes_supported": [oauth.write_scope],
        "bearer_methods_supported": ["header"],
    }

    async def metadata(request: Request) -> Response:
        return JSONResponse(document, headers={"cache-control": "max-age=300"})

    register: Any = server.custom_route("/.well-known/oauth-protected-resource", methods=["GET"])
    register(metadata)


def populate(server: MCPServer, core: Core, opts: ServerOptions) -> tuple[list[Middleware], Completer]:
    """Add the offered tools, prompts and resources to ``server``; return the middleware they need,
    outermost first, and the completer (the caller decides when each goes in)."""
    tools = offered(FACTS, opts)
    ops = [CATALOGUE[tool.name] for tool in tools]
    middleware: list[Middleware] = [CompactToolList(), CheckArguments(ops)]
    if opts.oauth is not None:
        middleware.insert(0, ScopeGate(ops, opts.oauth.write_scope))
    for tool, op in zip(tools, ops, strict=True):
        server.add_tool(
            tool_function(op, core, opts),
            name=op.name,
            title=op.title,
            description=op.summary,
            annotations=annotations_for(tool, opts),
        )
    register_guides(server, core, ops, opts.actor)
    return middleware, Completer(core, opts.actor)


def build_server(core: Core, options: ServerOptions | None = None, **kwargs: Any) -> MCPServer:
    """An MCPServer with the tools ``options`` allows."""
    opts = options or ServerOptions()
    if opts.oauth is not None:
        kwargs.update(oauth_settings(opts.oauth))
    server: MCPServer = MCPServer(
        NAME, instructions=instructions(offered(FACTS, opts), opts), version=__version__, **kwargs
    )
    if opts.oauth is not None:
        resource_metadata_alias(server, opts.oauth)
    middleware, completer = populate(server, core, opts)
    server.middleware.extend(middleware)
    server.completion()(completer.complete)  # type: ignore[no-untyped-call]  # the SDK leaves it untyped
    return server


async def manifest_of(core: Core) -> Manifest:
    """What the stdio server lists before it builds its tools: every tool as ``tools/list`` shows it
    (annotations aside: they depend on the options), with the facts the offer is decided from."""
    server = build_server(core, ServerOptions(confirm="slack"))  # the one mode that offers every tool
    tools = await server.list_tools()
    return Manifest.of(
        TOOLSETS, FACTS, {t.name: t.model_dump(mode="json", by_alias=True, exclude_none=True) for t in tools}
    )

"""Real identities for tests: an OAuth identity provider on loopback and MCP served behind it.

The provider publishes what a real one does (OpenID metadata with ``jwks_uri``, and the JWKS);
tokens are signed with freshly generated keys and checked by the product's own verifier, so a
test's caller is whoever its bearer token says, exactly as in production.
"""

from __future__ import annotations

import asyncio
import json
import socket
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx2
import jwt
import uvicorn
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from mcp import Client
from mcp.client.streamable_http import streamable_http_client
from mcp.types import CallToolResult
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tests.helpers.servers import LiveServer, serve_in_thread
from tools.app import Core
from tools.mcp_server import OAuthOptions, ServerOptions, build_server
from tools.mcp_server.http import http_app

AUDIENCE = "https://registry-ops.example.com/mcp"
SCOPE = "registry:write"


@dataclass
class SigningKey:
    kid: str
    private: Any
    alg: str

    def jwk(self) -> dict[str, Any]:
        algorithm = jwt.get_algorithm_by_name(self.alg)
        data = json.loads(algorithm.to_jwk(self.private.public_key()))
        return {**data, "kid": self.kid, "alg": self.alg, "use": "sig"}

    def public_pem(self) -> bytes:
        return bytes(
            self.private.public_key().public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
        )


def rsa_key(kid: str) -> SigningKey:
    return SigningKey(kid, rsa.generate_private_key(public_exponent=65537, key_size=2048), "RS256")


@dataclass
class IdentityProvider:
    """What an IdP publishes: OpenID metadata pointing at its JWKS."""

    keys: list[SigningKey] = field(default_factory=list)
    live: LiveServer | None = None
    jwks_fetches: int = 0

    @property
    def issuer(self) -> str:
        assert self.live is not None
        return self.live.url

    def start(self) -> IdentityProvider:
        self.live = serve_in_thread(self.app())
        return self

    def stop(self) -> None:
        if self.live is not None:
            self.live.stop()

    def app(self) -> Starlette:
        async def metadata(request: Request) -> Response:
            return JSONResponse({"issuer": self.issuer, "jwks_uri": self.issuer + "/keys"})

        async def keys(request: Request) -> Response:
            self.jwks_fetches += 1
            return JSONResponse({"keys": [k.jwk() for k in self.keys]})

        return Starlette(
            routes=[Route("/.well-known/openid-configuration", metadata), Route("/keys", keys)],
        )

    def token(self, sub: str = "u-alice", *, key: SigningKey | None = None, scope: str = SCOPE, **claims: Any) -> str:
        signer = key or self.keys[0]
        now = int(time.time())
        body = {"iss": self.issuer, "aud": AUDIENCE, "sub": sub, "iat": now, "exp": now + 600, "scope": scope}
        body.update(claims)
        body = {k: v for k, v in body.items() if v is not None}
        return jwt.encode(body, signer.private, algorithm=signer.alg, headers={"kid": signer.kid})


@dataclass
class OAuthServer:
    """MCP over streamable HTTP on loopback, each request a person by their bearer token."""

    url: str
    idp: IdentityProvider

    def client(self, token: str | None) -> httpx2.AsyncClient:
        return httpx2.AsyncClient(headers={"Authorization": f"Bearer {token}"} if token else {})

    async def call(self, token: str, name: str, args: dict[str, Any]) -> CallToolResult:
        http = self.client(token)
        async with http, Client(streamable_http_client(self.url + "/mcp", http_client=http)) as c:
            return await c.call_tool(name, args)

    async def confirmed(self, token: str, name: str, args: dict[str, Any]) -> CallToolResult:
        """Call a tool that needs a person's yes the way an assistant without elicitation does: the
        preview, then the same call with its confirmation token."""
        first = await self.call(token, name, args)
        minted = (first.structured_content or {}).get("confirmation_token")
        if first.is_error or not minted:
            return first
        return await self.call(token, name, {**args, "confirmation_token": minted})

    async def tools(self, token: str) -> set[str]:
        http = self.client(token)
        async with http, Client(streamable_http_client(self.url + "/mcp", http_client=http)) as c:
            return {t.name for t in (await c.list_tools()).tools}


@asynccontextmanager
async def mcp_with_oauth(core: Core, idp: IdentityProvider, *, confirm: str = "auto") -> AsyncIterator[OAuthServer]:
    """``core``'s MCP tools served over HTTP as an OAuth resource server trusting ``idp``."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    base = f"http://127.0.0.1:{sock.getsockname()[1]}"
    oauth = OAuthOptions(issuer=idp.issuer, audience=AUDIENCE, resource_url=base + "/mcp", write_scope=SCOPE)
    server = build_server(core, ServerOptions(actor="mcp:http", oauth=oauth, confirm=confirm))  # type: ignore[arg-type]
    uv = uvicorn.Server(uvicorn.Config(http_app(server, host="127.0.0.1", token=None), log_level="error"))
    task = asyncio.ensure_future(uv.serve(sockets=[sock]))
    while not uv.started:  # noqa: ASYNC110 - uvicorn offers no event to wait on
        await asyncio.sleep(0.01)
    try:
        yield OAuthServer(base, idp)
    finally:
        uv.should_exit = True
        await task

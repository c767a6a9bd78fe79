"""MCP over HTTP as an OAuth 2.1 resource server: JWT access tokens verified against the issuer's JWKS.

The SDK's auth support does the HTTP side (401 with ``WWW-Authenticate: Bearer resource_metadata=…``,
the RFC 9728 document); this module only answers "who is this token, if anyone". Verification is
PyJWT's: signature against the issuer's published keys (found through its metadata, or
``REGISTRY_MCP_OAUTH_JWKS_URL``; cached, refetched when a token names an unknown ``kid``), then
``iss``, ``aud``, ``exp`` and ``nbf``. Only asymmetric algorithms are accepted, each key only with
its own algorithm family: ``alg: none`` and HMAC signed with a public key are refused.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
import jwt
from mcp.server.auth.provider import AccessToken

from tools.people import normal_email

logger = logging.getLogger("registry-mcp.oauth")
ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA")
METADATA_PATHS = ("/.well-known/openid-configuration", "/.well-known/oauth-authorization-server")
REFRESH_AT_MOST_EVERY = 30.0  # seconds: an unknown kid refetches the keys, but not on every request


@dataclass(frozen=True)
class Person:
    """Who an access token stands for, as the core names actors."""

    subject: str
    email: str | None
    scopes: frozenset[str]

    @property
    def actor(self) -> str:
        return f"mcp:{self.email or self.subject}"


def person_of(token: AccessToken) -> Person:
    """An address the IdP itself says it has not verified is anyone's to type: it names nobody."""
    claims = token.claims or {}
    email = normal_email(claims.get("email")) if claims.get("email_verified") is not False else None
    return Person(token.subject or token.client_id, email, frozenset(token.scopes))


class JwksKeys:
    """The issuer's signing keys by ``kid``: fetched once, refetched (at most every 30 s) on an unknown kid."""

    def __init__(
        self, issuer: str, jwks_url: str | None, http: httpx.AsyncClient, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.issuer = issuer.rstrip("/")
        self.jwks_url = jwks_url
        self.http = http
        self.clock = clock
        self.fetches = 0
        self._keys: dict[str, tuple[jwt.PyJWK, str | None]] = {}  # kid → key and the alg it declares
        self._fetched_at = float("-inf")
        self._lock = asyncio.Lock()

    async def key(self, kid: str | None) -> tuple[jwt.PyJWK, str | None] | None:
        if kid in self._keys:
            return self._keys[kid]
        async with self._lock:
            if kid not in self._keys and self.clock() - self._fetched_at >= REFRESH_AT_MOST_EVERY:
                await self._refresh()
        if kid is None and len(self._keys) == 1:
            return next(iter(self._keys.values()))
        return self._keys.get(kid) if kid is not None else None

    async def _refresh(self) -> None:
        self._fetched_at = self.clock()
        self.fetches += 1
        try:
            url = self.jwks_url or await self._discover()
            response = await self.http.get(url)
            response.raise_for_status()
            raw = response.json()
            found = jwt.PyJWKSet.from_dict(raw)
        except (httpx.HTTPError, ValueError, jwt.PyJWKSetError) as exc:
            logger.warning("could not fetch the issuer's keys: %s", exc)
            return
        declared = {k.get("kid"): k.get("alg") for k in raw.get("keys", []) if isinstance(k, dict)}
        self._keys = {k.key_id: (k, declared.get(k.key_id)) for k in found.keys if k.key_id}
        self.jwks_url = url

    async def _discover(self) -> str:
        for path in METADATA_PATHS:
            response = await self.http.get(self.issuer + path)
            if response.status_code == 200:
                jwks_uri = response.json().get("jwks_uri")
                if isinstance(jwks_uri, str):
                    return jwks_uri
        raise ValueError(f"{self.issuer} publishes no jwks_uri in its metadata")


class JwtVerifier:
    """The SDK's ``TokenVerifier``: an ``AccessToken`` for a valid JWT, None for anything else."""

    def __init__(
        self,
        issuer: str,
        audience: str,
        jwks_url: str | None = None,
        *,
        leeway: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.issuer = issuer
        self.audience = audience
        self.leeway = leeway
        self.keys = JwksKeys(issuer, jwks_url, httpx.AsyncClient(timeout=5.0), clock)

    async def verify_token(self, token: str) -> AccessToken | None:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.InvalidTokenError:
            return None
        alg = header.get("alg")
        if alg not in ALGORITHMS:
            return None  # none, HS256 (a public key used as an HMAC secret), anything unexpected
        found = await self.keys.key(header.get("kid"))
        if found is None:
            return None
        key, declared = found
        if declared is not None and declared != alg:
            return None  # a key is used only with the algorithm it was published for
        try:
            claims = jwt.decode(
                token,
                key=key,
                algorithms=[alg],
                audience=self.audience,
                issuer=self.issuer,
                leeway=self.leeway,
                options={"require": ["exp", "iss", "aud", "sub"]},
            )
        except jwt.InvalidTokenError:
            return None
        return AccessToken(
            token=token,
            client_id=str(claims.get("client_id") or claims.get("azp") or claims["sub"]),
            scopes=scopes_of(claims),
            expires_at=int(claims["exp"]),
            subject=str(claims["sub"]),
            claims={k: v for k, v in claims.items() if k in ("email", "email_verified", "iss", "aud", "name")},
        )


def scopes_of(claims: dict[str, Any]) -> list[str]:
    """``scope`` (space-separated, RFC 9068) or ``scp`` (a list, as some IdPs send it)."""
    raw = claims.get("scope", claims.get("scp", ""))
    return raw.split() if isinstance(raw, str) else [str(s) for s in raw or []]

"""MCP over HTTP as an OAuth resource server: real keys, a JWKS and issuer metadata on loopback.

The identity provider here is a small Starlette app serving what a real one publishes (OpenID
metadata with ``jwks_uri``, and the JWKS); tokens are signed with freshly generated keys.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from tests.conftest import Stack
from tests.helpers.identity import (
    AUDIENCE,
    SCOPE,
    IdentityProvider,
    OAuthServer,
    SigningKey,
    mcp_with_oauth,
    rsa_key,
)
from tests.helpers.text import text
from tools.mcp_server.oauth import REFRESH_AT_MOST_EVERY, JwtVerifier


class Ticking:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


# ------------------------------------------------------------------ the verifier


async def test_a_valid_token_names_the_person_and_their_scopes(fresh_idp: IdentityProvider) -> None:
    verifier = JwtVerifier(fresh_idp.issuer, AUDIENCE)
    token = fresh_idp.token("u-alice", email="alice@example.com", scope=f"openid {SCOPE}")
    found = await verifier.verify_token(token)
    assert found is not None
    assert found.subject == "u-alice"
    assert found.scopes == ["openid", SCOPE]
    assert found.claims is not None
    assert found.claims["email"] == "alice@example.com"
    assert fresh_idp.jwks_fetches == 1, "the keys were found through the issuer's metadata"


def _bad_tokens(idp: IdentityProvider) -> dict[str, str]:
    now = int(time.time())
    stranger = rsa_key("key-1")  # same kid, another key: a forged signature
    good = idp.token()
    payload = good.split(".")[1]
    return {
        "expired": idp.token(exp=now - 120, iat=now - 900),
        "not yet valid": idp.token(nbf=now + 300),
        "wrong audience": idp.token(aud="https://someone-else.example.com"),
        "wrong issuer": idp.token(iss="https://evil.example.com"),
        "bad signature": idp.token(key=stranger),
        "unknown kid": idp.token(key=rsa_key("key-nobody-published")),
        "alg none": f"{b64({'alg': 'none', 'typ': 'JWT', 'kid': 'key-1'})}.{payload}.",
        "HMAC with the public key": _hs256_with(idp.keys[0].public_pem(), header_kid="key-1", payload=payload),
        "no expiry": idp.token(exp=None),
        "not a JWT": "not-a-jwt",
    }


def _hs256_with(secret: bytes, *, header_kid: str, payload: str) -> str:
    """The classic confusion: sign with HMAC, using the (public) RSA key as the shared secret.
    PyJWT refuses to do this itself (it rejects PEM keys for HMAC), so it is done by hand."""
    head = b64({"alg": "HS256", "typ": "JWT", "kid": header_kid})
    mac = hmac.new(secret, f"{head}.{payload}".encode(), hashlib.sha256).digest()
    return f"{head}.{payload}.{base64.urlsafe_b64encode(mac).rstrip(b'=').decode()}"


@pytest.mark.parametrize(
    "case",
    [
        "expired",
        "not yet valid",
        "wrong audience",
        "wrong issuer",
        "bad signature",
        "unknown kid",
        "alg none",
        "HMAC with the public key",
        "no expiry",
        "not a JWT",
    ],
)
async def test_bad_tokens_are_refused(fresh_idp: IdentityProvider, case: str) -> None:
    verifier = JwtVerifier(fresh_idp.issuer, AUDIENCE)
    assert await verifier.verify_token(fresh_idp.token()) is not None, "the same verifier accepts a good token"
    assert await verifier.verify_token(_bad_tokens(fresh_idp)[case]) is None


async def test_a_rotated_key_is_fetched_when_a_token_names_it(fresh_idp: IdentityProvider) -> None:
    clock = Ticking()
    verifier = JwtVerifier(fresh_idp.issuer, AUDIENCE, clock=clock)
    assert await verifier.verify_token(fresh_idp.token()) is not None
    new = SigningKey("key-2", ec.generate_private_key(ec.SECP256R1()), "ES256")
    fresh_idp.keys.append(new)  # the IdP rotates
    clock.now += REFRESH_AT_MOST_EVERY
    assert await verifier.verify_token(fresh_idp.token(key=new)) is not None
    assert fresh_idp.jwks_fetches == 2
    assert await verifier.verify_token(fresh_idp.token()) is not None, "the old key still works until it is gone"
    assert fresh_idp.jwks_fetches == 2, "known keys are cached"


async def test_unknown_kids_cannot_make_us_hammer_the_idp(fresh_idp: IdentityProvider) -> None:
    clock = Ticking()
    verifier = JwtVerifier(fresh_idp.issuer, AUDIENCE, clock=clock)
    for n in range(20):
        assert await verifier.verify_token(fresh_idp.token(key=rsa_key(f"junk-{n}"))) is None
    assert fresh_idp.jwks_fetches == 1


async def test_a_configured_jwks_url_needs_no_metadata(fresh_idp: IdentityProvider) -> None:
    verifier = JwtVerifier(fresh_idp.issuer, AUDIENCE, jwks_url=fresh_idp.issuer + "/keys")
    assert await verifier.verify_token(fresh_idp.token()) is not None


async def test_a_key_is_only_used_with_its_published_algorithm(fresh_idp: IdentityProvider) -> None:
    """A JWKS entry says RS256: the same RSA key under PS256 is refused."""
    verifier = JwtVerifier(fresh_idp.issuer, AUDIENCE)
    key = fresh_idp.keys[0]
    token = jwt.encode(
        {"iss": fresh_idp.issuer, "aud": AUDIENCE, "sub": "u", "exp": int(time.time()) + 60},
        key.private,
        algorithm="PS256",
        headers={"kid": key.kid},
    )
    assert await verifier.verify_token(token) is None


# ------------------------------------------------------------------ the server


@pytest.fixture
async def oauth_server(stack: Stack, fresh_idp: IdentityProvider) -> AsyncIterator[OAuthServer]:
    async with mcp_with_oauth(stack.core, fresh_idp) as server:
        yield server


async def test_without_a_token_clients_are_told_where_to_sign_in(oauth_server: OAuthServer) -> None:
    async with httpx.AsyncClient() as http:
        refused = await http.post(oauth_server.url + "/mcp", json={"jsonrpc": "2.0", "id": 1, "method": "ping"})
        assert refused.status_code == 401
        challenge = refused.headers["www-authenticate"]
        metadata_url = f"{oauth_server.url}/.well-known/oauth-protected-resource/mcp"
        assert challenge.startswith("Bearer")
        assert f'resource_metadata="{metadata_url}"' in challenge
        for url in (metadata_url, f"{oauth_server.url}/.well-known/oauth-protected-resource"):
            document = (await http.get(url)).json()
            assert document["resource"] == oauth_server.url + "/mcp"
            assert document["authorization_servers"] in ([oauth_server.idp.issuer], [oauth_server.idp.issuer + "/"])


async def test_a_bad_token_gets_401_at_the_door(oauth_server: OAuthServer) -> None:
    bad = _bad_tokens(oauth_server.idp)
    async with httpx.AsyncClient() as http:
        for case in ("expired", "wrong audience", "alg none", "HMAC with the public key"):
            response = await http.post(
                oauth_server.url + "/mcp",
                json={"jsonrpc": "2.0", "id": 1, "method": "ping"},
                headers={"authorization": f"Bearer {bad[case]}", "accept": "application/json, text/event-stream"},
            )
            assert response.status_code == 401, case


async def test_the_audit_names_the_person(oauth_server: OAuthServer, stack: Stack) -> None:
    token = oauth_server.idp.token("u-alice", email="alice@example.com")
    result = await oauth_server.call(token, "update_registry", {"registry": "sandbox", "gc_days": ["Monday"]})
    assert not result.is_error, text(result)
    [record] = [r for r in stack.records if r.operation == "update_registry"]
    assert record.actor == "mcp:alice@example.com"
    assert record.front == "mcp"


async def test_without_the_write_scope_a_person_gets_the_read_only_tools(
    oauth_server: OAuthServer, stack: Stack
) -> None:
    reader = oauth_server.idp.token("u-bob", email="bob@example.com", scope="openid")
    writer = oauth_server.idp.token("u-alice", email="alice@example.com")
    readable = await oauth_server.tools(reader)
    everything = await oauth_server.tools(writer)
    assert "list_registries" in readable
    assert "delete_registry" not in readable
    assert "update_registry" not in readable
    assert {"delete_registry", "update_registry", "create_token"} <= everything
    refused = await oauth_server.call(reader, "delete_registry", {"registry": "sandbox"})
    assert refused.is_error
    assert f"needs the OAuth scope {SCOPE!r}" in text(refused)
    assert stack.registry_named("sandbox") is not None


async def test_one_persons_confirmation_is_refused_for_another(oauth_server: OAuthServer, stack: Stack) -> None:
    alice = oauth_server.idp.token("u-alice", email="alice@example.com")
    mallory = oauth_server.idp.token("u-mallory", email="mallory@example.com")
    preview = await oauth_server.call(alice, "delete_registry", {"registry": "sandbox"})
    assert preview.structured_content is not None
    token = preview.structured_content["confirmation_token"]
    stolen = await oauth_server.call(mallory, "delete_registry", {"registry": "sandbox", "confirmation_token": token})
    assert stolen.is_error
    assert "issued to someone else" in text(stolen)
    assert stack.registry_named("sandbox") is not None
    [denied] = [r for r in stack.records if r.outcome == "denied"]
    assert denied.actor == "mcp:mallory@example.com"
    done = await oauth_server.call(alice, "delete_registry", {"registry": "sandbox", "confirmation_token": token})
    assert not done.is_error, text(done)

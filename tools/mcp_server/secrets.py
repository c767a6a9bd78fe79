"""A new token's password reaches the person, not the model (by default).

- ``url``: a single-use, short-lived page on the product's own HTTP server (``/secrets/{id}``). When
  the client supports URL-mode elicitation on this connection, the link goes to the person through
  the client and never enters the conversation; otherwise the tool result carries only the link.
- ``file``: over stdio, a file readable only by its owner (0600) in a private directory; the tool
  result names the file.
- ``inline``: the operator opted in; the password is in the tool result.
"""

from __future__ import annotations

import hashlib
import html
import json
import logging
import os
import secrets
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from mcp.server.mcpserver import Context
from pydantic import SecretStr
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from tools.config import McpSettings
from tools.errors import StoreUnavailableError
from tools.state import MemoryStore, StateStore
from tools.views import TokenCreated

logger = logging.getLogger("registry-mcp.secrets")
Mode = Literal["url", "file", "inline"]
PAGE_TTL = 600.0
NO_STORE = {"cache-control": "no-store", "referrer-policy": "no-referrer", "x-content-type-options": "nosniff"}


class SecretPages:
    """One-time pages: each id shows its secret once, within ``ttl`` seconds, then is gone.

    The sealed secrets live in the shared state store, so a link works on whichever replica the
    person's browser reaches, and still only once (``take`` reads and deletes in one step).
    """

    def __init__(self, base_url: str, store: StateStore | None = None, ttl: float = PAGE_TTL) -> None:
        self.base_url = base_url.rstrip("/")
        self.ttl = ttl
        self.store: StateStore = store if store is not None else MemoryStore()

    async def put(self, label: str, username: str, password: SecretStr) -> str:
        """Seal the secret with a key that exists only in the link: the store (Redis, shared by
        replicas, perhaps backed up) holds ciphertext under a hash of that key, never the password."""
        from cryptography.fernet import Fernet  # noqa: PLC0415 - only when a token is created

        key = Fernet.generate_key().decode()
        sealed = json.dumps({"label": label, "username": username, "password": password.get_secret_value()})
        await self.store.put(_slot(key), Fernet(key).encrypt(sealed.encode()).decode(), self.ttl)
        return f"{self.base_url}/secrets/{key}"

    async def take(self, key: str) -> dict[str, str] | None:
        from cryptography.fernet import Fernet, InvalidToken  # noqa: PLC0415

        found = await self.store.take(_slot(key))
        if found is None:
            return None
        try:
            return dict(json.loads(Fernet(key).decrypt(found.encode())))
        except (InvalidToken, ValueError):
            return None

    def route(self) -> Route:
        return Route("/secrets/{key}", self.page, methods=["GET"])

    async def page(self, request: Request) -> Response:
        try:
            found = await self.take(request.path_params["key"])
        except StoreUnavailableError:
            body = "<p>The page cannot be opened right now; try again in a minute.</p>"
            return HTMLResponse(_html("Unavailable", body), status_code=503, headers=NO_STORE)
        if found is None:
            body = "<p>This link was already used or has expired. Nothing is shown twice.</p>"
            return HTMLResponse(_html("Gone", body), status_code=410, headers=NO_STORE)
        body = (
            f"<p>{html.escape(found['label'])}</p><p>username <code>{html.escape(found['username'])}</code><br>"
            f"password <code>{html.escape(found['password'])}</code></p>"
            "<p>Store it now: this page cannot be opened again.</p>"
        )
        return HTMLResponse(_html("Token password", body), headers=NO_STORE)


def _slot(key: str) -> str:
    return "secret:" + hashlib.sha256(key.encode()).hexdigest()


def _html(title: str, body: str) -> str:
    return f"<!doctype html><meta charset=utf-8><title>{title}</title><h1>{title}</h1>{body}"


def write_secret_file(directory: str | None, label: str, username: str, password: SecretStr) -> Path:
    """A 0600 file in a 0700 directory of the current user; the name holds no secret."""
    base = Path(directory) if directory else Path(tempfile.gettempdir()) / f"ionos-registry-ops-{os.getuid()}"
    base.mkdir(mode=0o700, parents=True, exist_ok=True)
    base.chmod(0o700)
    path = base / f"{label}-{secrets.token_hex(4)}.txt"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(f"username: {username}\npassword: {password.get_secret_value()}\n")
    return path


def can_elicit_url(ctx: Context) -> bool:
    caps = ctx.client_capabilities
    elicitation = caps.elicitation if caps is not None else None
    return elicitation is not None and elicitation.url is not None and ctx.request_context.session.can_send_request


@dataclass
class SecretDelivery:
    mode: Mode
    pages: SecretPages | None = None
    directory: str | None = None

    async def deliver(self, out: TokenCreated, ctx: Context) -> TokenCreated:
        """The same answer, with the password handed over as configured and described in words."""
        password, token = out.password, out.token
        if password is None:
            return out
        username = token.username or token.name
        label = f"{token.registry}-{token.name}"
        if self.mode == "inline":
            text = f"Password (shown once; the operator chose to put it here): {password.get_secret_value()}"
            return out.model_copy(update={"password_delivery": text})
        if self.mode == "file" or self.pages is None:
            path = write_secret_file(self.directory, label, username, password)
            text = f"The password is in {path} (readable only by you). Store it, then delete the file."
            return out.model_copy(update={"password": None, "password_delivery": text})
        link = await self.pages.put(f"Token {token.name} of {token.registry}", username, password)
        if can_elicit_url(ctx):
            key = secrets.token_urlsafe(8)
            try:
                await ctx.elicit_url(f"Open this one-time page to see the password of token {token.name}.", link, key)
            except Exception:
                logger.warning("URL elicitation failed; returning the one-time link instead", exc_info=True)
            else:
                text = "The password was offered to the person at a one-time link through their client."
                return out.model_copy(update={"password": None, "password_delivery": text})
        minutes = int((self.pages.ttl + 59) // 60)
        text = (
            f"The password is NOT in this conversation. Give the person this one-time link (it works once, for "
            f"{minutes} minutes; do not open it yourself): {link}"
        )
        return out.model_copy(update={"password": None, "password_delivery": text})


def delivery_for(
    settings: McpSettings, transport: Literal["stdio", "http"], base_url: str, store: StateStore | None
) -> tuple[SecretDelivery, SecretPages | None]:
    """Over HTTP a one-time page on this server; over stdio a 0600 file; inline only when asked for."""
    mode = settings.registry_mcp_secrets
    if mode == "auto":
        mode = "url" if transport == "http" else "file"
    if mode == "url" and transport == "http":
        pages = SecretPages(settings.registry_mcp_public_url or base_url, store)
        return SecretDelivery("url", pages), pages
    return SecretDelivery("inline" if mode == "inline" else "file", directory=settings.registry_secrets_dir), None

"""``client.tokens``: a registry's tokens. The password is only ever in what ``create`` returns."""

from __future__ import annotations

from collections.abc import AsyncGenerator, Mapping
from typing import Any

from tools.client.base import SubClient, checked, every, paging, registry_id, validated
from tools.models import Page, Token, TokenPatch, TokenSpec, TokensResponse, check_registry_id


def token_id(value: str) -> str:
    return checked("token_id", value, check_registry_id)


class Tokens(SubClient):
    async def list(self, registry: str, *, offset: int = 0, limit: int = 100) -> Page[Token]:
        rid, params = registry_id(registry), paging(offset, limit)
        return await self._page(TokensResponse, f"registries/{rid}/tokens", params, f"list tokens of registry {rid}")

    def iter(self, registry: str, *, page_size: int = 100) -> AsyncGenerator[Token, None]:
        return every(lambda offset: self.list(registry, offset=offset, limit=page_size))

    async def get(self, registry: str, token: str) -> Token:
        rid, tid = registry_id(registry), token_id(token)
        return await self._one(Token, "GET", f"registries/{rid}/tokens/{tid}", f"get token {tid}")

    async def create(self, registry: str, spec: TokenSpec | Mapping[str, Any]) -> Token:
        """POST. The answer carries ``credentials.password``: the only time the API returns it."""
        rid, body = registry_id(registry), validated(TokenSpec, spec).to_body()
        return await self._one(
            Token, "POST", f"registries/{rid}/tokens", f"create token {body['properties']['name']}", body
        )

    async def replace(self, registry: str, token: str, spec: TokenSpec | Mapping[str, Any]) -> Token:
        """PUT: every field is replaced (what is left out is reset); creates when the id is unknown."""
        rid, tid, body = registry_id(registry), token_id(token), validated(TokenSpec, spec).to_body()
        return await self._one(Token, "PUT", f"registries/{rid}/tokens/{tid}", f"replace token {tid}", body)

    async def update(self, registry: str, token: str, patch: TokenPatch | Mapping[str, Any]) -> Token:
        """PATCH: only the given fields (status, expiry, scopes)."""
        rid, tid, body = registry_id(registry), token_id(token), validated(TokenPatch, patch).to_body()
        return await self._one(Token, "PATCH", f"registries/{rid}/tokens/{tid}", f"update token {tid}", body)

    async def delete(self, registry: str, token: str) -> None:
        rid, tid = registry_id(registry), token_id(token)
        await self._http.request("DELETE", f"registries/{rid}/tokens/{tid}", action=f"delete token {tid}")

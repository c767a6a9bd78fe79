"""``client.registries``: the registries themselves, their names and locations."""

from __future__ import annotations

import asyncio
import builtins
from collections.abc import AsyncGenerator, Iterable, Mapping
from typing import Any

from tools.client.base import SubClient, checked, decoded, pages, registry_id, validated
from tools.errors import InvalidInputError, NotFoundError
from tools.models import (
    ListQuery,
    Location,
    LocationsResponse,
    NameStatus,
    RegistriesResponse,
    Registry,
    RegistryPage,
    RegistryPatch,
    RegistrySpec,
    check_registry_name,
)


class Registries(SubClient):
    # ------------------------------------------------------------ reads

    async def list(
        self, name_filter: str | None = None, limit: int = 100, page_token: str | None = None
    ) -> RegistryPage:
        """One page of registries whose name contains ``name_filter`` (case-insensitive)."""
        query = validated(ListQuery, {"name_filter": name_filter, "limit": limit, "page_token": page_token})
        params: dict[str, str | int] = {"limit": str(query.limit)}
        if query.name_filter:
            params["filter.name"] = query.name_filter
        if query.page_token:
            params["pagination.token"] = query.page_token
        action = "list registries"
        response = await self._http.request("GET", "registries", params=params, action=action)
        return RegistryPage.from_response(decoded(RegistriesResponse, response, action))

    async def iter(self, name_filter: str | None = None, page_size: int = 100) -> AsyncGenerator[Registry, None]:
        """Every registry, following page tokens, with one page of lookahead."""
        first: str | None = None
        async for page in pages(lambda token: self.list(name_filter, page_size, token), first, _next_token):
            for registry in page.items:
                yield registry

    async def get(self, registry: str) -> Registry:
        rid = registry_id(registry)
        return await self._one(Registry, "GET", f"registries/{rid}", f"get registry {rid}")

    async def find(self, name: str) -> Registry | None:
        """The registry named exactly ``name``, or None. One round trip in practice."""
        name = checked("name", name, check_registry_name)
        async for registry in self.iter(name_filter=name):
            if registry.name == name:
                return registry
        return None

    async def find_many(self, names: Iterable[str], *, concurrency: int = 16) -> dict[str, Registry | None]:
        """Look up many names at once with at most ``concurrency`` requests in flight."""
        gate = asyncio.Semaphore(concurrency)

        async def one(name: str) -> Registry | None:
            async with gate:
                return await self.find(name)

        unique = list(dict.fromkeys(names))
        found = await asyncio.gather(*(one(n) for n in unique))
        return dict(zip(unique, found, strict=True))

    async def locations(self) -> builtins.list[Location]:
        return (await self._one(LocationsResponse, "GET", "locations", "list locations")).items or []

    async def check_name(self, name: str) -> NameStatus:
        """Whether ``name`` can be used for a new registry (names are globally unique)."""
        try:
            check_registry_name(name)
        except ValueError:
            return NameStatus.INVALID
        try:
            await self._http.request("HEAD", f"names/{name}", action=f"check name {name}")
        except NotFoundError:
            return NameStatus.AVAILABLE
        except InvalidInputError:
            return NameStatus.INVALID
        return NameStatus.TAKEN

    # ------------------------------------------------------------ writes

    async def create(self, spec: RegistrySpec | Mapping[str, Any]) -> Registry:
        """POST: create a registry. It starts in state New; the hostname comes later."""
        body = validated(RegistrySpec, spec).to_body()
        return await self._one(Registry, "POST", "registries", f"create registry {body['properties']['name']}", body)

    async def replace(self, registry: str, spec: RegistrySpec | Mapping[str, Any]) -> Registry:
        """PUT: replace every field (omitted ones are reset); creates when the id is unknown."""
        rid, body = registry_id(registry), validated(RegistrySpec, spec).to_body()
        return await self._one(Registry, "PUT", f"registries/{rid}", f"replace registry {rid}", body)

    async def update(self, registry: str, patch: RegistryPatch | Mapping[str, Any]) -> Registry:
        """PATCH: change only the given fields (schedule, features, allow list)."""
        rid, body = registry_id(registry), validated(RegistryPatch, patch).to_body()
        return await self._one(Registry, "PATCH", f"registries/{rid}", f"update registry {rid}", body)

    async def delete(self, registry: str) -> None:
        """DELETE: asynchronous on the API side; the registry disappears shortly after."""
        rid = registry_id(registry)
        await self._http.request("DELETE", f"registries/{rid}", action=f"delete registry {rid}")


def _next_token(page: RegistryPage) -> str | None:
    return page.next_token

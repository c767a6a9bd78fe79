"""RegistryClient: the one async client of the IONOS Container Registry API.

It owns one pooled ``httpx.AsyncClient`` (transport injectable for tests). Registries are
its own methods; what lives in them has a sub-client each, in the style of the best SDKs:
``client.tokens``, ``client.repositories``, ``client.artifacts``, ``client.vulnerabilities``.
Inputs are validated locally before any request; failures are ``tools.errors.RegistryError``.
``replace_*`` is PUT (full replacement), ``update_*`` is PATCH.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncGenerator, Iterable, Mapping
from types import TracebackType
from typing import Any, Self, TypeVar

import httpx
from pydantic import ValidationError

from tools.client._http import ApiHttp, RetryPolicy
from tools.client.base import validated
from tools.client.repositories import Artifacts, Repositories
from tools.client.tokens import Tokens
from tools.client.vulnerabilities import Vulnerabilities
from tools.config import ApiSettings, from_environment
from tools.errors import ApiError, InvalidInputError, NotFoundError, RegistryError
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
    check_registry_id,
    check_registry_name,
    decode,
)

__all__ = ["RegistryClient", "RetryPolicy", "validated"]

T = TypeVar("T")


def _checked(field: str, value: str, check: Any) -> str:
    try:
        result: str = check(value)
    except ValueError as exc:
        raise InvalidInputError.for_field(field, str(exc)) from None
    return result


def _decode(kind: type[T], response: httpx.Response, action: str) -> T:
    try:
        return decode(kind, response.content)
    except ValidationError:
        raise ApiError(
            f"{action}: the API answered HTTP {response.status_code} with a body this client cannot read",
            status=response.status_code,
        ) from None


class RegistryClient:
    """Async context manager: ``async with RegistryClient(settings) as client: ...``."""

    def __init__(
        self,
        settings: ApiSettings | None = None,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        max_connections: int = 32,
        retry: RetryPolicy | None = None,
    ) -> None:
        self.settings = settings if settings is not None else from_environment(ApiSettings)
        self._http = ApiHttp(self.settings, transport, max_connections=max_connections, retry=retry)
        self.tokens = Tokens(self._http)
        self.repositories = Repositories(self._http)
        self.artifacts = Artifacts(self._http)
        self.vulnerabilities = Vulnerabilities(self._http)

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    def warm(self) -> None:
        """Load now what the first request would load (for servers, before they take traffic)."""
        self._http.warm()

    def __repr__(self) -> str:
        return f"RegistryClient(base_url={self.settings.base_url!r})"

    # ------------------------------------------------------------ reads

    async def list_registries(
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
        return RegistryPage.from_response(_decode(RegistriesResponse, response, action))

    async def iter_registries(
        self, name_filter: str | None = None, page_size: int = 100
    ) -> AsyncGenerator[Registry, None]:
        """Every registry, following page tokens. Lazy with one page of lookahead: the next page
        is requested while the current one is being consumed, and never further ahead."""
        seen: set[str] = set()
        pending = asyncio.ensure_future(self.list_registries(name_filter, page_size, None))
        try:
            while True:
                page = await pending
                token = page.next_token if page.next_token not in seen else None
                if token is not None:
                    seen.add(token)
                    pending = asyncio.ensure_future(self.list_registries(name_filter, page_size, token))
                for registry in page.items:
                    yield registry
                if token is None:
                    return
        finally:
            if not pending.done():
                pending.cancel()
                with contextlib.suppress(asyncio.CancelledError, RegistryError):
                    await pending

    async def get_registry(self, registry_id: str) -> Registry:
        rid = _checked("registry_id", registry_id, check_registry_id)
        action = f"get registry {rid}"
        response = await self._http.request("GET", f"registries/{rid}", action=action)
        return _decode(Registry, response, action)

    async def find_registry(self, name: str) -> Registry | None:
        """The registry named exactly ``name``, or None. One round trip in practice."""
        name = _checked("name", name, check_registry_name)
        async for registry in self.iter_registries(name_filter=name):
            if registry.name == name:
                return registry
        return None

    async def find_registries(self, names: Iterable[str], *, concurrency: int = 16) -> dict[str, Registry | None]:
        """Look up many names at once with at most ``concurrency`` requests in flight."""
        gate = asyncio.Semaphore(concurrency)

        async def one(name: str) -> Registry | None:
            async with gate:
                return await self.find_registry(name)

        unique = list(dict.fromkeys(names))
        found = await asyncio.gather(*(one(n) for n in unique))
        return dict(zip(unique, found, strict=True))

    async def list_locations(self) -> list[Location]:
        action = "list locations"
        response = await self._http.request("GET", "locations", action=action)
        return _decode(LocationsResponse, response, action).items or []

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

    async def create_registry(self, spec: RegistrySpec | Mapping[str, Any]) -> Registry:
        """POST: create a registry. It starts in state New; the hostname comes later."""
        body = validated(RegistrySpec, spec).to_body()
        action = f"create registry {body['properties']['name']}"
        response = await self._http.request("POST", "registries", json=body, action=action)
        return _decode(Registry, response, action)

    async def replace_registry(self, registry_id: str, spec: RegistrySpec | Mapping[str, Any]) -> Registry:
        """PUT: replace every field (omitted ones are reset); creates when the id is unknown."""
        rid = _checked("registry_id", registry_id, check_registry_id)
        body = validated(RegistrySpec, spec).to_body()
        action = f"replace registry {rid}"
        response = await self._http.request("PUT", f"registries/{rid}", json=body, action=action)
        return _decode(Registry, response, action)

    async def update_registry(self, registry_id: str, patch: RegistryPatch | Mapping[str, Any]) -> Registry:
        """PATCH: change only the given fields (schedule, features, allow list)."""
        rid = _checked("registry_id", registry_id, check_registry_id)
        body = validated(RegistryPatch, patch).to_body()
        action = f"update registry {rid}"
        response = await self._http.request("PATCH", f"registries/{rid}", json=body, action=action)
        return _decode(Registry, response, action)

    async def delete_registry(self, registry_id: str) -> None:
        """DELETE: asynchronous on the API side; the registry disappears shortly after."""
        rid = _checked("registry_id", registry_id, check_registry_id)
        await self._http.request("DELETE", f"registries/{rid}", action=f"delete registry {rid}")

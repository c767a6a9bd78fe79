"""RegistryClient: the one async client of the IONOS Container Registry API.

It owns one pooled ``httpx.AsyncClient`` (transport injectable for tests) and a sub-client per
resource, in the style of the best SDKs: ``client.registries``, ``client.tokens``,
``client.repositories``, ``client.artifacts``, ``client.vulnerabilities``. The registry methods of
the first release (``client.get_registry`` …) stay as thin aliases.
Inputs are validated locally before any request; failures are ``tools.errors.RegistryError``.
``replace_*`` is PUT (full replacement), ``update_*`` is PATCH.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Iterable, Mapping
from types import TracebackType
from typing import Any, Self

import httpx

from tools.client._http import ApiHttp, RetryPolicy
from tools.client.base import validated
from tools.client.registries import Registries
from tools.client.repositories import Artifacts, Repositories
from tools.client.tokens import Tokens
from tools.client.vulnerabilities import Vulnerabilities
from tools.config import ApiSettings, from_environment
from tools.models import Location, NameStatus, Registry, RegistryPage, RegistryPatch, RegistrySpec

__all__ = ["RegistryClient", "RetryPolicy", "validated"]


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
        self.registries = Registries(self._http)
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

    # ------------------------------------------------------------ registries (``client.registries``)
    # The documented names of the first release: thin aliases, kept so that scripts keep working.

    async def list_registries(
        self, name_filter: str | None = None, limit: int = 100, page_token: str | None = None
    ) -> RegistryPage:
        return await self.registries.list(name_filter, limit, page_token)

    def iter_registries(self, name_filter: str | None = None, page_size: int = 100) -> AsyncGenerator[Registry, None]:
        return self.registries.iter(name_filter, page_size)

    async def get_registry(self, registry_id: str) -> Registry:
        return await self.registries.get(registry_id)

    async def find_registry(self, name: str) -> Registry | None:
        return await self.registries.find(name)

    async def find_registries(self, names: Iterable[str], *, concurrency: int = 16) -> dict[str, Registry | None]:
        return await self.registries.find_many(names, concurrency=concurrency)

    async def list_locations(self) -> list[Location]:
        return await self.registries.locations()

    async def check_name(self, name: str) -> NameStatus:
        return await self.registries.check_name(name)

    async def create_registry(self, spec: RegistrySpec | Mapping[str, Any]) -> Registry:
        return await self.registries.create(spec)

    async def replace_registry(self, registry_id: str, spec: RegistrySpec | Mapping[str, Any]) -> Registry:
        return await self.registries.replace(registry_id, spec)

    async def update_registry(self, registry_id: str, patch: RegistryPatch | Mapping[str, Any]) -> Registry:
        return await self.registries.update(registry_id, patch)

    async def delete_registry(self, registry_id: str) -> None:
        await self.registries.delete(registry_id)

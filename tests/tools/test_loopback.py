"""The client over real loopback HTTP (default aiohttp transport) against the served emulator."""

from __future__ import annotations

import socket
import uuid
from typing import Any

import httpx
import pytest

from tests.conftest import api_settings
from tests.helpers.servers import LiveServer
from tools import (
    ConnectionFailedError,
    NameStatus,
    NotFoundError,
    RateLimitedError,
    RegistryClient,
    RequestTimeoutError,
    RetryPolicy,
    ServerError,
    UnauthorizedError,
)

FAST = RetryPolicy(max_retries=3, max_total_wait=5.0, initial_wait=0.02, max_wait=0.05)


def fault(live: LiveServer, **spec: Any) -> None:
    httpx.post(live.url + "/_emulator/faults", json=spec).raise_for_status()


def requests_seen(live: LiveServer, method: str) -> int:
    counts: dict[str, int] = httpx.get(live.url + "/_emulator/stats").json()["requests"]
    return counts.get(method, 0)


def loopback_client(live: LiveServer, **settings: object) -> RegistryClient:
    return RegistryClient(api_settings(live.url, **settings), retry=FAST)


async def test_every_method_over_http(live: LiveServer) -> None:
    async with loopback_client(live) as c:
        assert len((await c.list_registries(limit=5)).items) == 5
        assert len([r async for r in c.iter_registries(page_size=5)]) == 12
        created = await c.create_registry({"name": "over-http", "location": "de/txl"})
        assert (await c.get_registry(created.id)).name == "over-http"
        assert (await c.find_registry("over-http")) is not None
        patched = await c.update_registry(created.id, {"api_subnet_allow_list": ["10.1.0.0/16"]})
        assert patched.properties.api_subnet_allow_list == ["10.1.0.0/16"]
        replaced = await c.replace_registry(created.id, {"name": "over-http", "location": "de/txl"})
        assert replaced.properties.api_subnet_allow_list == []
        assert await c.check_name("over-http") is NameStatus.TAKEN
        assert "de/txl" in [loc.id for loc in await c.list_locations()]
        await c.delete_registry(created.id)
        with pytest.raises(NotFoundError):
            await c.get_registry(created.id)


async def test_503_twice_then_success(live: LiveServer) -> None:
    fault(live, status=503, count=2, method="GET")
    async with loopback_client(live) as c:
        page = await c.list_registries()
    assert len(page.items) == 12
    assert requests_seen(live, "GET") == 3


async def test_post_is_not_retried_on_503(live: LiveServer) -> None:
    fault(live, status=503, count=1, method="POST")
    async with loopback_client(live) as c:
        with pytest.raises(ServerError) as info:
            await c.create_registry({"name": "not-twice", "location": "de/fra"})
        assert await c.find_registry("not-twice") is None
    assert requests_seen(live, "POST") == 1
    assert info.value.codes == ["INJECTED_FAULT"]


async def test_429_with_retry_after_on_post_is_retried(live: LiveServer) -> None:
    fault(live, status=429, count=1, retry_after="1", method="POST")
    async with loopback_client(live) as c:
        created = await c.create_registry({"name": "after-wait", "location": "de/fra"})
    assert created.name == "after-wait"
    assert requests_seen(live, "POST") == 2


async def test_429_beyond_the_retry_budget_is_reported(live: LiveServer) -> None:
    fault(live, status=429, count=1, retry_after="3600")
    async with loopback_client(live) as c:
        with pytest.raises(RateLimitedError) as info:
            await c.list_registries()
    assert info.value.retry_after == 3600


async def test_dropped_connection_is_retried_for_get(live: LiveServer) -> None:
    fault(live, drop=True, count=1, method="GET")
    async with loopback_client(live) as c:
        assert len((await c.list_registries()).items) == 12
    assert requests_seen(live, "GET") == 2


async def test_dropped_connection_is_not_retried_for_post(live: LiveServer) -> None:
    fault(live, drop=True, count=1, method="POST")
    async with loopback_client(live) as c:
        with pytest.raises(ConnectionFailedError, match="lost"):
            await c.create_registry({"name": "maybe-made", "location": "de/fra"})
    assert requests_seen(live, "POST") == 1


async def test_read_timeout(live: LiveServer) -> None:
    fault(live, status=None, delay_ms=1000, count=1)
    async with loopback_client(live, ionos_read_timeout=0.2) as c:
        with pytest.raises(RequestTimeoutError, match=r"did not finish answering within 0\.2 s"):
            await c.get_registry(str(uuid.uuid4()))


async def test_connection_refused() -> None:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    async with RegistryClient(api_settings(f"http://127.0.0.1:{port}"), retry=FAST) as c:
        with pytest.raises(ConnectionFailedError, match="could not connect") as info:
            await c.list_registries()
    assert "IONOS_API_URL" in info.value.hint


async def test_no_credentials_is_unauthorized(live: LiveServer) -> None:
    async with RegistryClient(api_settings(live.url, ionos_token=None), retry=FAST) as c:
        with pytest.raises(UnauthorizedError):
            await c.list_registries()

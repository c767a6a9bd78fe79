"""The state store, in memory and on a real Redis/Valkey server: the contract replicas rely on."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from tests.store_server import StoreServer
from tools.errors import StoreUnavailableError
from tools.state import MemoryStore, RedisStore, StateStore, open_store


class Ticking:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(params=["memory", "redis"])
async def store(request: pytest.FixtureRequest) -> AsyncIterator[StateStore]:
    found: StateStore = MemoryStore() if request.param == "memory" else RedisStore(request.getfixturevalue("redis_url"))
    yield found
    await found.aclose()


async def test_a_claim_is_granted_once_even_when_many_ask_at_the_same_time(store: StateStore) -> None:
    results = await asyncio.gather(*(store.claim("confirm:n1", 30) for _ in range(50)))
    assert results.count(True) == 1
    assert await store.taken("confirm:n1")
    assert not await store.taken("confirm:n2")


async def test_a_value_is_taken_once(store: StateStore) -> None:
    await store.put("secret:a", "sealed", 30)
    assert await store.get("secret:a") == "sealed"
    taken = await asyncio.gather(*(store.take("secret:a") for _ in range(10)))
    assert taken.count("sealed") == 1
    assert await store.get("secret:a") is None


async def test_released_claims_can_be_claimed_again(store: StateStore) -> None:
    assert await store.claim("lock:x", 30)
    await store.release("lock:x")
    assert await store.claim("lock:x", 30)


async def test_only_the_holder_of_a_lease_can_keep_it(store: StateStore) -> None:
    assert await store.claim("watch:lease:1", 0.3, "replica-a")
    assert not await store.extend("watch:lease:1", "replica-b", 30), "another replica cannot keep it"
    assert await store.extend("watch:lease:1", "replica-a", 30)
    assert not await store.claim("watch:lease:1", 30, "replica-b")
    await store.release("watch:lease:1")
    assert not await store.extend("watch:lease:1", "replica-a", 30), "a lease once lost is not revived"


async def test_two_clients_of_one_server_see_one_state(redis_url: str) -> None:
    """Two replicas are two clients: what one claims, the other cannot."""
    a, b = RedisStore(redis_url), RedisStore(redis_url)
    try:
        assert await a.claim("confirm:shared", 30)
        assert not await b.claim("confirm:shared", 30)
        await b.put("secret:s", "v", 30)
        assert await a.take("secret:s") == "v"
        assert await b.take("secret:s") is None
    finally:
        await a.aclose()
        await b.aclose()


async def test_claims_expire_with_their_ttl_in_memory() -> None:
    clock = Ticking()
    store = MemoryStore(clock)
    assert await store.claim("confirm:n", 5)
    clock.now += 4.9
    assert not await store.claim("confirm:n", 5)
    clock.now += 0.2
    assert await store.claim("confirm:n", 5), "an expired claim is gone"


async def test_redis_keys_carry_the_expiry(redis_url: str) -> None:
    store = RedisStore(redis_url)
    try:
        await store.claim("confirm:ttl", 30)
        ttl_ms = await store._redis.pttl(store._key("confirm:ttl"))
        assert 0 < ttl_ms <= 30_000, "nothing in the shared store outlives its use"
    finally:
        await store.aclose()


async def test_an_unreachable_store_raises_a_clear_error_and_recovers(own_store_server: StoreServer) -> None:
    store = RedisStore(own_store_server.url)
    try:
        assert await store.claim("confirm:before", 30)
        own_store_server.stop()
        with pytest.raises(StoreUnavailableError) as caught:
            await store.claim("confirm:during", 30)
        assert f"127.0.0.1:{own_store_server.port}" in caught.value.message
        assert "REGISTRY_STATE_URL" in caught.value.hint
        assert await store.ping() is False
        own_store_server.start()
        assert await store.ping() is True, "the client reconnects by itself"
        assert await store.claim("confirm:after", 30)
    finally:
        await store.aclose()


async def test_the_password_in_a_store_url_never_reaches_a_message(own_store_server: StoreServer) -> None:
    url = f"redis://user:hunter2-secret@127.0.0.1:{own_store_server.port}/0"
    own_store_server.stop()
    store = open_store(url)
    try:
        with pytest.raises(StoreUnavailableError) as caught:
            await store.claim("confirm:x", 30)
        assert "hunter2-secret" not in str(caught.value) + caught.value.hint
    finally:
        await store.aclose()


def test_without_a_url_the_store_is_this_process_memory() -> None:
    assert open_store(None).name == "memory"


async def test_a_queue_hands_each_value_to_one_taker_in_order(store: StateStore) -> None:
    for n in range(5):
        await store.push("queue:q", f"v{n}", 60)
    taken = await asyncio.gather(*(store.pop("queue:q") for _ in range(8)))
    assert sorted(t for t in taken if t is not None) == [f"v{n}" for n in range(5)]
    assert taken.count(None) == 3
    await store.push("queue:q", "later", 60)
    assert await store.pop("queue:q") == "later"


async def test_a_queue_can_be_read_whole_and_have_one_value_taken_out(store: StateStore) -> None:
    for value in ("a", "b", "c"):
        await store.push("queue:r", value, 60)
    assert await store.items("queue:r") == ["a", "b", "c"]
    await store.remove("queue:r", "b")
    assert await store.items("queue:r") == ["a", "c"]

"""Every RegistryClient method against the in-process emulator."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta

import httpx
import pytest

from tests.conftest import api_settings
from tests.helpers.clocks import FakeClock
from tools import (
    ConflictError,
    InvalidInputError,
    NameStatus,
    NotFoundError,
    RegistryClient,
)
from tools.emulator.app import EmulatorApp, build_app
from tools.emulator.backend import Backend


async def test_list_returns_a_typed_page_with_the_next_token(client: RegistryClient) -> None:
    page = await client.list_registries(limit=5)
    assert [r.name for r in page.items] == [
        "analytics",
        "ci-cache",
        "data-pipeline",
        "edge-proxy",
        "ml-models",
    ]
    assert page.next_token
    rest = await client.list_registries(limit=100, page_token=page.next_token)
    assert len(rest.items) == 7
    assert rest.next_token is None


async def test_list_filters_by_name_substring_case_insensitively(client: RegistryClient) -> None:
    page = await client.list_registries(name_filter="IMAGES")
    assert sorted(r.name for r in page.items) == ["prod-images", "staging-images"]


async def test_iter_follows_tokens_across_250_plus_registries(clock: FakeClock) -> None:
    app = build_app(Backend(seed=263, clock=clock))
    async with RegistryClient(api_settings("http://e"), transport=httpx.ASGITransport(app=app)) as c:
        names = [r.name async for r in c.iter_registries(page_size=50)]
    assert len(names) == 263
    assert len(set(names)) == 263
    assert names == sorted(names)
    assert app.hooks.requests["GET"] == 6  # ceil(263 / 50): one request per page


async def test_iter_is_lazy_with_one_page_of_lookahead(client: RegistryClient, emulator: EmulatorApp) -> None:
    registries = client.iter_registries(page_size=2)
    first = await anext(registries)
    assert first.name == "analytics"
    await asyncio.sleep(0.05)  # give a runaway prefetcher every chance to fetch more
    assert emulator.hooks.requests["GET"] == 2, "the first page, and the next one prefetched"
    await registries.aclose()
    assert emulator.hooks.requests["GET"] == 2


async def test_get_registry_by_id(client: RegistryClient) -> None:
    page = await client.list_registries(name_filter="prod-images")
    reg = await client.get_registry(page.items[0].id)
    assert reg.name == "prod-images"
    assert reg.state == "Running"
    assert reg.properties.hostname == "prod-images.cr.de-fra.ionos.com"


async def test_get_unknown_id_is_not_found(client: RegistryClient) -> None:
    with pytest.raises(NotFoundError) as info:
        await client.get_registry(str(uuid.uuid4()))
    assert info.value.status == 404
    assert info.value.codes == ["NOT_FOUND"]
    assert info.value.request_id


async def test_find_registry_is_an_exact_match_in_one_round_trip(client: RegistryClient, emulator: EmulatorApp) -> None:
    await client.create_registry({"name": "prod-images-old", "location": "de/fra"})
    before = emulator.hooks.requests["GET"]
    reg = await client.find_registry("prod-images")
    assert reg is not None
    assert reg.name == "prod-images"
    assert emulator.hooks.requests["GET"] - before == 1
    assert await client.find_registry("prod") is None


async def test_find_registries_looks_up_many(client: RegistryClient) -> None:
    found = await client.find_registries(["ci-cache", "nope-nope", "sandbox"], concurrency=2)
    assert found["ci-cache"] is not None
    assert found["nope-nope"] is None
    assert found["sandbox"] is not None


async def test_create_starts_new_then_runs_with_a_hostname(emulator: EmulatorApp, clock: FakeClock) -> None:
    emulator.backend.provision = timedelta(seconds=30)
    async with RegistryClient(api_settings("http://e"), transport=httpx.ASGITransport(app=emulator)) as c:
        reg = await c.create_registry(
            {
                "name": "fresh-one",
                "location": "es/vit",
                "garbage_collection_schedule": {"days": ["Sat", "Sun"], "time": "19:30"},
                "api_subnet_allow_list": ["198.51.100.0/24", "203.0.113.1"],
            }
        )
        assert (reg.state, reg.properties.hostname) == ("New", "")
        assert reg.scanning_enabled, "vulnerability scanning defaults to enabled"
        assert reg.properties.storage_usage is not None
        assert reg.properties.storage_usage.bytes == 0
        assert (reg.metadata.created_by or "").startswith("token-"), "the creator comes from the credentials"
        clock.advance(31)
        later = await c.get_registry(reg.id)
    assert later.state == "Running"
    assert later.properties.hostname == "fresh-one.cr.es-vit.ionos.com"
    assert later.properties.garbage_collection_schedule is not None
    assert later.properties.garbage_collection_schedule.days == ["Saturday", "Sunday"]


async def test_create_duplicate_name_conflicts(client: RegistryClient) -> None:
    with pytest.raises(ConflictError, match="NAME_ALREADY_IN_USE"):
        await client.create_registry({"name": "sandbox", "location": "de/fra"})


async def test_create_unknown_location_is_invalid(client: RegistryClient) -> None:
    with pytest.raises(InvalidInputError, match=r"properties\.location"):
        await client.create_registry({"name": "somewhere", "location": "xx/nowhere"})


async def test_update_changes_only_given_fields(client: RegistryClient) -> None:
    reg = await client.create_registry(
        {"name": "patch-me", "location": "de/fra", "api_subnet_allow_list": ["10.0.0.0/8"]}
    )
    updated = await client.update_registry(
        reg.id, {"garbage_collection_schedule": {"days": ["Friday"], "time": "01:23"}}
    )
    assert updated.properties.api_subnet_allow_list == ["10.0.0.0/8"]
    assert updated.properties.garbage_collection_schedule is not None
    assert updated.properties.garbage_collection_schedule.days == ["Friday"]
    assert updated.metadata.last_modified_date is not None
    cleared = await client.update_registry(reg.id, {"api_subnet_allow_list": [], "garbage_collection_schedule": None})
    assert cleared.properties.api_subnet_allow_list == []
    assert cleared.properties.garbage_collection_schedule is None


async def test_scanning_cannot_be_turned_off_once_on(client: RegistryClient) -> None:
    reg = await client.create_registry({"name": "scanned", "location": "de/fra"})
    with pytest.raises(InvalidInputError, match="FEATURE_CANNOT_BE_DISABLED"):
        await client.update_registry(reg.id, {"features": {"vulnerability_scanning": {"enabled": False}}})
    off = await client.create_registry(
        {
            "name": "unscanned",
            "location": "de/fra",
            "features": {"vulnerability_scanning": {"enabled": False}},
        }
    )
    on = await client.update_registry(off.id, {"features": {"vulnerability_scanning": {"enabled": True}}})
    assert on.scanning_enabled


async def test_replace_resets_omitted_fields(client: RegistryClient) -> None:
    reg = await client.create_registry(
        {
            "name": "to-replace",
            "location": "de/txl",
            "garbage_collection_schedule": {"days": ["Monday"], "time": "02:00"},
            "api_subnet_allow_list": ["10.0.0.0/8"],
        }
    )
    replaced = await client.replace_registry(reg.id, {"name": "to-replace", "location": "de/txl"})
    assert replaced.id == reg.id
    assert replaced.properties.garbage_collection_schedule is None
    assert replaced.properties.api_subnet_allow_list == []


async def test_replace_cannot_rename_or_move(client: RegistryClient) -> None:
    reg = await client.create_registry({"name": "fixed-name", "location": "de/txl"})
    with pytest.raises(InvalidInputError, match="IMMUTABLE_FIELD"):
        await client.replace_registry(reg.id, {"name": "fixed-name", "location": "de/fra"})


async def test_replace_on_unknown_id_creates_with_that_id(client: RegistryClient) -> None:
    rid = str(uuid.uuid4())
    created = await client.replace_registry(rid, {"name": "put-created", "location": "de/fra"})
    assert created.id == rid
    assert (await client.get_registry(rid)).name == "put-created"


async def test_delete_is_asynchronous(emulator: EmulatorApp, clock: FakeClock, client: RegistryClient) -> None:
    emulator.backend.provision = timedelta(seconds=10)
    reg = await client.find_registry("sandbox")
    assert reg is not None
    await client.delete_registry(reg.id)
    assert (await client.get_registry(reg.id)).state == "Deleting"
    assert await client.check_name("sandbox") is NameStatus.TAKEN
    with pytest.raises(ConflictError, match="REGISTRY_DELETING"):
        await client.update_registry(reg.id, {"api_subnet_allow_list": []})
    clock.advance(11)
    with pytest.raises(NotFoundError):
        await client.get_registry(reg.id)
    assert await client.check_name("sandbox") is NameStatus.AVAILABLE


async def test_delete_unknown_id_is_not_found(client: RegistryClient) -> None:
    with pytest.raises(NotFoundError):
        await client.delete_registry(str(uuid.uuid4()))


async def test_locations(client: RegistryClient) -> None:
    ids = [loc.id for loc in await client.list_locations()]
    assert {"de/fra", "de/txl", "es/vit"} <= set(ids)


async def test_check_name_handles_the_inverted_semantics(client: RegistryClient, emulator: EmulatorApp) -> None:
    assert await client.check_name("prod-images") is NameStatus.TAKEN
    assert await client.check_name("brand-new-name") is NameStatus.AVAILABLE
    before = emulator.hooks.requests["HEAD"]
    assert await client.check_name("Not_Valid") is NameStatus.INVALID
    assert emulator.hooks.requests["HEAD"] == before, "an invalid name is decided locally"

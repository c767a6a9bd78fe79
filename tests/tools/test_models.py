"""Input models validate before any request; wire shapes are exactly the API's."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from tools.models import RegistriesResponse, Registry, RegistryPage, RegistryPatch, RegistrySpec, adapter, decode


def spec(**kw: Any) -> RegistrySpec:
    return RegistrySpec.model_validate({"name": "prod-images", "location": "de/fra", **kw})


@pytest.mark.parametrize("name", ["abc", "a-b", "prod-images-2", "a" * 63, "x1y"])
def test_valid_names_pass(name: str) -> None:
    assert spec(name=name).name == name


@pytest.mark.parametrize("name", ["ab", "a" * 64, "Prod", "1abc", "abc-", "ab_c", "a.b", "-abc", ""])
def test_invalid_names_are_rejected_with_the_rule(name: str) -> None:
    with pytest.raises(ValidationError) as info:
        spec(name=name)
    text = str(info.value)
    assert "name" in text
    assert "lowercase letters" in text or "at least 3" in text or "at most 63" in text


def test_location_is_required() -> None:
    with pytest.raises(ValidationError, match="location"):
        RegistrySpec.model_validate({"name": "prod-images"})


@pytest.mark.parametrize(
    ("days", "expected"),
    [(["Monday"], ["Monday"]), (["fri", "mon", "Mon"], ["Monday", "Friday"]), (["SUNDAY"], ["Sunday"])],
)
def test_weekdays_are_normalised(days: list[str], expected: list[str]) -> None:
    schedule = spec(garbage_collection_schedule={"days": days, "time": "01:30"}).garbage_collection_schedule
    assert schedule is not None
    assert schedule.days == expected


@pytest.mark.parametrize("days", [[], ["Funday"], ["Mo"]])
def test_bad_weekdays_are_rejected(days: list[str]) -> None:
    with pytest.raises(ValidationError, match="days"):
        spec(garbage_collection_schedule={"days": days, "time": "01:30"})


@pytest.mark.parametrize(
    ("given", "wire"),
    [
        ("01:30", "01:30:00+00:00"),
        ("1:30", "01:30:00+00:00"),
        ("1:3", None),
        ("25:00", None),
        ("23:59:59", "23:59:59+00:00"),
        ("16:00:00Z", "16:00:00+00:00"),
        ("01:23:00+00:00", "01:23:00+00:00"),
    ],
)
def test_gc_time_is_a_utc_time_of_day(given: str, wire: str | None) -> None:
    if wire is None:
        with pytest.raises(ValidationError, match="UTC time of day"):
            spec(garbage_collection_schedule={"days": ["Monday"], "time": given})
        return
    body = spec(garbage_collection_schedule={"days": ["Monday"], "time": given}).to_body()
    assert body["properties"]["garbageCollectionSchedule"]["time"] == wire


@pytest.mark.parametrize("bad", ["25:00", "noon", "01:30:00+02:00"])
def test_gc_time_rejects_non_times_and_non_utc(bad: str) -> None:
    with pytest.raises(ValidationError, match="time"):
        spec(garbage_collection_schedule={"days": ["Monday"], "time": bad})


def test_allow_list_accepts_addresses_and_cidrs_as_given() -> None:
    items = ["203.0.113.7", "198.51.100.0/24", "192.168.0.167/24", "2001:db8::/32", "::1"]
    assert spec(api_subnet_allow_list=items).api_subnet_allow_list == items


def test_allow_list_rejects_garbage_naming_the_item() -> None:
    with pytest.raises(ValidationError) as info:
        spec(api_subnet_allow_list=["10.0.0.0/8", "not-an-ip"])
    assert "not-an-ip" in str(info.value)
    assert "api_subnet_allow_list" in str(info.value)


def test_allow_list_has_at_most_25_entries() -> None:
    ok = [f"10.0.0.{i}" for i in range(25)]
    assert len(spec(api_subnet_allow_list=ok).api_subnet_allow_list or []) == 25
    with pytest.raises(ValidationError, match="at most 25"):
        spec(api_subnet_allow_list=[*ok, "10.0.1.1"])


def test_post_and_put_bodies_are_wrapped_in_properties_with_camel_case() -> None:
    body = spec(
        garbage_collection_schedule={"days": ["Sat"], "time": "19:30"},
        features={"vulnerability_scanning": {"enabled": False}},
        api_subnet_allow_list=["198.51.100.0/24"],
    ).to_body()
    assert body == {
        "properties": {
            "name": "prod-images",
            "location": "de/fra",
            "garbageCollectionSchedule": {"days": ["Saturday"], "time": "19:30:00+00:00"},
            "features": {"vulnerabilityScanning": {"enabled": False}},
            "apiSubnetAllowList": ["198.51.100.0/24"],
        }
    }


def test_patch_body_is_flat_and_only_has_what_was_given() -> None:
    assert RegistryPatch(api_subnet_allow_list=[]).to_body() == {"apiSubnetAllowList": []}
    assert RegistryPatch(garbage_collection_schedule=None).to_body() == {"garbageCollectionSchedule": None}


def test_patch_needs_at_least_one_field() -> None:
    with pytest.raises(ValidationError, match="at least one"):
        RegistryPatch()


def test_unknown_input_fields_are_rejected() -> None:
    with pytest.raises(ValidationError, match="hostname"):
        spec(hostname="x.example.com")


def test_patch_cannot_carry_name_or_location() -> None:
    with pytest.raises(ValidationError, match="name"):
        RegistryPatch.model_validate({"name": "other", "api_subnet_allow_list": []})


def test_registry_response_example_from_the_docs_parses() -> None:
    raw = (
        '{"id":"123e4567-e89b-12d3-a456-426614174000","type":"registry","href":"",'
        '"metadata":{"createdBy":"user@example.com","createdByUserId":"u","createdDate":"2025-07-17T03:15:29Z",'
        '"state":"Running"},"properties":{"name":"my-registry","location":"de/txl",'
        '"hostname":"my-registry.cr.ionos.com","garbageCollectionSchedule":{"days":["Monday"],'
        '"time":"01:23:00+00:00"},"storageUsage":{"bytes":1,"updatedAt":"2025-07-17T03:15:29Z"},'
        '"features":{"vulnerabilityScanning":{"enabled":true,"properties":{}}},'
        '"apiSubnetAllowList":["123.123.123.0/24"],"someFutureField":1}}'
    )
    reg = decode(Registry, raw.encode())
    assert (reg.name, reg.state, reg.scanning_enabled) == ("my-registry", "Running", True)
    assert reg.properties.storage_usage is not None
    assert reg.properties.storage_usage.bytes == 1


@pytest.mark.parametrize(
    ("pagination", "links", "expected"),
    [
        (
            {"limit": 2, "token": "abc"},
            {"next": "/x?pagination.token=abc", "self": "", "previous": ""},
            "abc",
        ),
        ({"limit": 2, "token": ""}, {"next": "", "self": "", "previous": ""}, None),
        ({"limit": 2, "token": "abc"}, {"next": "", "self": "", "previous": ""}, None),
        (None, None, None),
    ],
)
def test_page_end_is_detected_from_token_or_links(
    pagination: dict[str, Any] | None, links: dict[str, Any] | None, expected: str | None
) -> None:
    raw: dict[str, Any] = {"items": []}
    if pagination is not None:
        raw["pagination"] = pagination
    if links is not None:
        raw["_links"] = links
    page = RegistryPage.from_response(adapter(RegistriesResponse).validate_python(raw))
    assert page.next_token == expected

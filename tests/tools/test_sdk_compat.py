# mypy: disable-error-code="union-attr,arg-type,operator"
# (the SDK types every response field Optional; a None here fails the test anyway)
"""The official IONOS SDK works against the emulator: proof that it speaks the real wire format."""

from __future__ import annotations

import ionoscloud_container_registry as sdk
import pytest
from ionoscloud_container_registry.rest import ApiException

from tests.conftest import TOKEN
from tests.helpers.servers import LiveServer


@pytest.fixture
def registries(live: LiveServer) -> sdk.RegistriesApi:
    config = sdk.Configuration(host=live.url + "/containerregistries", token=TOKEN)
    return sdk.RegistriesApi(sdk.ApiClient(config))


def test_official_sdk_full_lifecycle(registries: sdk.RegistriesApi) -> None:
    listed = registries.registries_get(limit="5")
    assert len(listed.items) == 5
    assert listed.pagination.token
    second = registries.registries_get(limit="100", pagination_token=listed.pagination.token)
    assert len(second.items) == 7
    assert not second.pagination.token

    created = registries.registries_post(
        sdk.PostRegistryInput(
            properties=sdk.PostRegistryProperties(
                name="sdk-made",
                location="de/fra",
                garbage_collection_schedule=sdk.WeeklySchedule(days=[sdk.Day.MONDAY], time="01:23:00+00:00"),
                api_subnet_allow_list=["198.51.100.0/24"],
            )
        )
    )
    assert created.properties.name == "sdk-made"
    assert created.metadata.state in ("New", "Running")

    fetched = registries.registries_find_by_id(created.id)
    assert fetched.properties.garbage_collection_schedule.days == [sdk.Day.MONDAY]
    assert fetched.properties.features.vulnerability_scanning.enabled is True

    patched = registries.registries_patch(
        created.id,
        sdk.PatchRegistryInput(
            garbage_collection_schedule=sdk.WeeklySchedule(days=[sdk.Day.FRIDAY], time="02:00:00+00:00"),
            api_subnet_allow_list=[],
        ),
    )
    assert patched.properties.garbage_collection_schedule.days == [sdk.Day.FRIDAY]
    assert patched.properties.api_subnet_allow_list == []

    replaced = registries.registries_put(
        created.id,
        sdk.PutRegistryInput(properties=sdk.PostRegistryProperties(name="sdk-made", location="de/fra")),
    )
    assert replaced.id == created.id
    assert replaced.properties.garbage_collection_schedule is None

    found = registries.registries_get(filter_name="SDK-MADE")
    assert [r.id for r in found.items] == [created.id]

    registries.registries_delete(created.id)
    with pytest.raises(ApiException) as info:
        registries.registries_find_by_id(created.id)
    assert info.value.status == 404
    assert info.value.data is not None
    assert info.value.data.messages[0].error_code == "NOT_FOUND"


def test_official_sdk_reads_emulator_errors(registries: sdk.RegistriesApi) -> None:
    with pytest.raises(ApiException) as info:
        registries.registries_post(
            sdk.PostRegistryInput(properties=sdk.PostRegistryProperties(name="prod-images", location="de/fra"))
        )
    assert info.value.status == 409


def test_official_sdk_locations_and_names(live: LiveServer) -> None:
    client = sdk.ApiClient(sdk.Configuration(host=live.url + "/containerregistries", token=TOKEN))
    locations = sdk.LocationsApi(client).locations_get()
    assert "de/fra" in [loc.id for loc in locations.items or []]
    sdk.NamesApi(client).names_check_usage("prod-images")  # 200 = in use
    with pytest.raises(ApiException) as info:
        sdk.NamesApi(client).names_check_usage("unused-name")
    assert info.value.status == 404

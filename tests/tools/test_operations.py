"""The catalogue: name-or-id resolution, list paging, create and update rules, audit."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from tests.conftest import Stack
from tools.audit import Outcome
from tools.errors import InvalidInputError, NotFoundError
from tools.models import NameStatus
from tools.operations import CreateInput, ListInput, UpdateInput, resolve


async def test_resolve_by_name_costs_one_round_trip(stack: Stack) -> None:
    reg = await resolve(stack.client, "ml-models")
    assert reg.name == "ml-models"
    assert stack.emulator.hooks.requests["GET"] == 1


async def test_resolve_by_uuid(stack: Stack) -> None:
    reg = await resolve(stack.client, "ml-models")
    assert (await resolve(stack.client, reg.id.upper())).name == "ml-models"


async def test_a_missing_name_suggests_the_closest(stack: Stack) -> None:
    with pytest.raises(NotFoundError) as info:
        await resolve(stack.client, "stagingimages")
    assert "no registry is named 'stagingimages'" in str(info.value)
    assert "staging-images" in info.value.hint


async def test_a_reference_that_is_neither_name_nor_uuid(stack: Stack) -> None:
    with pytest.raises(InvalidInputError, match="registry: must be a registry name or a UUID"):
        await resolve(stack.client, "Not A Name")


async def test_list_pages_with_a_cursor(stack: Stack) -> None:
    first = await stack.registries.list(ListInput(limit=5))
    assert first.more_available
    assert first.next_cursor
    second = await stack.registries.list(ListInput(limit=100, cursor=first.next_cursor))
    assert not second.more_available
    names = [r.name for r in first.registries + second.registries]
    assert len(names) == len(set(names)) == 12
    assert "More available" in first.lines()[-1]


def test_list_limit_is_bounded() -> None:
    assert ListInput().limit == 20
    with pytest.raises(ValidationError, match="limit"):
        ListInput(limit=101)


async def test_create_is_audited_with_the_request_id(stack: Stack) -> None:
    out = await stack.registries.create(
        CreateInput(name="new-team", location="de/fra", gc_days=["Tuesday"]), actor="slack:U1", front="slack"
    )
    assert out.registry.gc_schedule == "Tue 01:23 UTC"
    [record] = stack.records
    assert (record.operation, record.outcome, record.actor) == ("create_registry", Outcome.EXECUTED, "slack:U1")
    assert record.request_id
    assert record.changed_fields == ["features", "garbage_collection_schedule"]


async def test_a_failed_create_is_audited_as_failed(stack: Stack) -> None:
    with pytest.raises(Exception, match="NAME_ALREADY_IN_USE"):
        await stack.registries.create(CreateInput(name="sandbox", location="de/fra"), actor="a", front="t")
    assert [r.outcome for r in stack.records] == [Outcome.FAILED]
    assert stack.records[0].request_id


def test_gc_time_needs_days() -> None:
    with pytest.raises(ValidationError, match="gc_time needs gc_days"):
        CreateInput(name="abc", location="de/fra", gc_time="01:00")


async def test_update_time_only_keeps_the_current_days(stack: Stack) -> None:
    stored = stack.registry_named("ci-cache")
    assert stored is not None
    stored.schedule = {"days": ["Tuesday", "Friday"], "time": "10:00:00+00:00"}
    out = await stack.registries.update(UpdateInput(registry="ci-cache", gc_time="03:30"), actor="a", front="t")
    assert (out.registry.gc_days, out.registry.gc_time) == (["Tuesday", "Friday"], "03:30:00+00:00")


async def test_update_time_only_without_a_schedule_asks_for_days(stack: Stack) -> None:
    stored = stack.registry_named("ci-cache")
    assert stored is not None
    stored.schedule = None
    with pytest.raises(InvalidInputError, match="gc_days"):
        await stack.registries.update(UpdateInput(registry="ci-cache", gc_time="03:30"), actor="a", front="t")
    assert stack.records == [], "rejected before any mutating call"


async def test_update_cannot_turn_scanning_off(stack: Stack) -> None:
    stored = stack.registry_named("ci-cache")
    assert stored is not None
    stored.scanning = True
    with pytest.raises(InvalidInputError, match="vulnerability_scanning"):
        await stack.registries.update(
            UpdateInput(registry="ci-cache", vulnerability_scanning=False), actor="a", front="t"
        )


async def test_update_clears_the_schedule_and_the_allow_list(stack: Stack) -> None:
    out = await stack.registries.update(
        UpdateInput(registry="ci-cache", clear_gc_schedule=True, api_subnet_allow_list=[]), actor="a", front="t"
    )
    assert (out.registry.gc_schedule, out.registry.api_subnet_allow_list) == ("off", [])
    assert stack.records[0].changed_fields == ["api_subnet_allow_list", "garbage_collection_schedule"]


def test_update_needs_something_to_change() -> None:
    with pytest.raises(ValidationError, match="nothing to change"):
        UpdateInput(registry="ci-cache")


async def test_check_name_explains_each_outcome(stack: Stack) -> None:
    taken = await stack.registries.check_name("sandbox")
    free = await stack.registries.check_name("fresh-name")
    bad = await stack.registries.check_name("UPPER")
    assert (taken.status, free.status, bad.status) == (NameStatus.TAKEN, NameStatus.AVAILABLE, NameStatus.INVALID)
    assert "globally unique" in taken.message
    assert "lowercase" in bad.message

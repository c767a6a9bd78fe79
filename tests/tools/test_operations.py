"""The catalogue: finding the registry a person means, list paging, create, the declarations themselves."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from tests.conftest import Stack
from tools.audit import Outcome
from tools.confirmation import ConfirmResult
from tools.errors import ConflictError, InvalidInputError, NotFoundError
from tools.models import NameStatus
from tools.operations import (
    CATALOGUE,
    CreateInput,
    Kind,
    ListInput,
    NameInput,
    RegistryRefInput,
    ReplaceInput,
    UpdateInput,
)
from tools.people import Caller
from tools.resolve import resolve

ALICE = Caller("slack:U1", "slack")


async def run(stack: Stack, name: str, inp: Any) -> Any:
    op = CATALOGUE[name]
    assert op.run is not None
    return await op.run(stack.core, inp, ALICE)


async def test_resolve_by_name_costs_one_round_trip(stack: Stack) -> None:
    reg = await resolve(stack.client, "ml-models")
    assert reg.name == "ml-models"
    assert stack.emulator.hooks.requests["GET"] == 1


@pytest.mark.parametrize("ref", ["Prod-Images", "PROD-IMAGES", " prod-images ", "prod-images.cr.de-fra.ionos.com"])
async def test_names_are_case_insensitive_and_hostnames_work(stack: Stack, ref: str) -> None:
    assert (await resolve(stack.client, ref)).name == "prod-images"
    got = await run(stack, "get_registry", RegistryRefInput(registry=ref))
    assert got.name == "prod-images"


async def test_a_hostname_must_be_the_registrys_own(stack: Stack) -> None:
    with pytest.raises(NotFoundError, match=r"no registry has the hostname prod-images\.cr\.us-las\.ionos\.com"):
        await resolve(stack.client, "prod-images.cr.us-las.ionos.com")
    with pytest.raises(InvalidInputError, match="not a registry hostname"):
        await resolve(stack.client, "prod-images.example.com")


async def test_resolve_by_uuid(stack: Stack) -> None:
    reg = await resolve(stack.client, "ml-models")
    assert (await resolve(stack.client, reg.id.upper())).name == "ml-models"


async def test_a_missing_name_suggests_the_closest(stack: Stack) -> None:
    with pytest.raises(NotFoundError) as info:
        await resolve(stack.client, "stagingimages")
    assert "no registry is named 'stagingimages'" in str(info.value)
    assert "staging-images" in info.value.hint


async def test_a_reference_that_is_neither_name_nor_uuid(stack: Stack) -> None:
    with pytest.raises(InvalidInputError, match="registry: must be a registry name, hostname or UUID"):
        await resolve(stack.client, "Not A Name")


async def test_list_pages_with_a_cursor(stack: Stack) -> None:
    first = await run(stack, "list_registries", ListInput(limit=5))
    assert first.more_available
    assert first.next_cursor
    second = await run(stack, "list_registries", ListInput(limit=100, cursor=first.next_cursor))
    assert not second.more_available
    names = [r.name for r in first.registries + second.registries]
    assert len(names) == len(set(names)) == 12
    assert "More available" in first.lines()[-1]


def test_list_limit_is_bounded() -> None:
    assert ListInput().limit == 20
    with pytest.raises(ValidationError, match="limit"):
        ListInput(limit=101)


async def test_create_is_audited_with_the_request_id(stack: Stack) -> None:
    out = await run(stack, "create_registry", CreateInput(name="new-team", location="de/fra", gc_days=["Tuesday"]))
    assert out.registry.gc_schedule == "Tue 01:23 UTC"
    [record] = stack.records
    assert (record.operation, record.outcome, record.registry_name) == ("create_registry", "executed", "new-team")
    assert record.request_id
    assert record.actor == "slack:U1"


async def test_a_failed_create_is_audited_as_failed(stack: Stack) -> None:
    with pytest.raises(ConflictError):
        await run(stack, "create_registry", CreateInput(name="sandbox", location="de/fra"))
    assert [r.outcome for r in stack.records] == [Outcome.FAILED]


def test_gc_time_needs_days() -> None:
    with pytest.raises(ValidationError, match="gc_time needs gc_days"):
        CreateInput(name="abc", location="de/fra", gc_time="01:00")


async def test_check_name_explains_each_outcome(stack: Stack) -> None:
    taken = await run(stack, "check_registry_name", NameInput(name="sandbox"))
    free = await run(stack, "check_registry_name", NameInput(name="fresh-name"))
    bad = await run(stack, "check_registry_name", NameInput(name="UPPER"))
    assert (taken.status, free.status, bad.status) == (NameStatus.TAKEN, NameStatus.AVAILABLE, NameStatus.INVALID)
    assert "globally unique" in taken.message


async def test_a_registry_being_deleted(stack: Stack) -> None:
    stored = stack.registry_named("sandbox")
    assert stored is not None
    stack.emulator.backend.provision = stack.emulator.backend.provision.__class__(seconds=600)
    await stack.client.delete_registry(stored.id)
    again = await stack.confirmer.start(CATALOGUE["delete_registry"], RegistryRefInput(registry="sandbox"), ALICE)
    assert isinstance(again, ConfirmResult)
    assert again.status == "already_deleting"
    assert "already being deleted" in again.message
    assert stack.emulator.hooks.requests["DELETE"] == 1
    with pytest.raises(ConflictError, match="being deleted; it cannot be updated"):
        await stack.confirmer.start(
            CATALOGUE["update_registry"], UpdateInput(registry="sandbox", gc_days=["Mon"]), ALICE
        )
    with pytest.raises(ConflictError, match="being deleted; it cannot be replaced"):
        await stack.confirmer.start(CATALOGUE["replace_registry"], ReplaceInput(registry="sandbox"), ALICE)
    assert stack.emulator.hooks.requests["PATCH"] == stack.emulator.hooks.requests["PUT"] == 0


def test_every_operation_is_declared_once_and_completely() -> None:
    slack_words = [" ".join(op.slack.words) for op in CATALOGUE.values()]
    assert len(slack_words) == len(set(slack_words))
    for op in CATALOGUE.values():
        assert op.summary
        assert op.title
        assert (op.run is None) != (op.prepare is None), op.name
        assert op.kind is not Kind.CONFIRMED or op.prepare is not None, op.name
        assert set(op.slack.positional) | {f.field for f in op.slack.flags} <= set(op.input.model_fields), op.name
        assert all(f.help for f in op.slack.flags), op.name

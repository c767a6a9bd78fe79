"""Updates: add/remove merged into one PATCH, before → after for every field, nothing sent when nothing
changes, and the risky ones (cut someone off, cannot be undone, protected) confirmed like a replace."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import Stack
from tools.audit import Outcome
from tools.confirmation import ConfirmResult, Plan, Ready
from tools.errors import ConfirmationError, InvalidInputError
from tools.operations import CATALOGUE, UpdateInput
from tools.people import Caller

ALICE = Caller("slack:U1", "test")
UPDATE = CATALOGUE["update_registry"]


def allow_of(stack: Stack, name: str) -> list[str]:
    stored = stack.registry_named(name)
    assert stored is not None
    return list(stored.allow_list)


def set_allow(stack: Stack, name: str, entries: list[str]) -> None:
    stored = stack.registry_named(name)
    assert stored is not None
    stored.allow_list = entries


async def start(stack: Stack, caller: Caller = ALICE, **fields: Any) -> Plan | Ready | ConfirmResult[Any]:
    return await stack.confirmer.start(UPDATE, UpdateInput.model_validate(fields), caller)


async def run_now(stack: Stack, **fields: Any) -> ConfirmResult[Any]:
    """An update that needs no confirmation runs at once."""
    started = await start(stack, **fields)
    assert isinstance(started, Ready), f"expected no confirmation, got {started}"
    return await stack.confirmer.proceed(started, ALICE)


async def planned(stack: Stack, **fields: Any) -> Plan:
    started = await start(stack, **fields)
    assert isinstance(started, Plan), f"expected a confirmation, got {started}"
    return started


async def test_adding_to_a_restricted_list_runs_at_once_and_shows_before_and_after(stack: Stack) -> None:
    assert allow_of(stack, "data-pipeline") == ["203.0.113.112/32"]
    done = await run_now(stack, registry="data-pipeline", allow_add=["10.20.0.0/16"])
    assert allow_of(stack, "data-pipeline") == ["203.0.113.112/32", "10.20.0.0/16"]
    [change] = done.changes
    assert (change.field, change.current, change.new) == (
        "API allow list",
        "203.0.113.112/32",
        "203.0.113.112/32, 10.20.0.0/16",
    )
    assert "API allow list: 203.0.113.112/32 -> 203.0.113.112/32, 10.20.0.0/16" in "\n".join(done.lines())
    assert stack.emulator.hooks.requests["PATCH"] == 1


async def test_setting_the_list_never_silently_drops_entries(stack: Stack) -> None:
    plan = await planned(stack, registry="data-pipeline", api_subnet_allow_list=["10.20.0.0/16"])
    assert any("removes 203.0.113.112/32" in w for w in plan.preview.warnings)
    assert allow_of(stack, "data-pipeline") == ["203.0.113.112/32"], "nothing changed before the yes"


@pytest.mark.parametrize(
    ("start_with", "fields", "risk"),
    [
        (["203.0.113.112/32", "10.0.0.0/8"], {"allow_remove": ["203.0.113.112/32"]}, "removes 203.0.113.112/32"),
        (["203.0.113.112/32"], {"allow_remove": ["203.0.113.112"]}, "clears the allow list"),
        (["203.0.113.112/32"], {"api_subnet_allow_list": []}, "clears the allow list"),
        ([], {"allow_add": ["10.0.0.0/8"]}, "restricts a registry that was unrestricted"),
        (["10.0.0.0/8"], {"allow_add": ["0.0.0.0/0"]}, "DENIES all traffic"),
        (["10.0.0.0/8"], {"allow_add": ["::/0"]}, "DENIES all traffic"),
    ],
)
async def test_allow_list_changes_that_can_cut_someone_off_need_confirmation(
    stack: Stack, start_with: list[str], fields: dict[str, Any], risk: str
) -> None:
    set_allow(stack, "data-pipeline", start_with)
    plan = await planned(stack, registry="data-pipeline", **fields)
    assert any(risk in w for w in plan.preview.warnings), plan.preview.warnings
    assert allow_of(stack, "data-pipeline") == start_with
    assert stack.emulator.hooks.requests["PATCH"] == 0


async def test_turning_scanning_on_needs_confirmation(stack: Stack) -> None:
    assert stack.registry_named("data-pipeline").scanning is False  # type: ignore[union-attr]
    plan = await planned(stack, registry="data-pipeline", vulnerability_scanning=True)
    assert any("never be turned off" in w for w in plan.preview.warnings)


async def test_any_update_of_a_protected_registry_needs_confirmation(stack: Stack) -> None:
    plan = await planned(stack, registry="prod-images", gc_days=["Sunday"])
    assert any("protected (REGISTRY_PROTECTED matches 'prod-*')" in w for w in plan.preview.warnings)


async def test_gc_changes_on_unprotected_registries_run_at_once(stack: Stack) -> None:
    done = await run_now(stack, registry="ci-cache", gc_time="03:30")
    assert done.status == "executed"
    assert done.result is not None
    assert done.result.gc_schedule == "Tue,Fri 03:30 UTC"
    [change] = done.changes
    assert (change.current, change.new) == ("Tue,Fri 10:00 UTC", "Tue,Fri 03:30 UTC")
    assert [(r.outcome, r.changed_fields) for r in stack.records] == [(Outcome.EXECUTED, ["garbage collection"])]


async def test_a_first_schedule_from_days_only_states_the_default_time(stack: Stack) -> None:
    stored = stack.registry_named("analytics")
    assert stored is not None
    stored.schedule = None
    done = await run_now(stack, registry="analytics", gc_days=["mon"])
    [change] = done.changes
    assert (change.new, change.note) == ("Mon 01:23 UTC", "no time given: 01:23 UTC")


async def test_an_update_that_changes_nothing_says_so_and_sends_nothing(stack: Stack) -> None:
    for fields in (
        {"vulnerability_scanning": False},
        {"allow_add": ["203.0.113.112"]},  # the same entry, written as a bare address
        {"api_subnet_allow_list": ["203.0.113.112/32"]},
        {"gc_days": ["Thursday"], "gc_time": "17:30"},
    ):
        outcome = await start(stack, registry="data-pipeline", **fields)
        assert isinstance(outcome, ConfirmResult), fields
        assert outcome.status == "unchanged"
        assert "Nothing to change" in outcome.message
    assert stack.emulator.hooks.requests["PATCH"] == 0
    assert stack.records == []


async def test_merge_errors_are_clear(stack: Stack) -> None:
    with pytest.raises(InvalidInputError, match=r"allow_remove: 10\.9\.9\.9/32 is not in the allow list"):
        await start(stack, registry="data-pipeline", allow_remove=["10.9.9.9/32"])
    set_allow(stack, "data-pipeline", [f"10.0.{i}.0/24" for i in range(24)])
    with pytest.raises(InvalidInputError, match="would have 26 entries; the limit is 25"):
        await start(stack, registry="data-pipeline", allow_add=["192.0.2.1", "192.0.2.2"])
    with pytest.raises(InvalidInputError, match="cannot be turned off once enabled"):
        await start(stack, registry="ci-cache", vulnerability_scanning=False)
    assert stack.emulator.hooks.requests["PATCH"] == 0
    assert [r.outcome for r in stack.records] == [Outcome.FAILED] * 3


async def test_a_confirmed_risky_update_applies_one_patch_bound_to_what_was_seen(stack: Stack) -> None:
    inp = UpdateInput(registry="data-pipeline", allow_remove=["203.0.113.112/32"], allow_add=["10.20.0.0/16"])
    plan = await planned(stack, **inp.model_dump(exclude_defaults=True))
    done = await stack.confirmer.execute(plan.claims, UPDATE, inp, caller=ALICE, typed_name="data-pipeline")
    assert done.status == "executed"
    assert allow_of(stack, "data-pipeline") == ["10.20.0.0/16"]
    assert stack.emulator.hooks.requests["PATCH"] == 1
    with pytest.raises(ConfirmationError, match="already used"):
        await stack.confirmer.execute(plan.claims, UPDATE, inp, caller=ALICE)


async def test_a_risky_update_goes_stale_when_the_list_changed_meanwhile(stack: Stack) -> None:
    inp = UpdateInput(registry="data-pipeline", allow_remove=["203.0.113.112/32"])
    plan = await planned(stack, **inp.model_dump(exclude_defaults=True))
    set_allow(stack, "data-pipeline", ["203.0.113.112/32", "198.51.100.0/24"])
    with pytest.raises(ConfirmationError, match="changed since the preview"):
        await stack.confirmer.execute(plan.claims, UPDATE, inp, caller=ALICE)
    assert allow_of(stack, "data-pipeline") == ["203.0.113.112/32", "198.51.100.0/24"]


async def test_a_caller_that_may_not_confirm_is_refused_risky_updates_only(stack: Stack) -> None:
    safe = Caller("mcp:local", "mcp", safe_only=True)
    with pytest.raises(ConfirmationError, match="--disable-destructive"):
        await start(stack, safe, registry="data-pipeline", allow_remove=["203.0.113.112/32"])
    started = await start(stack, safe, registry="data-pipeline", allow_add=["10.1.0.0/16"])
    assert isinstance(started, Ready)
    assert [r.outcome for r in stack.records] == [Outcome.DENIED]

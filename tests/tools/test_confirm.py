"""The confirmation core: prepare → preview → yes → execute once, whatever the front and the operation."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import pytest

from tests.conftest import Stack
from tools.audit import Outcome, read_records
from tools.confirmation import Claims, ConfirmResult, Plan, Ready, TokenSigner
from tools.confirmation.previews import fingerprint
from tools.confirmation.protection import Coverage
from tools.errors import ConfirmationError, InvalidInputError, NotFoundError
from tools.models import InputModel
from tools.operations import CATALOGUE, RegistryRefInput, ReplaceInput, UpdateInput
from tools.people import Caller

# The engine's mechanics with one fixed person; who a person is (and that a confirmation is theirs
# alone) is tested through the real paths: signed Slack requests, OAuth bearer tokens.
ALICE = Caller("slack:U-ALICE", "test")
DELETE, REPLACE, UPDATE = CATALOGUE["delete_registry"], CATALOGUE["replace_registry"], CATALOGUE["update_registry"]


async def plan_of(stack: Stack, op: Any, inp: InputModel, caller: Caller = ALICE) -> Plan:
    plan = await stack.confirmer.start(op, inp, caller)
    assert isinstance(plan, Plan), plan
    return plan


async def delete_plan(stack: Stack, name: str = "sandbox", caller: Caller = ALICE) -> Plan:
    return await plan_of(stack, DELETE, RegistryRefInput(registry=name), caller)


def replace_input(**fields: object) -> ReplaceInput:
    return ReplaceInput.model_validate({"registry": "ci-cache", **fields})


async def execute(
    stack: Stack, plan: Plan, inp: InputModel | None = None, caller: Caller = ALICE, **kw: Any
) -> ConfirmResult[Any]:
    op = CATALOGUE[plan.claims.operation]
    given = inp if inp is not None else RegistryRefInput(registry=plan.claims.registry_name)
    return await stack.confirmer.execute(plan.claims, op, given, caller=caller, **kw)


def outcomes(stack: Stack) -> list[Outcome]:
    return [r.outcome for r in stack.records]


# ---------------------------------------------------------------- previews


async def test_delete_preview_shows_the_blast_radius_and_no_internal_values(stack: Stack) -> None:
    plan = await delete_plan(stack)
    text = plan.preview.text()
    for fact in (
        "sandbox",
        plan.claims.registry_id,
        "sandbox.cr.es-vit.ionos.com",
        "es/vit",
        "Running",
        "GiB",
        "ops@example.com",
        "lost",
        "cannot be undone",
    ):
        assert fact in text
    assert plan.claims.fingerprint not in text
    assert "fingerprint" not in text
    assert "fingerprint" not in plan.preview.model_dump_json()
    assert stack.registry_named("sandbox") is not None, "planning changes nothing"
    assert stack.records == [], "planning alone is not an attempt"


async def test_replace_preview_diffs_and_calls_out_resets(stack: Stack) -> None:
    reg = stack.registry_named("ci-cache")
    assert reg is not None
    reg.allow_list = ["10.0.0.0/8"]
    plan = await plan_of(stack, REPLACE, replace_input(gc_days=["Monday"], gc_time="02:00"))
    changes = {c.field: c for c in plan.preview.changes}
    assert changes["garbage collection"].new == "Mon 02:00 UTC"
    allow = changes["API allow list"]
    assert (allow.current, allow.new) == ("10.0.0.0/8", "unrestricted (empty allow list)")
    assert allow.note is not None
    assert "unrestricted" in allow.note
    assert "  garbage collection: Tue,Fri 10:00 UTC -> Mon 02:00 UTC" in plan.preview.lines()


async def test_replace_with_days_only_states_the_default_time(stack: Stack) -> None:
    plan = await plan_of(stack, REPLACE, replace_input(gc_days=["Monday"]))
    gc = next(c for c in plan.preview.changes if c.field == "garbage collection")
    assert gc.new == "Mon 01:23 UTC"
    assert gc.note == "no time given: 01:23 UTC"


async def test_replace_warns_that_0_0_0_0_slash_0_denies_everything(stack: Stack) -> None:
    plan = await plan_of(stack, REPLACE, replace_input(api_subnet_allow_list=["0.0.0.0/0"]))
    assert any("DENIES all traffic" in w for w in plan.preview.warnings)


async def test_replace_with_nothing_to_change_needs_no_confirmation(stack: Stack) -> None:
    reg = stack.registry_named("analytics")
    assert reg is not None
    reg.schedule, reg.allow_list, reg.scanning = None, [], True
    outcome = await stack.confirmer.start(REPLACE, ReplaceInput(registry="analytics"), ALICE)
    assert isinstance(outcome, ConfirmResult)
    assert outcome.status == "unchanged"
    assert stack.emulator.hooks.requests["PUT"] == 0


async def test_put_on_an_unknown_uuid_is_a_create_without_confirmation(stack: Stack) -> None:
    rid = str(uuid.uuid4())
    ready = await stack.confirmer.start(
        REPLACE, ReplaceInput(registry=rid, name="made-by-put", location="de/fra"), ALICE
    )
    assert isinstance(ready, Ready)
    done = await stack.confirmer.proceed(ready, ALICE)
    assert done.status == "created"
    assert done.result is not None
    assert done.result.id == rid
    assert outcomes(stack) == [Outcome.EXECUTED]
    with pytest.raises(InvalidInputError, match="name and location"):
        await stack.confirmer.start(REPLACE, ReplaceInput(registry=str(uuid.uuid4())), ALICE)


async def test_replace_refuses_what_the_api_would_refuse(stack: Stack) -> None:
    with pytest.raises(InvalidInputError, match="location"):
        await stack.confirmer.start(REPLACE, replace_input(location="de/fra"), ALICE)
    with pytest.raises(InvalidInputError, match="vulnerability_scanning"):
        await stack.confirmer.start(REPLACE, replace_input(vulnerability_scanning=False), ALICE)
    assert outcomes(stack) == [Outcome.FAILED, Outcome.FAILED], "refused before any request, still audited"


async def test_fingerprint_follows_config_not_storage(stack: Stack) -> None:
    reg = await stack.client.find_registry("sandbox")
    assert reg is not None
    stored = stack.registry_named("sandbox")
    assert stored is not None
    stored.storage_bytes += 12345
    same = await stack.client.get_registry(reg.id)
    assert fingerprint(same) == fingerprint(reg)
    stored.allow_list = ["192.0.2.0/24"]
    assert fingerprint(await stack.client.get_registry(reg.id)) != fingerprint(reg)


# ---------------------------------------------------------------- tokens


def test_tokens_are_signed_and_tamper_evident() -> None:
    signer = TokenSigner(b"secret-1")
    claims = Claims("delete_registry", "id", "name", "fp", "args", ALICE.actor, 2_000_000_000, "nonce")
    token = signer.sign(claims)
    assert signer.verify(token) == claims
    body, sig = token.split(".")
    forged = TokenSigner(b"x").sign(
        Claims("delete_registry", "id", "name", "fp", "args", "slack:U-BOB", 2_000_000_000, "n")
    )
    for bad in (forged, forged.split(".")[0] + "." + sig, body + "." + sig[:-2] + "AA", "garbage", "", "a.b.c"):
        assert signer.verify(bad) is None
    assert TokenSigner(b"secret-2").verify(token) is None


# ---------------------------------------------------------------- execution


async def test_a_confirmed_delete_runs_once(stack: Stack) -> None:
    plan = await delete_plan(stack)
    done = await execute(stack, plan, typed_name="sandbox", require_typed_name=True)
    assert done.status == "executed"
    assert stack.registry_named("sandbox") is None
    with pytest.raises(ConfirmationError, match="already used"):
        await execute(stack, plan)
    assert outcomes(stack) == [Outcome.EXECUTED, Outcome.DENIED]
    assert stack.records[0].request_id, "the IONOS request id is audited"


async def test_concurrent_confirmations_cannot_both_act(stack: Stack) -> None:
    plan = await delete_plan(stack)
    results = await asyncio.gather(*(execute(stack, plan) for _ in range(5)), return_exceptions=True)
    assert sum(isinstance(r, ConfirmResult) for r in results) == 1
    assert sum(isinstance(r, ConfirmationError) for r in results) == 4
    assert stack.emulator.hooks.requests["DELETE"] == 1


async def test_wrong_typed_name_declines(stack: Stack) -> None:
    plan = await delete_plan(stack)
    done = await execute(stack, plan, typed_name="sandbx", require_typed_name=True)
    assert done.status == "declined"
    assert stack.registry_named("sandbox") is not None
    assert outcomes(stack) == [Outcome.DECLINED]


async def test_expired_plans_are_refused(stack: Stack) -> None:
    plan = await delete_plan(stack)
    stack.clock.now += stack.confirmer.ttl + 1
    with pytest.raises(ConfirmationError, match="expired"):
        await execute(stack, plan)
    assert stack.registry_named("sandbox") is not None
    assert outcomes(stack) == [Outcome.EXPIRED]


async def test_a_registry_changed_since_the_preview_is_refused_with_its_new_state(stack: Stack) -> None:
    plan = await delete_plan(stack)
    stored = stack.registry_named("sandbox")
    assert stored is not None
    stored.allow_list = ["198.51.100.7/32"]
    with pytest.raises(ConfirmationError, match="changed since the preview") as info:
        await execute(stack, plan)
    assert info.value.current is not None
    assert info.value.current.api_subnet_allow_list == ["198.51.100.7/32"]
    assert stack.registry_named("sandbox") is not None
    with pytest.raises(ConfirmationError, match="already used"):
        await execute(stack, plan)
    assert outcomes(stack) == [Outcome.STALE, Outcome.DENIED]


async def test_a_registry_gone_since_the_preview_is_refused(stack: Stack) -> None:
    plan = await delete_plan(stack)
    stack.emulator.backend._by_id.pop(plan.claims.registry_id)
    with pytest.raises(ConfirmationError, match="no longer exists"):
        await execute(stack, plan)
    assert outcomes(stack) == [Outcome.STALE]


async def test_refusals_for_arguments_or_target_do_not_use_the_confirmation_up(stack: Stack) -> None:
    plan = await plan_of(stack, REPLACE, replace_input(gc_days=["Monday"]))
    with pytest.raises(ConfirmationError, match="arguments differ"):
        await execute(stack, plan, replace_input(gc_days=["Tuesday"]))
    with pytest.raises(ConfirmationError, match="is for ci-cache, not sandbox"):
        await execute(stack, plan, ReplaceInput(registry="sandbox", gc_days=["Monday"]))
    done = await execute(stack, plan, ReplaceInput(registry="CI-Cache", gc_days=["Monday"]))
    assert done.status == "executed", "the right call with the same token still works"
    assert outcomes(stack) == [Outcome.DENIED, Outcome.DENIED, Outcome.EXECUTED]
    assert all(r.registry_name == "ci-cache" for r in stack.records)


async def test_an_api_failure_before_the_change_does_not_use_the_confirmation_up(stack: Stack) -> None:
    plan = await delete_plan(stack)
    stack.emulator.hooks.faults.append(_fault(503, count=10, method="GET"))
    with pytest.raises(Exception, match="503"):
        await execute(stack, plan)
    stack.emulator.hooks.faults.clear()
    assert (await execute(stack, plan)).status == "executed"
    assert outcomes(stack) == [Outcome.FAILED, Outcome.EXECUTED]


async def test_a_confirmed_replace_applies_exactly_the_preview(stack: Stack) -> None:
    inp = replace_input(gc_days=["Monday"], api_subnet_allow_list=["10.0.0.0/8"])
    plan = await plan_of(stack, REPLACE, inp)
    done = await execute(stack, plan, inp)
    assert done.result is not None
    assert done.result.api_subnet_allow_list == ["10.0.0.0/8"]
    assert done.result.gc_days == ["Monday"]
    assert stack.records[-1].changed_fields == ["garbage collection", "API allow list"]


async def test_a_delete_token_cannot_drive_a_replace(stack: Stack) -> None:
    plan = await delete_plan(stack)
    with pytest.raises(ConfirmationError, match="not a valid confirmation token"):
        stack.confirmer.open(plan.token, op=REPLACE, caller=ALICE, ref="sandbox")
    assert outcomes(stack) == [Outcome.DENIED]
    assert stack.records[0].registry_name == "sandbox"


async def test_a_tampered_token_is_audited_naming_the_registry_targeted(stack: Stack) -> None:
    plan = await delete_plan(stack)
    body, sig = plan.token.split(".")
    with pytest.raises(ConfirmationError, match="not a valid"):
        stack.confirmer.open(body + "." + sig[:-3] + "xyz", op=DELETE, caller=ALICE, ref="sandbox")
    record = stack.records[-1]
    assert (record.outcome, record.operation, record.registry_name) == (Outcome.DENIED, "delete_registry", "sandbox")
    assert record.registry_id is None, "nothing read from an unverified token reaches the audit"


async def test_protected_registries_cannot_be_deleted_or_replaced(stack: Stack) -> None:
    with pytest.raises(ConfirmationError, match="protected"):
        await delete_plan(stack, "prod-images")
    with pytest.raises(ConfirmationError, match="protected"):
        await stack.confirmer.start(REPLACE, ReplaceInput(registry="prod-images"), ALICE)
    plan = await delete_plan(stack)
    stack.confirmer.protected = Coverage(("sand*",))
    with pytest.raises(ConfirmationError, match="protected"):
        await execute(stack, plan)
    assert stack.registry_named("sandbox") is not None
    assert outcomes(stack) == [Outcome.DENIED] * 3


async def test_audit_file_has_one_json_record_per_attempt_and_no_secret(stack: Stack) -> None:
    plan = await delete_plan(stack)
    await execute(stack, plan)
    with pytest.raises(ConfirmationError):
        await execute(stack, plan)
    assert stack.audit.path is not None
    records = read_records(stack.audit.path)
    assert [r.outcome for r in records] == [Outcome.EXECUTED, Outcome.DENIED]
    raw = stack.audit.path.read_text()
    assert plan.token not in raw
    assert plan.token.split(".")[1] not in raw
    assert "test-token" not in raw


async def test_unknown_names_are_not_found_with_suggestions_and_audited(stack: Stack) -> None:
    with pytest.raises(NotFoundError) as info:
        await delete_plan(stack, "sandbx")
    assert "sandbox" in info.value.hint
    assert [(r.outcome, r.registry_name) for r in stack.records] == [(Outcome.FAILED, "sandbx")]


async def test_an_update_that_fails_before_its_request_is_audited(stack: Stack) -> None:
    with pytest.raises(NotFoundError):
        await stack.confirmer.start(UPDATE, UpdateInput(registry="nope-nope", gc_days=["Monday"]), ALICE)
    stack.emulator.hooks.faults.append(_fault(503, count=10))
    with pytest.raises(Exception, match="503"):
        await stack.confirmer.start(UPDATE, UpdateInput(registry="ci-cache", gc_days=["Monday"]), ALICE)
    assert [(r.outcome, r.operation, r.registry_name) for r in stack.records] == [
        (Outcome.FAILED, "update_registry", "nope-nope"),
        (Outcome.FAILED, "update_registry", "ci-cache"),
    ]


def _fault(status: int, *, count: int = 1, method: str | None = None) -> Any:
    from tools.emulator.faults import Fault

    return Fault(count=count, status=status, method=method)

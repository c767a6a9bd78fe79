"""The confirmation core: plan → preview → yes → execute once, whatever the front."""

from __future__ import annotations

import asyncio
import uuid

import pytest

from tests.conftest import Stack
from tools.audit import Outcome, read_records
from tools.confirm import ConfirmationError, ConfirmResult, CreateByPut, Plan
from tools.errors import InvalidInputError, NotFoundError
from tools.operations import ReplaceInput
from tools.previews import fingerprint
from tools.tokens import Claims, TokenSigner

ALICE, BOB = "slack:U-ALICE", "slack:U-BOB"


async def delete_plan(stack: Stack, name: str = "sandbox", actor: str = ALICE) -> Plan:
    return await stack.confirmer.plan_delete(name, actor=actor, front="test")


async def replace_plan(stack: Stack, actor: str = ALICE, **fields: object) -> Plan:
    plan = await stack.confirmer.plan_replace(
        ReplaceInput.model_validate({"registry": "ci-cache", **fields}), actor=actor, front="test"
    )
    assert isinstance(plan, Plan)
    return plan


def outcomes(stack: Stack) -> list[Outcome]:
    return [r.outcome for r in stack.records]


# ---------------------------------------------------------------- previews


async def test_delete_preview_shows_the_blast_radius(stack: Stack) -> None:
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
    assert stack.registry_named("sandbox") is not None, "planning changes nothing"
    assert stack.records == [], "planning alone is not an attempt"


async def test_replace_preview_diffs_and_calls_out_resets(stack: Stack) -> None:
    reg = stack.registry_named("ci-cache")
    assert reg is not None
    reg.allow_list = ["10.0.0.0/8"]
    plan = await replace_plan(stack, gc_days=["Monday"], gc_time="02:00")
    changes = {c.field: c for c in plan.preview.changes}
    assert changes["garbage collection"].new == "Mon 02:00 UTC"
    allow = changes["API allow list"]
    assert (allow.current, allow.new) == ("10.0.0.0/8", "unrestricted (empty allow list)")
    assert allow.note is not None
    assert "unrestricted" in allow.note


async def test_replace_warns_that_0_0_0_0_slash_0_denies_everything(stack: Stack) -> None:
    plan = await replace_plan(stack, api_subnet_allow_list=["0.0.0.0/0"])
    assert any("DENIES all traffic" in w for w in plan.preview.warnings)


async def test_replace_with_nothing_to_change_needs_no_confirmation(stack: Stack) -> None:
    reg = stack.registry_named("analytics")
    assert reg is not None
    reg.schedule, reg.allow_list, reg.scanning = None, [], True
    outcome = await stack.confirmer.plan_replace(ReplaceInput(registry="analytics"), actor=ALICE, front="test")
    assert isinstance(outcome, ConfirmResult)
    assert outcome.status == "unchanged"


async def test_put_on_an_unknown_uuid_is_a_create_without_confirmation(stack: Stack) -> None:
    rid = str(uuid.uuid4())
    inp = ReplaceInput(registry=rid, name="made-by-put", location="de/fra")
    plan = await stack.confirmer.plan_replace(inp, actor=ALICE, front="test")
    assert isinstance(plan, CreateByPut)
    done = await stack.confirmer.create_by_put(plan, actor=ALICE, front="test")
    assert (done.status, done.registry and done.registry.id) == ("created", rid)
    assert outcomes(stack) == [Outcome.EXECUTED]
    with pytest.raises(InvalidInputError, match="name and location"):
        await stack.confirmer.plan_replace(ReplaceInput(registry=str(uuid.uuid4())), actor=ALICE, front="test")


async def test_replace_refuses_what_the_api_would_refuse(stack: Stack) -> None:
    with pytest.raises(InvalidInputError, match="location"):
        await replace_plan(stack, location="de/fra")
    with pytest.raises(InvalidInputError, match="vulnerability_scanning"):
        await replace_plan(stack, vulnerability_scanning=False)


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
    claims = Claims("delete_registry", "id", "name", "fp", "args", ALICE, 2_000_000_000, "nonce")
    token = signer.sign(claims)
    assert signer.verify(token) == claims
    body, sig = token.split(".")
    forged = TokenSigner(b"x").sign(Claims("delete_registry", "id", "name", "fp", "args", BOB, 2_000_000_000, "n"))
    for bad in (forged, forged.split(".")[0] + "." + sig, body + "." + sig[:-2] + "AA", "garbage", "", "a.b.c"):
        assert signer.verify(bad) is None
    assert TokenSigner(b"secret-2").verify(token) is None


# ---------------------------------------------------------------- execution


async def test_a_confirmed_delete_runs_once(stack: Stack) -> None:
    plan = await delete_plan(stack)
    done = await stack.confirmer.execute(
        plan.claims, actor=ALICE, front="test", typed_name="sandbox", require_typed_name=True
    )
    assert done.status == "executed"
    assert stack.registry_named("sandbox") is None
    with pytest.raises(ConfirmationError, match="already used"):
        await stack.confirmer.execute(plan.claims, actor=ALICE, front="test")
    assert outcomes(stack) == [Outcome.EXECUTED, Outcome.DENIED]
    assert stack.records[0].request_id, "the IONOS request id is audited"


async def test_concurrent_confirmations_cannot_both_act(stack: Stack) -> None:
    plan = await delete_plan(stack)
    results = await asyncio.gather(
        *(stack.confirmer.execute(plan.claims, actor=ALICE, front="test") for _ in range(5)), return_exceptions=True
    )
    assert sum(isinstance(r, ConfirmResult) for r in results) == 1
    assert sum(isinstance(r, ConfirmationError) for r in results) == 4
    assert stack.emulator.hooks.requests["DELETE"] == 1


async def test_wrong_typed_name_declines(stack: Stack) -> None:
    plan = await delete_plan(stack)
    done = await stack.confirmer.execute(
        plan.claims, actor=ALICE, front="test", typed_name="sandbx", require_typed_name=True
    )
    assert done.status == "declined"
    assert stack.registry_named("sandbox") is not None
    assert outcomes(stack) == [Outcome.DECLINED]


async def test_expired_plans_are_refused(stack: Stack) -> None:
    plan = await delete_plan(stack)
    stack.clock.now += stack.confirmer.ttl + 1
    with pytest.raises(ConfirmationError, match="expired"):
        await stack.confirmer.execute(plan.claims, actor=ALICE, front="test")
    assert stack.registry_named("sandbox") is not None
    assert outcomes(stack) == [Outcome.EXPIRED]


async def test_only_the_person_who_asked_can_confirm(stack: Stack) -> None:
    plan = await delete_plan(stack)
    with pytest.raises(ConfirmationError, match="someone else"):
        await stack.confirmer.execute(plan.claims, actor=BOB, front="test")
    assert stack.registry_named("sandbox") is not None
    assert outcomes(stack) == [Outcome.DENIED]


async def test_a_registry_changed_since_the_preview_is_refused_with_its_new_state(stack: Stack) -> None:
    plan = await delete_plan(stack)
    stored = stack.registry_named("sandbox")
    assert stored is not None
    stored.allow_list = ["198.51.100.7/32"]
    with pytest.raises(ConfirmationError, match="changed since the preview") as info:
        await stack.confirmer.execute(plan.claims, actor=ALICE, front="test")
    assert info.value.current is not None
    assert info.value.current.api_subnet_allow_list == ["198.51.100.7/32"]
    assert stack.registry_named("sandbox") is not None
    assert outcomes(stack) == [Outcome.STALE]


async def test_a_registry_gone_since_the_preview_is_refused(stack: Stack) -> None:
    plan = await delete_plan(stack)
    await stack.client.delete_registry(plan.claims.registry_id)
    with pytest.raises(ConfirmationError, match="no longer exists"):
        await stack.confirmer.execute(plan.claims, actor=ALICE, front="test")
    assert outcomes(stack) == [Outcome.STALE]


async def test_replace_arguments_must_match_the_preview(stack: Stack) -> None:
    plan = await replace_plan(stack, gc_days=["Monday"])
    other = ReplaceInput(registry="ci-cache", gc_days=["Tuesday"])
    with pytest.raises(ConfirmationError, match="arguments differ"):
        await stack.confirmer.execute(plan.claims, actor=ALICE, front="test", replace=other)
    same = ReplaceInput(registry="ci-cache", gc_days=["Monday"])
    with pytest.raises(ConfirmationError, match="already used"):
        await stack.confirmer.execute(plan.claims, actor=ALICE, front="test", replace=same)


async def test_a_confirmed_replace_applies_exactly_the_preview(stack: Stack) -> None:
    plan = await replace_plan(stack, gc_days=["Monday"], api_subnet_allow_list=["10.0.0.0/8"])
    done = await stack.confirmer.execute(
        plan.claims,
        actor=ALICE,
        front="test",
        replace=ReplaceInput(registry="ci-cache", gc_days=["Monday"], api_subnet_allow_list=["10.0.0.0/8"]),
    )
    assert done.registry is not None
    assert done.registry.api_subnet_allow_list == ["10.0.0.0/8"]
    assert done.registry.gc_days == ["Monday"]
    assert stack.records[-1].changed_fields == ["garbage collection", "API allow list"]


async def test_a_delete_token_cannot_drive_a_replace(stack: Stack) -> None:
    plan = await delete_plan(stack)
    with pytest.raises(ConfirmationError, match="not a valid confirmation token"):
        stack.confirmer.open(plan.token, operation="replace_registry", actor=ALICE, front="test")
    assert outcomes(stack) == [Outcome.DENIED]


async def test_protected_registries_cannot_be_planned_or_executed(stack: Stack) -> None:
    with pytest.raises(ConfirmationError, match="protected"):
        await delete_plan(stack, "prod-images")
    plan = await delete_plan(stack)
    stack.confirmer.protected = ("sand*",)
    with pytest.raises(ConfirmationError, match="protected"):
        await stack.confirmer.execute(plan.claims, actor=ALICE, front="test")
    assert stack.registry_named("sandbox") is not None
    assert outcomes(stack) == [Outcome.DENIED, Outcome.DENIED]


async def test_audit_file_has_one_json_record_per_attempt_and_no_secret(stack: Stack) -> None:
    plan = await delete_plan(stack)
    await stack.confirmer.execute(plan.claims, actor=ALICE, front="test")
    with pytest.raises(ConfirmationError):
        await stack.confirmer.execute(plan.claims, actor=ALICE, front="test")
    assert stack.audit.path is not None
    records = read_records(stack.audit.path)
    assert [r.outcome for r in records] == [Outcome.EXECUTED, Outcome.DENIED]
    raw = stack.audit.path.read_text()
    assert plan.token not in raw
    assert plan.token.split(".")[1] not in raw
    assert "test-token" not in raw


async def test_unknown_names_are_not_found_with_suggestions(stack: Stack) -> None:
    with pytest.raises(NotFoundError) as info:
        await delete_plan(stack, "sandbx")
    assert "sandbox" in info.value.hint

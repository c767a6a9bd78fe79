"""Tokens through the catalogue: list with expiry called out, create with scopes and expiry, and the
changes that cut someone off (disable, shorter expiry, fewer scopes, replace, delete) confirmed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.conftest import Stack
from tools.audit import Outcome
from tools.confirmation import ConfirmResult, Plan, Ready
from tools.errors import ConfirmationError, ConflictError, NotFoundError
from tools.operations import CATALOGUE
from tools.operations.token_inputs import (
    CreateTokenInput,
    ListTokensInput,
    ReplaceTokenInput,
    TokenRefInput,
    UpdateTokenInput,
    parse_expiry,
)
from tools.people import Caller

ALICE = Caller("slack:U1", "test")
UPDATE, REPLACE, DELETE = CATALOGUE["update_token"], CATALOGUE["replace_token"], CATALOGUE["delete_token"]


async def run(stack: Stack, name: str, inp: Any) -> Any:
    op = CATALOGUE[name]
    assert op.run is not None
    return await op.run(stack.core, inp, ALICE)


async def new_token(stack: Stack, name: str = "ci-new", **fields: Any) -> Any:
    values = {"registry": "sandbox", "name": name, "scopes": ["team/*:pull,push"], **fields}
    return await run(stack, "create_token", CreateTokenInput.model_validate(values))


def now_of(stack: Stack) -> datetime:
    return datetime.fromtimestamp(stack.clock.now, UTC)


def test_expiry_words() -> None:
    now = datetime(2026, 12, 1, 3, 4, 5, tzinfo=UTC)
    assert parse_expiry("90d", now) == datetime(2027, 3, 1, 3, 4, tzinfo=UTC)
    assert parse_expiry("12h", now) == datetime(2026, 12, 1, 15, 4, tzinfo=UTC)
    assert parse_expiry("2w", now) == datetime(2026, 12, 15, 3, 4, tzinfo=UTC)
    assert parse_expiry("2027-01-31", now) == datetime(2027, 1, 31, tzinfo=UTC)
    assert parse_expiry("never", now) is None
    for bad in ("soon", "90 days", "-1d", "2027-13-01"):
        with pytest.raises(ValueError, match="must be a duration"):
            parse_expiry(bad, now)
    with pytest.raises(ValueError, match="expiry"):
        CreateTokenInput(registry="x", name="y", scopes=["a:pull"], expiry="whenever")


async def test_create_returns_the_password_once_as_a_secret(stack: Stack) -> None:
    out = await new_token(stack, expiry="90d")
    assert out.password is not None
    secret = out.password.get_secret_value()
    assert secret not in out.model_dump_json()
    assert secret not in "\n".join(out.lines())
    assert secret not in repr(out)
    assert out.token.scopes == ["team/*:pull,push"]
    assert out.token.expires == now_of(stack).replace(second=0, microsecond=0) + timedelta(days=90)
    assert "username ci-new" in out.message
    [record] = stack.records
    assert (record.operation, record.outcome, record.resource) == ("create_token", Outcome.EXECUTED, "token:ci-new")
    assert secret not in record.model_dump_json()
    assert stack.audit.path is not None
    assert secret not in stack.audit.path.read_text()


async def test_list_calls_out_expired_and_soon_expiring(stack: Stack) -> None:
    names = [r.name for r in stack.emulator.backend.seeded()]
    summaries = [await run(stack, "list_tokens", ListTokensInput(registry=n)) for n in names]
    assert sum(s.expired for s in summaries) >= 1
    assert sum(s.expiring_soon for s in summaries) >= 1
    lines = "\n".join(line for s in summaries for line in s.lines())
    assert "EXPIRED" in lines
    assert "EXPIRING SOON" in lines
    assert "never expires" in lines


async def test_a_token_by_name_or_id(stack: Stack) -> None:
    out = await new_token(stack)
    by_name = await run(stack, "get_token", TokenRefInput(registry="sandbox", token="ci-new"))
    by_id = await run(stack, "get_token", TokenRefInput(registry="sandbox", token=out.token.id))
    assert by_name.id == by_id.id == out.token.id
    with pytest.raises(NotFoundError) as info:
        await run(stack, "get_token", TokenRefInput(registry="sandbox", token="ci-nwe"))
    assert "ci-new" in info.value.hint


@pytest.mark.parametrize(
    ("change", "risk"),
    [
        ({"status": "disabled"}, "disables ci-new"),
        ({"expiry": "1d"}, "expires ci-new on"),
        ({"scopes": ["team/*:pull"]}, "removes access: team/*:push"),
    ],
)
async def test_changes_that_cut_someone_off_need_confirmation(stack: Stack, change: dict[str, Any], risk: str) -> None:
    await new_token(stack, expiry="90d")
    plan = await stack.confirmer.start(UPDATE, UpdateTokenInput(registry="sandbox", token="ci-new", **change), ALICE)
    assert isinstance(plan, Plan), plan
    assert any(risk in w for w in plan.preview.warnings), plan.preview.warnings
    assert plan.claims.confirm_name == "ci-new"


@pytest.mark.parametrize("change", [{"expiry": "1y"}, {"expiry": "never"}, {"scopes": ["team/*:pull,push,delete"]}])
async def test_changes_that_only_widen_access_run_at_once(stack: Stack, change: dict[str, Any]) -> None:
    await new_token(stack, expiry="90d")
    started = await stack.confirmer.start(UPDATE, UpdateTokenInput(registry="sandbox", token="ci-new", **change), ALICE)
    assert isinstance(started, Ready), started
    done = await stack.confirmer.proceed(started, ALICE)
    assert done.status == "executed"
    assert done.changes


async def test_re_enabling_runs_at_once_and_a_no_op_sends_nothing(stack: Stack) -> None:
    await new_token(stack)
    plan = await stack.confirmer.start(
        UPDATE, UpdateTokenInput(registry="sandbox", token="ci-new", status="disabled"), ALICE
    )
    assert isinstance(plan, Plan)
    inp = UpdateTokenInput(registry="sandbox", token="ci-new", status="disabled")
    assert (await stack.confirmer.execute(plan.claims, UPDATE, inp, caller=ALICE)).status == "executed"
    again = await stack.confirmer.start(
        UPDATE, UpdateTokenInput(registry="sandbox", token="ci-new", status="disabled"), ALICE
    )
    assert isinstance(again, ConfirmResult)
    assert again.status == "unchanged"
    enable = await stack.confirmer.start(
        UPDATE, UpdateTokenInput(registry="sandbox", token="ci-new", status="enabled"), ALICE
    )
    assert isinstance(enable, Ready)


async def test_a_relative_expiry_is_the_one_previewed(stack: Stack) -> None:
    await new_token(stack, expiry="90d")
    inp = UpdateTokenInput(registry="sandbox", token="ci-new", expiry="2d")
    plan = await stack.confirmer.start(UPDATE, inp, ALICE)
    assert isinstance(plan, Plan)
    previewed = next(c.new for c in plan.preview.changes if c.field == "expiry")
    stack.clock.now += 200  # the person takes their time; the expiry still counts from the preview
    done = await stack.confirmer.execute(plan.claims, UPDATE, inp, caller=ALICE)
    assert done.result is not None
    assert done.result.expires.strftime("%Y-%m-%d") == previewed


async def test_replace_and_delete_are_confirmed_and_audited(stack: Stack) -> None:
    await new_token(stack, expiry="90d")
    inp = ReplaceTokenInput(registry="sandbox", token="ci-new", scopes=["base/*:pull"])
    plan = await stack.confirmer.start(REPLACE, inp, ALICE)
    assert isinstance(plan, Plan)
    text = plan.preview.text()
    assert "REPLACE token ci-new" in text
    assert "reset: it never expires" in text
    assert "removes access" in text
    await stack.confirmer.execute(plan.claims, REPLACE, inp, caller=ALICE)
    delete = await stack.confirmer.start(DELETE, TokenRefInput(registry="sandbox", token="ci-new"), ALICE)
    assert isinstance(delete, Plan)
    assert "loses access" in delete.preview.text()
    with pytest.raises(ConfirmationError, match="is for ci-new, not other"):
        await stack.confirmer.execute(
            delete.claims, DELETE, TokenRefInput(registry="sandbox", token="other"), caller=ALICE
        )
    await stack.confirmer.execute(
        delete.claims, DELETE, TokenRefInput(registry="sandbox", token="ci-new"), caller=ALICE
    )
    with pytest.raises(NotFoundError):
        await run(stack, "get_token", TokenRefInput(registry="sandbox", token="ci-new"))
    outcomes = [(r.operation, r.outcome) for r in stack.records]
    assert outcomes == [
        ("create_token", Outcome.EXECUTED),
        ("replace_token", Outcome.EXECUTED),
        ("delete_token", Outcome.DENIED),
        ("delete_token", Outcome.EXECUTED),
    ]


async def test_revoking_a_token_on_a_protected_registry_stays_possible_confirmed(stack: Stack) -> None:
    tokens = await run(stack, "list_tokens", ListTokensInput(registry="prod-images"))
    plan = await stack.confirmer.start(
        DELETE, TokenRefInput(registry="prod-images", token=tokens.tokens[0].name), ALICE
    )
    assert isinstance(plan, Plan), "a leaked token on prod must be revocable at 3 a.m."
    assert any("protected" in w for w in plan.preview.warnings)


async def test_bad_scopes_name_the_rule(stack: Stack) -> None:
    with pytest.raises(ValueError, match="write REPO-GLOB:pull,push"):
        CreateTokenInput(registry="sandbox", name="x", scopes=["team/*:fly"])
    with pytest.raises(ValueError, match="nothing to change"):
        UpdateTokenInput(registry="sandbox", token="x")
    await new_token(stack, name="ci-new")
    with pytest.raises(ConflictError, match="TOKEN_NAME_IN_USE"):
        await new_token(stack, name="ci-new")

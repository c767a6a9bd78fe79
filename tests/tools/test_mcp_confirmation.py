"""delete_registry, replace_registry and risky update_registry calls through the in-memory MCP Client,
in both protocol eras, with and without an elicitation callback: nothing is deleted, replaced or cut
off without a person's yes."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from mcp import Client
from mcp.types import CallToolResult, ElicitRequestParams, ElicitResult

from tests.conftest import Stack
from tests.helpers.text import status, text
from tools.audit import Outcome
from tools.mcp_server import ServerOptions, build_server

ERAS = ["auto", "legacy"]  # auto negotiates 2026-07-28 in-process; legacy = 2025-11-25 handshake

Callback = Callable[[Any, ElicitRequestParams], Awaitable[ElicitResult]]


class Person:
    """An elicitation callback that records the questions and answers like a person would."""

    def __init__(self, *answers: ElicitResult, before: Callable[[], None] | None = None) -> None:
        self.answers = list(answers)
        self.questions: list[str] = []
        self.before = before

    async def __call__(self, ctx: Any, params: ElicitRequestParams) -> ElicitResult:
        self.questions.append(params.message)
        if self.before is not None:
            self.before()
            self.before = None
        return self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]


def typed(name: str) -> ElicitResult:
    return ElicitResult(action="accept", content={"name": name})


async def call(
    stack: Stack,
    mode: str,
    tool: str,
    args: dict[str, Any],
    person: Callback | None = None,
    options: ServerOptions | None = None,
) -> CallToolResult:
    server = build_server(stack.core, options)
    async with Client(server, mode=mode, elicitation_callback=person) as client:  # type: ignore[arg-type]
        return await client.call_tool(tool, args)


# ---------------------------------------------------------------- with a person to ask


@pytest.mark.parametrize("mode", ERAS)
async def test_delete_after_the_person_types_the_name(stack: Stack, mode: str) -> None:
    person = Person(typed("sandbox"))
    result = await call(stack, mode, "delete_registry", {"registry": "sandbox"}, person)
    assert not result.is_error, text(result)
    assert status(result) == "executed"
    assert stack.registry_named("sandbox") is None
    [question] = person.questions
    assert "DELETE registry sandbox" in question
    assert "Type 'sandbox' to confirm." in question
    assert [r.outcome for r in stack.records] == [Outcome.EXECUTED]


@pytest.mark.parametrize("mode", ERAS)
@pytest.mark.parametrize("action", ["decline", "cancel"])
async def test_decline_or_cancel_changes_nothing_and_says_so(stack: Stack, mode: str, action: str) -> None:
    person = Person(ElicitResult(action=action))
    result = await call(stack, mode, "delete_registry", {"registry": "sandbox"}, person)
    assert not result.is_error
    assert status(result) == "declined"
    assert "Nothing changed" in text(result)
    assert stack.registry_named("sandbox") is not None
    assert [r.outcome for r in stack.records] == [Outcome.DECLINED]


@pytest.mark.parametrize("mode", ERAS)
async def test_a_wrong_name_changes_nothing(stack: Stack, mode: str) -> None:
    result = await call(stack, mode, "delete_registry", {"registry": "sandbox"}, Person(typed("sandbox2")))
    assert status(result) == "declined"
    assert "did not match" in text(result)
    assert stack.registry_named("sandbox") is not None


@pytest.mark.parametrize("mode", ERAS)
async def test_replace_after_the_person_types_the_name(stack: Stack, mode: str) -> None:
    person = Person(typed("ci-cache"))
    args = {"registry": "ci-cache", "gc_days": ["Monday"], "api_subnet_allow_list": ["10.0.0.0/8"]}
    result = await call(stack, mode, "replace_registry", args, person)
    assert not result.is_error, text(result)
    assert status(result) == "executed"
    stored = stack.registry_named("ci-cache")
    assert stored is not None
    assert stored.allow_list == ["10.0.0.0/8"]
    assert "API allow list: unrestricted (empty allow list) -> 10.0.0.0/8" in person.questions[0]


async def test_state_changed_while_asking_legacy_refuses_with_the_new_state(stack: Stack) -> None:
    def someone_else_edits() -> None:
        stored = stack.registry_named("sandbox")
        assert stored is not None
        stored.allow_list = ["192.0.2.1/32"]

    person = Person(typed("sandbox"), before=someone_else_edits)
    result = await call(stack, "legacy", "delete_registry", {"registry": "sandbox"}, person)
    assert result.is_error
    assert "changed since the preview" in text(result)
    assert "192.0.2.1/32" in text(result), "the refusal shows the new state"
    assert stack.registry_named("sandbox") is not None
    assert [r.outcome for r in stack.records] == [Outcome.STALE]


async def test_state_changed_while_asking_2026_asks_again_with_the_new_state(stack: Stack) -> None:
    def someone_else_edits() -> None:
        stored = stack.registry_named("sandbox")
        assert stored is not None
        stored.allow_list = ["192.0.2.1/32"]

    person = Person(typed("sandbox"), ElicitResult(action="decline"), before=someone_else_edits)
    result = await call(stack, "auto", "delete_registry", {"registry": "sandbox"}, person)
    assert len(person.questions) == 2, "the answer to the old question is not applied to the new state"
    assert person.questions[0] != person.questions[1]
    assert status(result) == "declined"
    assert stack.registry_named("sandbox") is not None


@pytest.mark.parametrize("mode", ERAS)
async def test_protected_registries_are_refused_without_asking(stack: Stack, mode: str) -> None:
    person = Person(typed("prod-images"))
    result = await call(stack, mode, "delete_registry", {"registry": "prod-images"}, person)
    assert result.is_error
    assert "protected" in text(result)
    assert person.questions == []
    assert stack.registry_named("prod-images") is not None
    assert [r.outcome for r in stack.records] == [Outcome.DENIED]


# ---------------------------------------------------------------- no elicitation: the token fallback


@pytest.mark.parametrize("mode", ERAS)
async def test_token_fallback_previews_then_acts_on_the_second_call(stack: Stack, mode: str) -> None:
    first = await call(stack, mode, "delete_registry", {"registry": "sandbox"})
    assert not first.is_error
    assert first.structured_content is not None
    assert first.structured_content["status"] == "confirmation_required"
    assert "DELETE registry sandbox" in text(first)
    assert stack.registry_named("sandbox") is not None, "the first call only previews"
    token = first.structured_content["confirmation_token"]
    second = await call(stack, mode, "delete_registry", {"registry": "sandbox", "confirmation_token": token})
    assert not second.is_error, text(second)
    assert stack.registry_named("sandbox") is None
    replay = await call(stack, mode, "delete_registry", {"registry": "sandbox", "confirmation_token": token})
    assert replay.is_error
    assert "already used" in text(replay)


@pytest.mark.parametrize("mode", ERAS)
async def test_token_fallback_for_replace_binds_the_arguments(stack: Stack, mode: str) -> None:
    args: dict[str, Any] = {"registry": "ci-cache", "gc_days": ["Monday"]}
    first = await call(stack, mode, "replace_registry", args)
    assert first.structured_content is not None
    token = first.structured_content["confirmation_token"]
    changed = await call(stack, mode, "replace_registry", {**args, "gc_days": ["Sunday"], "confirmation_token": token})
    assert changed.is_error
    assert "arguments differ" in text(changed)
    fresh = await call(stack, mode, "replace_registry", args)
    assert fresh.structured_content is not None
    ok = await call(
        stack, mode, "replace_registry", {**args, "confirmation_token": fresh.structured_content["confirmation_token"]}
    )
    assert not ok.is_error, text(ok)
    stored = stack.registry_named("ci-cache")
    assert stored is not None
    assert stored.schedule is not None
    assert stored.schedule["days"] == ["Monday"]


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda token: token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB"), "not a valid"),
        (lambda token: "not-a-token", "not a valid"),
    ],
)
async def test_tampered_tokens_are_refused(stack: Stack, mutate: Callable[[str], str], message: str) -> None:
    first = await call(stack, "auto", "delete_registry", {"registry": "sandbox"})
    assert first.structured_content is not None
    bad = mutate(first.structured_content["confirmation_token"])
    result = await call(stack, "auto", "delete_registry", {"registry": "sandbox", "confirmation_token": bad})
    assert result.is_error
    assert message in text(result)
    assert stack.registry_named("sandbox") is not None
    [record] = stack.records
    assert (record.outcome, record.operation, record.registry_name) == (Outcome.DENIED, "delete_registry", "sandbox")


async def test_expired_tokens_are_refused(stack: Stack) -> None:
    first = await call(stack, "auto", "delete_registry", {"registry": "sandbox"})
    assert first.structured_content is not None
    stack.clock.now += 301
    result = await call(
        stack,
        "auto",
        "delete_registry",
        {"registry": "sandbox", "confirmation_token": first.structured_content["confirmation_token"]},
    )
    assert result.is_error
    assert "expired" in text(result)
    assert stack.registry_named("sandbox") is not None


async def test_a_token_for_one_registry_cannot_delete_another(stack: Stack) -> None:
    first = await call(stack, "auto", "delete_registry", {"registry": "sandbox"})
    assert first.structured_content is not None
    token = first.structured_content["confirmation_token"]
    result = await call(stack, "auto", "delete_registry", {"registry": "analytics", "confirmation_token": token})
    assert result.is_error
    assert "is for sandbox, not analytics" in text(result)
    assert stack.registry_named("analytics") is not None


async def test_token_path_refuses_when_the_registry_changed(stack: Stack) -> None:
    first = await call(stack, "auto", "delete_registry", {"registry": "sandbox"})
    assert first.structured_content is not None
    stored = stack.registry_named("sandbox")
    assert stored is not None
    stored.schedule = {"days": ["Sunday"], "time": "04:00:00+00:00"}
    result = await call(
        stack,
        "auto",
        "delete_registry",
        {"registry": "sandbox", "confirmation_token": first.structured_content["confirmation_token"]},
    )
    assert result.is_error
    assert "changed since the preview" in text(result)
    assert "GC Sun 04:00 UTC" in text(result)


@pytest.mark.parametrize("mode", ERAS)
async def test_deny_fallback_names_the_missing_capability(stack: Stack, mode: str) -> None:
    result = await call(
        stack, mode, "delete_registry", {"registry": "sandbox"}, options=ServerOptions(confirm_fallback="deny")
    )
    assert result.is_error
    assert "elicitation" in text(result)
    assert "Nothing was changed" in text(result)
    assert stack.registry_named("sandbox") is not None
    assert [r.outcome for r in stack.records] == [Outcome.DENIED]


async def test_put_on_a_new_uuid_creates_without_confirmation(stack: Stack) -> None:
    rid = "4f1c2e8a-9b7d-4c3e-8f00-0123456789ab"
    result = await call(stack, "auto", "replace_registry", {"registry": rid, "name": "put-made", "location": "de/txl"})
    assert not result.is_error, text(result)
    assert status(result) == "created"
    assert stack.registry_named("put-made") is not None


# ---------------------------------------------------------------- risky updates


@pytest.mark.parametrize("mode", ERAS)
async def test_a_risky_update_asks_the_person_first(stack: Stack, mode: str) -> None:
    person = Person(typed("data-pipeline"))
    args = {"registry": "data-pipeline", "allow_remove": ["203.0.113.112/32"], "allow_add": ["10.20.0.0/16"]}
    result = await call(stack, mode, "update_registry", args, person)
    assert not result.is_error, text(result)
    assert status(result) == "executed"
    [question] = person.questions
    assert "API allow list: 203.0.113.112/32 -> 10.20.0.0/16" in question
    assert "removes 203.0.113.112/32 from the allow list" in question
    assert stack.registry_named("data-pipeline").allow_list == ["10.20.0.0/16"]  # type: ignore[union-attr]
    assert [r.outcome for r in stack.records] == [Outcome.EXECUTED]


@pytest.mark.parametrize("mode", ERAS)
async def test_a_declined_risky_update_changes_nothing(stack: Stack, mode: str) -> None:
    args = {"registry": "prod-images", "api_subnet_allow_list": ["0.0.0.0/0"]}
    result = await call(stack, mode, "update_registry", args, Person(ElicitResult(action="decline")))
    assert status(result) == "declined"
    assert stack.registry_named("prod-images").allow_list == []  # type: ignore[union-attr]
    assert [r.outcome for r in stack.records] == [Outcome.DECLINED]


@pytest.mark.parametrize("mode", ERAS)
async def test_a_safe_update_runs_without_asking(stack: Stack, mode: str) -> None:
    person = Person(typed("nobody"))
    result = await call(
        stack, mode, "update_registry", {"registry": "data-pipeline", "allow_add": ["10.1.0.0/16"]}, person
    )
    assert not result.is_error, text(result)
    assert person.questions == []
    assert "API allow list: 203.0.113.112/32 -> 203.0.113.112/32, 10.1.0.0/16" in text(result)


@pytest.mark.parametrize("mode", ERAS)
async def test_a_risky_update_by_token_binds_the_arguments_and_is_single_use(stack: Stack, mode: str) -> None:
    args: dict[str, Any] = {"registry": "prod-images", "api_subnet_allow_list": ["0.0.0.0/0"]}
    first = await call(stack, mode, "update_registry", args)
    assert first.structured_content is not None
    assert first.structured_content["status"] == "confirmation_required"
    assert "DENIES all traffic" in text(first)
    assert "protected" in text(first)
    token = first.structured_content["confirmation_token"]
    other = await call(
        stack, mode, "update_registry", {**args, "api_subnet_allow_list": [], "confirmation_token": token}
    )
    assert "arguments differ" in text(other)
    done = await call(stack, mode, "update_registry", {**args, "confirmation_token": token})
    assert not done.is_error, text(done)
    assert stack.registry_named("prod-images").allow_list == ["0.0.0.0/0"]  # type: ignore[union-attr]
    again = await call(stack, mode, "update_registry", {**args, "confirmation_token": token})
    assert "already used" in text(again)
    assert [r.outcome for r in stack.records] == [Outcome.DENIED, Outcome.EXECUTED, Outcome.DENIED]

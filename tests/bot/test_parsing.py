"""Slash text → typed request: every subcommand, every error, and a fuzzer that never finds a crash."""

from __future__ import annotations

import asyncio
import contextlib
import re
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.access import Access
from bot.answers import answer, answered
from bot.deps import BotDeps
from bot.parsing import SPECS, UsageError, normalise, parse
from tests.bot.blockkit import assert_valid_message
from tests.conftest import api_settings
from tools import RegistryClient
from tools.app import Core
from tools.audit import AuditLog
from tools.config import SafetySettings
from tools.emulator.app import build_app
from tools.emulator.backend import Backend
from tools.operations import CreateInput, FollowRefInput, ListInput, ReplaceInput, UpdateInput


def test_every_subcommand_parses_into_the_shared_input_models() -> None:
    assert parse("").command == "help"
    assert parse("help create").args == "create"
    assert parse("help create").op is None
    assert parse("list").args == ListInput()
    assert parse("list prod --limit 5").args == ListInput(name_filter="prod", limit=5)
    assert parse("get prod-images").args == FollowRefInput(registry="prod-images")
    assert parse("locations").command == "locations"
    assert parse("check my-name").args.name == "my-name"
    assert parse(
        "create demo --location de/fra --gc-days Mon,Thu --gc-time 01:30 --no-scan --allow 10.0.0.0/8,192.0.2.1"
    ).args == CreateInput(
        name="demo",
        location="de/fra",
        gc_days=["Monday", "Thursday"],
        gc_time="01:30",
        vulnerability_scanning=False,
        api_subnet_allow_list=["10.0.0.0/8", "192.0.2.1"],
    )
    assert parse("update demo --scan --allow none").args == UpdateInput(
        registry="demo", vulnerability_scanning=True, api_subnet_allow_list=[]
    )
    assert parse("update demo --allow-add 10.0.0.0/8,192.0.2.1 --allow-remove 203.0.113.7/32").args == UpdateInput(
        registry="demo", allow_add=["10.0.0.0/8", "192.0.2.1"], allow_remove=["203.0.113.7/32"]
    )
    assert parse("update demo --gc-days mon --gc-time 1:30").args.gc_time == "01:30:00+00:00"
    assert parse("replace demo --gc-days Sat --no-scan").args == ReplaceInput(
        registry="demo", gc_days=["Saturday"], vulnerability_scanning=False
    )
    assert parse("delete demo").args == FollowRefInput(registry="demo")


def test_what_phones_and_slack_do_to_text_is_undone() -> None:
    assert normalise("create x —location de/fra") == "create x --location de/fra"
    assert parse("create demo —location de/fra").args.location == "de/fra"
    assert parse("list “prod images”").args.name_filter == "prod images"
    assert normalise("a &amp; b &lt;c&gt;") == "a & b <c>"
    assert parse("update demo --gc-days Mon, Thu").args.gc_days == ["Monday", "Thursday"]


def test_aliases() -> None:
    assert parse("ls").command == "list"
    assert parse("rm demo").command == "delete"
    assert parse("show demo").command == "get"


@pytest.mark.parametrize(
    ("text", "subcommand", "problem"),
    [
        ("create Bad_Name --location de/fra", "create", "NAME: must be 3-63 characters"),
        ("create demo", "create", "--location is required"),
        ("create demo --location", "create", "--location: expected one argument"),
        ("create demo --location de/fra --gc-time 01:00", "create", "--gc-time needs --gc-days"),
        ("create demo --location de/fra --gc-days Funday", "create", "--gc-days"),
        ("create demo --location de/fra --allow 10.0.0.0/33", "create", "not an IPv4/IPv6 address or CIDR"),
        ("update demo", "update", "nothing to change"),
        ("update demo --no-gc --gc-days Mon", "update", "--no-gc cannot be combined with --gc-days"),
        ("update demo --allow 10.0.0.0/8 --allow-add 10.1.0.0/16", "update", "--allow sets the whole list"),
        ("update demo --allow-add 10.0.0.0/8 --allow-remove 10.0.0.0/8", "update", "both added and removed"),
        ("list --limit ten", "list", "--limit: 'ten' is not a whole number"),
        ("list --limit 500", "list", "--limit: must be at most 100 (given 500)"),
        ("get", "get", "the following arguments are required: NAME|ID"),
        ("get a b", "get", "unrecognized arguments: b"),
        ("delete demo --force", "delete", "unrecognized arguments: --force"),
        ("update demo --allow-add 10.0.0.0/8,1.2.3.4/99", "update", "--allow-add: '1.2.3.4/99' is not an IPv4"),
        ("tokens list demo --limit 0", "tokens list", "--limit: must be at least 1 (given 0)"),
    ],
)
def test_malformed_text_answers_with_that_usage(text: str, subcommand: str, problem: str) -> None:
    with pytest.raises(UsageError) as info:
        parse(text)
    assert info.value.spec is SPECS[subcommand]
    assert problem in info.value.problem
    # The person's words, not the schema's: a flag has two dashes, a list item no index, no pydantic phrasing.
    assert not re.search(r"---|\.\d+\b:|Input should", info.value.problem), info.value.problem


def test_unknown_subcommands_suggest_the_closest() -> None:
    with pytest.raises(UsageError) as info:
        parse("delte demo")
    assert (info.value.spec, info.value.suggestion) == (None, "delete")
    with pytest.raises(UsageError, match="could not read the command"):
        parse('get "unterminated')


def test_usage_and_help_speak_slack_not_schema() -> None:
    create = SPECS["create"]
    assert create.usage() == (
        "/registry create NAME --location LOC [--gc-days mon,thu] [--gc-time 01:30] [--no-scan] [--allow CIDR,…]"
    )
    text = "\n".join(line for spec in SPECS.values() for line in [spec.usage(), spec.summary, *spec.flag_help()])
    for schema_words in ("['Monday'", "True turns", "gc_days", "api_subnet_allow_list", "None"):
        assert schema_words not in text
    assert "--gc-time 01:30: garbage collection time, UTC (default 01:23)" in text
    assert "--allow CIDR,…|none: set the whole allow list" in text
    assert "--allow-remove CIDR,…: remove entries from the allow list" in text


# ---------------------------------------------------------------- fuzzing: always a reply, never a crash

WORDS = st.sampled_from(
    [
        *SPECS,
        "ls",
        "rm",
        "--limit",
        "--location",
        "--gc-days",
        "--gc-time",
        "--allow",
        "--scan",
        "--no-scan",
        "--no-gc",
        "--allow-add",
        "--allow-remove",
        "none",
        "data-pipeline",
        "Prod-Images",
        "prod-images.cr.de-fra.ionos.com",
        "prod-images",
        "sandbox",
        "de/fra",
        "Mon,Thu",
        "01:30",
        "25:99",
        "10.0.0.0/8",
        "::1/200",
        "-",
        "--",
        "—",
        '"',
        "'",
        "&amp;",
        "<@U1>",
        "0",
        "-1",
        "100",
        "101",
        "x" * 70,
        "🦄",
        "\\",
        "\n",
        "ZZZ",
    ]
)
TEXTS = st.one_of(st.text(max_size=200), st.lists(WORDS, max_size=8).map(" ".join))


@pytest.fixture(scope="module")
def fuzz_target() -> Any:
    loop = asyncio.new_event_loop()
    app = build_app(Backend(seed=12))
    client = RegistryClient(api_settings("http://e"), transport=httpx.ASGITransport(app=app))
    deps = BotDeps(Core.build(client, AuditLog(), SafetySettings()), Access(writers=frozenset({"*"})))

    class NoSlack:
        async def usergroups_users_list(self, **_: Any) -> dict[str, Any]:
            return {"users": []}

        async def chat_postMessage(self, **_: Any) -> dict[str, Any]:  # noqa: N802 - Slack's name
            return {"ok": True}

    def run(text: str) -> dict[str, Any]:
        """The handler's own path after the ack: answer, and whatever happens, respond."""
        work = lambda: answer(deps, text, "U1", "C1", NoSlack())  # type: ignore[arg-type]  # noqa: E731
        return loop.run_until_complete(answered(work)).message

    yield run
    loop.run_until_complete(client.aclose())
    loop.close()


@settings(max_examples=2500, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=TEXTS)
def test_any_text_gets_a_valid_reply(fuzz_target: Any, text: str) -> None:
    with contextlib.suppress(UsageError):
        parse(text)
    reply = fuzz_target(text)
    assert_valid_message(reply)

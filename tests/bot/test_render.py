"""Every Block Kit payload parses with slack_sdk and respects Slack's limits, even at the extremes."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime

import pytest

from bot import render
from bot.answers import button_value
from bot.parsing import SPECS
from tests.bot.blockkit import assert_valid_message, assert_valid_view
from tests.conftest import Stack
from tools.confirmation import Plan
from tools.errors import ServerError
from tools.models import ApiErrorMessage
from tools.operations import CATALOGUE, RegistryRefInput, ReplaceInput
from tools.people import Caller
from tools.views import RegistryDetail, RegistryList, RegistrySummary


def summary(i: int) -> RegistrySummary:
    name = f"r{i:02d}-" + "x" * 55
    return RegistrySummary(
        id=str(uuid.uuid4()),
        name=name,
        location="de/fra",
        state="Running",
        hostname=f"{name}.cr.de-fra.ionos.com",
        storage_bytes=i * 1024**3,
        vulnerability_scanning=True,
        gc_schedule="Mon,Tue,Wed,Thu,Fri,Sat,Sun 23:30 UTC",
    )


def test_a_full_page_of_100_long_named_registries_fits_one_message() -> None:
    page = RegistryList(registries=[summary(i) for i in range(100)], next_cursor="c" * 300, more_available=True)
    message = render.with_next_page(render.registry_list(page), f"list --limit 100 --cursor {'c' * 300}")
    assert_valid_message(message)
    shown = "\n".join(b["text"]["text"] for b in message["blocks"] if b["type"] == "section")
    assert all(f"r{i:02d}-" in shown for i in range(100)), "paged, never truncated"
    button = message["blocks"][-1]["elements"][0]
    assert json.loads(button["value"])["q"].endswith("--cursor " + "c" * 300)


def test_help_for_everything_and_each_subcommand() -> None:
    assert_valid_message(render.help_message())
    for spec in SPECS.values():
        assert_valid_message(render.help_message(spec, "something was wrong", None))


def test_registry_card_with_the_largest_allow_list() -> None:
    detail = RegistryDetail(
        id=str(uuid.uuid4()),
        name="a" * 63,
        location="de/fra",
        state="Running",
        hostname="h",
        storage_bytes=1,
        vulnerability_scanning=True,
        gc_schedule="off",
        gc_days=[],
        gc_time=None,
        api_subnet_allow_list=[f"2001:db8:{i:x}::/48" for i in range(25)],
        created_by="x@example.com",
        created_date=datetime.now(UTC),
        last_modified_by=None,
        last_modified_date=None,
        storage_updated_at=None,
    )
    assert_valid_message(render.registry_card(detail, intro="Updated api_subnet_allow_list of it."))


async def test_previews_modal_and_outcomes_are_valid(stack: Stack) -> None:
    inp = RegistryRefInput(registry="sandbox")
    plan = await stack.confirmer.start(CATALOGUE["delete_registry"], inp, Caller("slack:U1", "slack"))
    assert isinstance(plan, Plan)
    message = render.preview(plan, button_value(plan, inp), 300)
    assert_valid_message(message)
    button = message["blocks"][-2]["elements"][0]
    assert button["style"] == "danger"
    assert button["confirm"]["style"] == "danger"
    metadata = json.dumps(
        {"t": plan.token, "a": {"registry": "sandbox"}, "u": "https://hooks.slack.com/x" * 4, "c": "C1"}
    )
    assert_valid_view(render.confirm_modal(plan.claims, metadata))


async def test_the_biggest_replace_still_fits_a_button(stack: Stack) -> None:
    allow = [f"2001:db8:ffff:{i:x}::/64" for i in range(25)]
    inp = ReplaceInput(
        registry="ci-cache",
        gc_days=["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"],
        gc_time="23:59",
        api_subnet_allow_list=allow,
    )
    plan = await stack.confirmer.start(CATALOGUE["replace_registry"], inp, Caller("slack:U1", "slack"))
    assert isinstance(plan, Plan)
    value = button_value(plan, inp)
    assert len(value) <= 2000
    assert_valid_message(render.preview(plan, value, 300))


def test_errors_show_the_ionos_code_message_and_request_id() -> None:
    err = ServerError(
        "get registry x: the API failed with HTTP 503",
        status=503,
        request_id="req-1",
        messages=[ApiErrorMessage(error_code="SERVICE_UNAVAILABLE", message="try later " * 400)],
    )
    message = render.error(err)
    assert_valid_message(message)
    text = json.dumps(message)
    assert "SERVICE_UNAVAILABLE" in text
    assert "req-1" in text


@pytest.mark.parametrize("hostile", ["<!channel>", "<@U123|boss>", "a & b", "*bold* _it_"])
def test_user_text_is_escaped(hostile: str) -> None:
    message = render.help_message(None, f"unknown subcommand {hostile!r}", None)
    assert "<!channel>" not in json.dumps(message)
    assert_valid_message(message)

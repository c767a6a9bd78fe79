"""Every validation rule is enforced locally: a clear error naming the field, and no request sent."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from tools import InvalidInputError, RegistryClient
from tools.emulator.app import EmulatorApp

RID = "123e4567-e89b-12d3-a456-426614174000"
GOOD: dict[str, Any] = {"name": "good-name", "location": "de/fra"}

Call = Callable[[RegistryClient], Awaitable[object]]

CASES: list[tuple[str, Call, str]] = [
    ("name too short", lambda c: c.create_registry({**GOOD, "name": "ab"}), "name"),
    ("name uppercase", lambda c: c.create_registry({**GOOD, "name": "Prod"}), "name"),
    ("name starts with digit", lambda c: c.create_registry({**GOOD, "name": "1prod"}), "name"),
    ("name ends with hyphen", lambda c: c.create_registry({**GOOD, "name": "prod-"}), "name"),
    ("name too long", lambda c: c.create_registry({**GOOD, "name": "a" * 64}), "name"),
    ("location missing", lambda c: c.create_registry({"name": "good-name"}), "location"),
    (
        "weekday unknown",
        lambda c: c.create_registry({**GOOD, "garbage_collection_schedule": {"days": ["Someday"]}}),
        "garbage_collection_schedule.days",
    ),
    (
        "no weekdays",
        lambda c: c.create_registry({**GOOD, "garbage_collection_schedule": {"days": []}}),
        "garbage_collection_schedule.days",
    ),
    (
        "time not a time",
        lambda c: c.create_registry({**GOOD, "garbage_collection_schedule": {"days": ["Monday"], "time": "half past"}}),
        "garbage_collection_schedule.time",
    ),
    (
        "time not UTC",
        lambda c: c.create_registry(
            {**GOOD, "garbage_collection_schedule": {"days": ["Monday"], "time": "01:00+01:00"}}
        ),
        "garbage_collection_schedule.time",
    ),
    (
        "allow list item",
        lambda c: c.create_registry({**GOOD, "api_subnet_allow_list": ["10.0.0.0/40"]}),
        "api_subnet_allow_list: '10.0.0.0/40'",
    ),
    (
        "allow list too long",
        lambda c: c.create_registry({**GOOD, "api_subnet_allow_list": [f"10.0.0.{i}" for i in range(26)]}),
        "api_subnet_allow_list",
    ),
    ("unknown field", lambda c: c.create_registry({**GOOD, "colour": "red"}), "colour"),
    ("replace bad id", lambda c: c.replace_registry("nope", GOOD), "registry_id"),
    ("replace bad name", lambda c: c.replace_registry(RID, {**GOOD, "name": "X"}), "name"),
    ("update empty", lambda c: c.update_registry(RID, {}), "at least one"),
    ("update name", lambda c: c.update_registry(RID, {"name": "renamed"}), "name"),
    ("update bad id", lambda c: c.update_registry("123", {"api_subnet_allow_list": []}), "registry_id"),
    ("get bad id", lambda c: c.get_registry("../locations"), "registry_id"),
    ("delete bad id", lambda c: c.delete_registry("all"), "registry_id"),
    ("find bad name", lambda c: c.find_registry("Not Valid"), "name"),
    ("list limit zero", lambda c: c.list_registries(limit=0), "limit"),
    ("list limit huge", lambda c: c.list_registries(limit=5000), "limit"),
]


@pytest.mark.parametrize(("call", "field"), [(c[1], c[2]) for c in CASES], ids=[c[0] for c in CASES])
async def test_rejected_locally_naming_the_field(
    client: RegistryClient, emulator: EmulatorApp, call: Call, field: str
) -> None:
    with pytest.raises(InvalidInputError) as info:
        await call(client)
    assert field in str(info.value)
    assert info.value.status is None
    assert sum(emulator.hooks.requests.values()) == 0, "nothing was sent to the API"

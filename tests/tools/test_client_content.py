"""client.tokens, .repositories, .artifacts, .vulnerabilities against the emulator: paging, encoding,
validation before any request, and the password that only POST returns."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from tests.conftest import api_settings
from tools import InvalidInputError, NotFoundError, RegistryClient
from tools.emulator.app import EmulatorApp, build_app
from tools.emulator.backend import Backend
from tools.models import ScopeSpec, Severity

RID = "123e4567-e89b-12d3-a456-426614174000"
DIGEST = "sha256:" + "a" * 64


async def rid_of(client: RegistryClient, name: str = "prod-images") -> str:
    reg = await client.find_registry(name)
    assert reg is not None
    return reg.id


async def test_lists_page_lazily_with_offset_and_limit(clock: Any) -> None:
    emulator = build_app(Backend(seed=3, clock=clock), artifacts=250)
    transport = httpx.ASGITransport(app=emulator)
    async with RegistryClient(api_settings("http://e"), transport=transport) as client:
        rid = await rid_of(client)
        everything = [a async for a in client.artifacts.iter_in_registry(rid, page_size=40)]
        assert len(everything) == 250
        assert len({a.digest for a in everything}) == 250
        pages = emulator.hooks.requests["GET"]
        iterator = client.artifacts.iter_in_registry(rid, page_size=40)
        await anext(iterator)
        await iterator.aclose()
        assert emulator.hooks.requests["GET"] - pages <= 2, "one page of lookahead, never further"


async def test_tokens_page_with_a_total(client: RegistryClient) -> None:
    rid = await rid_of(client)
    for i in range(5):
        await client.tokens.create(rid, {"name": f"t-{i}", "scopes": [ScopeSpec.parse("team/*:pull")]})
    first = await client.tokens.list(rid, limit=2)
    assert len(first.items) == 2
    assert first.next_offset == 2
    assert first.total is not None
    names = [t.name async for t in client.tokens.iter(rid, page_size=2)]
    assert len(names) == first.total
    assert {f"t-{i}" for i in range(5)} <= set(names)


async def test_the_password_comes_once_and_stays_secret(client: RegistryClient) -> None:
    rid = await rid_of(client)
    created = await client.tokens.create(rid, {"name": "ci-new", "scopes": [{"name": "team/*", "actions": ["push"]}]})
    assert created.password is not None
    secret = created.password.get_secret_value()
    assert len(secret) >= 20
    assert secret not in repr(created)
    assert secret not in str(created)
    again = await client.tokens.get(rid, created.id)
    assert again.password is None


async def test_token_updates_and_replacement(client: RegistryClient) -> None:
    rid = await rid_of(client)
    created = await client.tokens.create(rid, {"name": "life", "scopes": [ScopeSpec.parse("a/*:pull,push")]})
    when = datetime(2027, 1, 2, 3, 4, 5, tzinfo=UTC)
    patched = await client.tokens.update(rid, created.id, {"status": "disabled", "expiry_date": when})
    assert (patched.enabled, patched.properties.expiry_date) == (False, when)
    never = await client.tokens.update(rid, created.id, {"expiry_date": None})
    assert never.properties.expiry_date is None
    replaced = await client.tokens.replace(rid, created.id, {"name": "life", "scopes": [ScopeSpec.parse("b:pull")]})
    assert [s.text() for s in replaced.properties.scopes or []] == ["b:pull"]
    assert replaced.enabled, "PUT resets the status to its default"
    await client.tokens.delete(rid, created.id)
    with pytest.raises(NotFoundError):
        await client.tokens.get(rid, created.id)


async def test_repository_names_with_slashes_travel_encoded(client: RegistryClient, emulator: EmulatorApp) -> None:
    rid = await rid_of(client)
    repo = await client.repositories.get(rid, "team/app")
    assert repo.name == "team/app"
    assert (repo.metadata.artifact_count or 0) >= 2
    artifacts = await client.artifacts.list(rid, "team/app")
    one = await client.artifacts.get(rid, "team/app", artifacts.items[0].digest)
    assert one.digest == artifacts.items[0].digest
    vulns = [v async for v in client.vulnerabilities.iter_of_artifact(rid, "team/app", one.digest)]
    ranks = [v.severity.rank for v in vulns]
    assert ranks == sorted(ranks), "worst first"
    await client.repositories.delete(rid, "team/app")
    with pytest.raises(NotFoundError):
        await client.repositories.get(rid, "team/app")


async def test_filters(client: RegistryClient) -> None:
    rid = await rid_of(client)
    critical = [r async for r in client.repositories.iter(rid, severity="CRITICAL")]
    assert critical
    assert all(r.metadata.last_severity == "Critical" for r in critical)
    named = [r.name async for r in client.repositories.iter(rid, name_filter="team")]
    assert named
    assert all("team" in n for n in named)
    [tagged] = [a for a in (await client.artifacts.list(rid, "team/app")).items if "1.4.2" in a.tags]
    fixable = await client.vulnerabilities.of_artifact(rid, "team/app", tagged.digest, fixable=False)
    assert all(v.properties.fixable is False for v in fixable.items)
    highs = await client.vulnerabilities.of_artifact(rid, "team/app", tagged.digest, severity=Severity.CRITICAL)
    assert {v.severity for v in highs.items} == {Severity.CRITICAL}


Call = Callable[[RegistryClient], Awaitable[object]]
INVALID: list[tuple[str, Call, str]] = [
    ("registry id", lambda c: c.tokens.list("not-a-uuid"), "registry_id"),
    ("token id", lambda c: c.tokens.get(RID, "nope"), "token_id"),
    ("limit", lambda c: c.tokens.list(RID, limit=0), "limit"),
    ("offset", lambda c: c.repositories.list(RID, offset=-1), "offset"),
    (
        "token name",
        lambda c: c.tokens.create(RID, {"name": "has space", "scopes": [{"name": "a", "actions": ["pull"]}]}),
        "name",
    ),
    (
        "scope action",
        lambda c: c.tokens.create(RID, {"name": "ok", "scopes": [{"name": "a", "actions": ["fly"]}]}),
        "actions",
    ),
    ("no scopes", lambda c: c.tokens.create(RID, {"name": "ok", "scopes": []}), "scopes"),
    ("repository", lambda c: c.repositories.get(RID, "Team/App"), "repository"),
    ("digest", lambda c: c.artifacts.get(RID, "team/app", "sha256:xyz"), "digest"),
    ("vulnerability", lambda c: c.vulnerabilities.get("not an id"), "vulnerability_id"),
    ("sweep id", lambda c: c.artifacts.list_in_registry(RID, vulnerability_id="?"), "vulnerability_id"),
]


@pytest.mark.parametrize(("what", "call", "field"), INVALID, ids=[c[0] for c in INVALID])
async def test_bad_input_is_refused_before_any_request(
    client: RegistryClient, emulator: EmulatorApp, what: str, call: Call, field: str
) -> None:
    before = sum(emulator.hooks.requests.values())
    with pytest.raises(InvalidInputError) as info:
        await call(client)
    assert field in str(info.value)
    assert sum(emulator.hooks.requests.values()) == before


async def test_vulnerability_ids_are_case_insensitive(client: RegistryClient) -> None:
    advisory = await client.vulnerabilities.get("cve-2021-44228")
    assert advisory.id == "CVE-2021-44228"
    assert advisory.properties.fixable is True
    assert "2.17.1" in (advisory.properties.recommendations or "")


async def test_expired_and_expiring_tokens_are_in_the_samples(client: RegistryClient, clock: Any) -> None:
    now = clock.now
    expiries = [
        t.properties.expiry_date async for r in client.iter_registries() async for t in client.tokens.iter(r.id)
    ]
    assert any(e is not None and e < now for e in expiries), "some expired"
    assert any(e is not None and now < e < now + timedelta(days=7) for e in expiries), "some expiring soon"
    assert any(e is None for e in expiries), "some never expire"

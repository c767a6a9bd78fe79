"""The emulator's own contract, spoken to with raw HTTP (no client in between)."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator

import httpx
import pytest

from tools.emulator.__main__ import parse_args
from tools.emulator.app import EmulatorApp, build_app
from tools.emulator.backend import Backend

BASE = "http://emu/containerregistries"
AUTH = {"Authorization": "Bearer anything"}


@pytest.fixture
async def raw(emulator: EmulatorApp) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=emulator), base_url=BASE) as c:
        yield c


def assert_ionos_error(response: httpx.Response, status: int, code: str) -> None:
    assert response.status_code == status
    body = response.json()
    assert body["httpStatus"] == status
    assert body["messages"][0]["errorCode"] == code
    assert body["messages"][0]["message"]
    assert response.headers["x-request-id"]


async def test_no_credentials_is_401_with_the_ionos_body(raw: httpx.AsyncClient) -> None:
    assert_ionos_error(await raw.get("/registries"), 401, "UNAUTHORIZED")


async def test_basic_auth_is_accepted_and_names_the_creator(raw: httpx.AsyncClient) -> None:
    basic = {"Authorization": "Basic " + base64.b64encode(b"ann@example.com:pw").decode()}
    created = await raw.post("/registries", headers=basic, json={"properties": {"name": "anns", "location": "de/fra"}})
    assert created.status_code == 201
    assert created.headers["location"].endswith(created.json()["id"])
    assert created.json()["metadata"]["createdBy"] == "ann@example.com"


async def test_with_a_fixed_token_only_that_bearer_token_works() -> None:
    app = build_app(Backend(seed=1), token="only-this")
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE) as c:
        assert (await c.get("/registries", headers={"Authorization": "Bearer only-this"})).status_code == 200
        assert (await c.get("/registries", headers=AUTH)).status_code == 401
        basic = {"Authorization": "Basic " + base64.b64encode(b"u:p").decode()}
        assert (await c.get("/registries", headers=basic)).status_code == 401


@pytest.mark.parametrize(
    ("method", "path", "body", "status", "code"),
    [
        ("GET", "/registries/not-a-uuid", None, 400, "INVALID_ID"),
        ("GET", "/registries/123e4567-e89b-12d3-a456-426614174000", None, 404, "NOT_FOUND"),
        ("PATCH", "/registries/123e4567-e89b-12d3-a456-426614174000", {}, 404, "NOT_FOUND"),
        ("DELETE", "/registries/123e4567-e89b-12d3-a456-426614174000", None, 404, "NOT_FOUND"),
        ("GET", "/registries?limit=0", None, 400, "INVALID_LIMIT"),
        ("GET", "/registries?limit=ten", None, 400, "INVALID_LIMIT"),
        ("GET", "/registries?pagination.token=forged", None, 400, "INVALID_PAGINATION_TOKEN"),
        ("POST", "/registries", {"name": "flat", "location": "de/fra"}, 400, "VALIDATION_FAILED"),
        (
            "POST",
            "/registries",
            {"properties": {"name": "x", "location": "de/fra"}},
            400,
            "VALIDATION_FAILED",
        ),
        (
            "POST",
            "/registries",
            {"properties": {"name": "snake", "location": "de/fra", "api_subnet_allow_list": []}},
            400,
            "VALIDATION_FAILED",
        ),
        (
            "POST",
            "/registries",
            {"properties": {"name": "bad-cidr", "location": "de/fra", "apiSubnetAllowList": ["10.0.0.0/33"]}},
            400,
            "VALIDATION_FAILED",
        ),
        (
            "POST",
            "/registries",
            {
                "properties": {
                    "name": "bad-day",
                    "location": "de/fra",
                    "garbageCollectionSchedule": {"days": ["Caturday"], "time": "01:00:00Z"},
                }
            },
            400,
            "VALIDATION_FAILED",
        ),
        ("GET", "/nowhere", None, 404, "NOT_FOUND"),
        ("PUT", "/registries", {}, 405, "METHOD_NOT_ALLOWED"),
    ],
)
async def test_errors_have_the_ionos_body(
    raw: httpx.AsyncClient, method: str, path: str, body: object, status: int, code: str
) -> None:
    response = await raw.request(method, path, json=body, headers=AUTH)
    assert_ionos_error(response, status, code)


async def test_malformed_json_is_400(raw: httpx.AsyncClient) -> None:
    response = await raw.post("/registries", content=b"{nope", headers=AUTH)
    assert_ionos_error(response, 400, "MALFORMED_BODY")


async def test_patch_cannot_rename(raw: httpx.AsyncClient) -> None:
    listed = (await raw.get("/registries?limit=1", headers=AUTH)).json()
    rid = listed["items"][0]["id"]
    response = await raw.patch(f"/registries/{rid}", json={"name": "renamed"}, headers=AUTH)
    assert_ionos_error(response, 400, "VALIDATION_FAILED")
    assert "name cannot be changed" in response.json()["messages"][0]["message"]


async def test_list_envelope_and_links(raw: httpx.AsyncClient) -> None:
    body = (await raw.get("/registries?limit=5&filter.name=e", headers=AUTH)).json()
    assert (body["id"], body["type"]) == ("registries", "collection")
    assert body["pagination"]["limit"] == 5
    assert body["_links"]["next"].endswith("pagination.token=" + body["pagination"]["token"])
    last = (await raw.get("/registries?limit=100", headers=AUTH)).json()
    assert (last["pagination"]["token"], last["_links"]["next"]) == ("", "")


async def test_name_check_is_inverted_and_bodiless(raw: httpx.AsyncClient) -> None:
    taken = await raw.head("/names/prod-images", headers=AUTH)
    free = await raw.head("/names/free-name", headers=AUTH)
    invalid = await raw.head("/names/No", headers=AUTH)
    assert (taken.status_code, free.status_code, invalid.status_code) == (200, 404, 400)
    assert taken.content == free.content == invalid.content == b""


async def test_reset_restores_the_seed_and_faults_are_consumed(raw: httpx.AsyncClient) -> None:
    await raw.post("/registries", json={"properties": {"name": "temp-one", "location": "de/fra"}}, headers=AUTH)
    fault = await raw.post("http://emu/_emulator/faults", json={"status": 500, "count": 1})
    assert fault.json() == {"queued": 1}
    assert_ionos_error(await raw.get("/locations", headers=AUTH), 500, "INJECTED_FAULT")
    assert (await raw.get("/locations", headers=AUTH)).status_code == 200
    reset = await raw.post("http://emu/_emulator/reset")
    assert reset.json() == {"registries": 12}


async def test_bad_fault_specs_are_refused(raw: httpx.AsyncClient) -> None:
    bad = await raw.post("http://emu/_emulator/faults", json={"status": 999})
    assert bad.status_code == 400
    unknown = await raw.post("http://emu/_emulator/faults", json={"colour": "red"})
    assert "colour" in unknown.json()["error"]


def test_the_same_seed_gives_the_same_registries() -> None:
    first = Backend(seed=50).list(None, "100", None)["items"]
    second = Backend(seed=50).list(None, "100", None)["items"]
    assert [r["id"] for r in first] == [r["id"] for r in second]
    assert len(first) == 50


def test_cli_rejects_negative_numbers(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        parse_args(["--seed", "-1"])
    assert "must not be negative" in capsys.readouterr().err
    args = parse_args(["--seed", "3", "--port", "0", "--token", "t", "--latency-ms", "20"])
    assert (args.seed, args.port, args.token, args.latency_ms) == (3, 0, "t", 20.0)


async def test_stats_count_the_requests_that_reached_one_path(raw: httpx.AsyncClient) -> None:
    page = await raw.get("/registries", headers=AUTH)
    rid = page.json()["items"][0]["id"]
    for _ in range(3):
        await raw.get(f"/registries/{rid}", headers=AUTH)
    stats = await raw.get("http://emu/_emulator/stats", params={"path": f"/containerregistries/registries/{rid}"})
    assert stats.json()["path"] == {"GET": 3}

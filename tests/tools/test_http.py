"""HTTP mechanics with httpx.MockTransport: headers, status → error, retries, secrecy."""

from __future__ import annotations

import base64
import json
import logging
import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from tests.conftest import TOKEN, api_settings
from tools import (
    ApiError,
    ConflictError,
    ConnectionFailedError,
    ForbiddenError,
    InvalidInputError,
    NotFoundError,
    RateLimitedError,
    RegistryClient,
    RegistryError,
    RequestTimeoutError,
    RetryPolicy,
    ServerError,
    UnauthorizedError,
)
from tools.client._http import parse_retry_after, retry_delay

RID = "123e4567-e89b-12d3-a456-426614174000"
REGISTRY = {
    "id": RID,
    "type": "registry",
    "metadata": {"state": "Running"},
    "properties": {"name": "prod-images", "location": "de/fra"},
}
FAST = RetryPolicy(max_retries=3, max_total_wait=5.0, initial_wait=0.02, max_wait=0.05)

Handler = Callable[[httpx.Request], httpx.Response]


class Recorder:
    """A MockTransport that answers from a script and records every request."""

    def __init__(self, *answers: httpx.Response | Exception | Handler) -> None:
        self.answers = list(answers)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        if isinstance(answer, Exception):
            raise answer
        if callable(answer):
            return answer(request)
        return answer


def make_client(rec: Recorder, retry: RetryPolicy = FAST, **settings: Any) -> RegistryClient:
    return RegistryClient(
        api_settings("https://api.example.test", **settings), transport=httpx.MockTransport(rec), retry=retry
    )


def ok(body: object = REGISTRY, status: int = 200) -> httpx.Response:
    return httpx.Response(status, json=body)


def ionos_error(status: int, code: str = "SOME_CODE", message: str = "explained", **headers: str) -> httpx.Response:
    body = {"httpStatus": status, "messages": [{"errorCode": code, "message": message}]}
    return httpx.Response(status, json=body, headers={"x-request-id": "req-42", **headers})


# ---------------------------------------------------------------- headers


async def test_bearer_token_is_preferred_and_headers_are_sent() -> None:
    rec = Recorder(ok())
    async with make_client(rec, ionos_username="u", ionos_password="p", ionos_contract_number=123) as c:
        await c.get_registry(RID)
    sent = rec.requests[0]
    assert sent.headers["authorization"] == f"Bearer {TOKEN}"
    assert sent.headers["x-contract-number"] == "123"
    assert re.fullmatch(r"ionos-registry-ops/\S+", sent.headers["user-agent"])
    assert sent.url == f"https://api.example.test/containerregistries/registries/{RID}"


async def test_basic_auth_when_no_token() -> None:
    rec = Recorder(ok())
    async with make_client(rec, ionos_token=None, ionos_username="me@example.com", ionos_password="pw") as c:
        await c.get_registry(RID)
    expected = base64.b64encode(b"me@example.com:pw").decode()
    assert rec.requests[0].headers["authorization"] == f"Basic {expected}"


async def test_list_sends_the_documented_query_parameters() -> None:
    rec = Recorder(ok({"items": [], "pagination": {"limit": 7, "token": ""}, "_links": {}}))
    async with make_client(rec) as c:
        await c.list_registries(name_filter="prod", limit=7, page_token="tok")
    params = rec.requests[0].url.params
    assert (params["filter.name"], params["limit"], params["pagination.token"]) == ("prod", "7", "tok")


# ---------------------------------------------------------------- status → error


@pytest.mark.parametrize(
    ("status", "error_type"),
    [
        (400, InvalidInputError),
        (401, UnauthorizedError),
        (403, ForbiddenError),
        (404, NotFoundError),
        (409, ConflictError),
        (422, InvalidInputError),
        (429, RateLimitedError),
        (500, ServerError),
        (503, ServerError),
        (418, ApiError),
    ],
)
async def test_every_status_maps_to_its_error_type(status: int, error_type: type[RegistryError]) -> None:
    rec = Recorder(ionos_error(status, "CODE_X", "what went wrong"))
    async with make_client(rec, retry=RetryPolicy(max_retries=0)) as c:
        with pytest.raises(error_type) as info:
            await c.get_registry(RID)
    err = info.value
    assert err.status == status
    assert err.codes == ["CODE_X"]
    assert err.request_id == "req-42"
    assert "CODE_X: what went wrong" in str(err)
    assert "\n" not in str(err)
    assert err.hint


async def test_unauthorized_says_which_variables_to_check() -> None:
    async with make_client(Recorder(ionos_error(401))) as c:
        with pytest.raises(UnauthorizedError) as info:
            await c.list_registries()
    assert "IONOS_TOKEN" in info.value.hint


@pytest.mark.parametrize(
    "response",
    [
        httpx.Response(502, text="<html><body>Bad gateway</body></html>"),
        httpx.Response(500, content=b""),
        httpx.Response(400, content=b"\xff\xfe not json"),
        httpx.Response(400, json={"unexpected": ["shape"]}),
    ],
)
async def test_non_json_error_bodies_still_give_a_clear_error(response: httpx.Response) -> None:
    async with make_client(Recorder(response), retry=RetryPolicy(max_retries=0)) as c:
        with pytest.raises(RegistryError) as info:
            await c.get_registry(RID)
    assert info.value.status == response.status_code
    assert info.value.messages == []
    assert f"get registry {RID}" in str(info.value)


async def test_an_unreadable_success_body_is_an_api_error() -> None:
    async with make_client(Recorder(httpx.Response(200, text="<html>maintenance</html>"))) as c:
        with pytest.raises(ApiError, match="cannot read"):
            await c.get_registry(RID)


# ---------------------------------------------------------------- retries


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("3", 3.0),
        ("0", 0.0),
        ("-5", 0.0),
        ("Thu, 26 Nov 2026 12:00:30 GMT", 30.0),
        ("Thu, 26 Nov 2026 11:00:00 GMT", 0.0),
        ("soon", None),
        (None, None),
    ],
)
def test_retry_after_is_seconds_or_an_http_date(value: str | None, seconds: float | None) -> None:
    now = datetime(2026, 11, 26, 12, 0, 0, tzinfo=UTC)
    assert parse_retry_after(value, now=now) == seconds


def test_retry_rules_by_method_and_error() -> None:
    policy = RetryPolicy()
    unavailable = ServerError("x", status=503)
    assert retry_delay("GET", unavailable, 1, policy) is not None
    assert retry_delay("DELETE", unavailable, 1, policy) is not None
    assert retry_delay("POST", unavailable, 1, policy) is None
    assert retry_delay("GET", ServerError("x", status=500), 1, policy) is None
    assert retry_delay("POST", RateLimitedError("x", retry_after=2), 1, policy) == 2
    assert retry_delay("POST", ConnectionFailedError("x", reached_server=False), 1, policy) is not None
    assert retry_delay("POST", ConnectionFailedError("x"), 1, policy) is None
    assert retry_delay("PUT", ConnectionFailedError("x"), 1, policy) is not None
    assert retry_delay("GET", RequestTimeoutError("x"), 1, policy) is None
    assert retry_delay("GET", unavailable, 4, policy) is None
    assert retry_delay("GET", NotFoundError("x"), 1, policy) is None


async def test_get_is_retried_on_503_and_succeeds(caplog: pytest.LogCaptureFixture) -> None:
    rec = Recorder(ionos_error(503), ionos_error(502), ok())
    with caplog.at_level(logging.WARNING, logger="tools.http"):
        async with make_client(rec) as c:
            reg = await c.get_registry(RID)
    assert reg.name == "prod-images"
    assert len(rec.requests) == 3
    lines = [r.getMessage() for r in caplog.records if r.name == "tools.http"]
    assert len(lines) == 2
    assert "HTTP 503" in lines[0]
    assert "retry 1/3" in lines[0]
    assert "HTTP 502" in lines[1]
    assert "retry 2/3" in lines[1]


async def test_post_is_not_retried_on_503() -> None:
    rec = Recorder(ionos_error(503), ok(status=201))
    async with make_client(rec) as c:
        with pytest.raises(ServerError):
            await c.create_registry({"name": "new-one", "location": "de/fra"})
    assert len(rec.requests) == 1


async def test_post_is_retried_after_429_honouring_retry_after(caplog: pytest.LogCaptureFixture) -> None:
    rec = Recorder(ionos_error(429, **{"retry-after": "1"}), ok(status=201))
    with caplog.at_level(logging.WARNING, logger="tools.http"):
        async with make_client(rec) as c:
            await c.create_registry({"name": "new-one", "location": "de/fra"})
    assert len(rec.requests) == 2
    assert any("retry 1/3 in 1.00 s" in r.message for r in caplog.records)
    assert json.loads(rec.requests[1].content) == json.loads(rec.requests[0].content), "same body resent"


async def test_post_is_retried_when_the_connection_could_not_be_made() -> None:
    rec = Recorder(httpx.ConnectError("refused"), ok(status=201))
    async with make_client(rec) as c:
        await c.create_registry({"name": "new-one", "location": "de/fra"})
    assert len(rec.requests) == 2


async def test_post_is_not_retried_when_the_connection_dropped_mid_request() -> None:
    rec = Recorder(httpx.RemoteProtocolError("server disconnected"), ok(status=201))
    async with make_client(rec) as c:
        with pytest.raises(ConnectionFailedError, match="lost"):
            await c.create_registry({"name": "new-one", "location": "de/fra"})
    assert len(rec.requests) == 1


async def test_get_is_retried_when_the_connection_dropped() -> None:
    rec = Recorder(httpx.RemoteProtocolError("server disconnected"), ok())
    async with make_client(rec) as c:
        await c.get_registry(RID)
    assert len(rec.requests) == 2


async def test_retries_stop_after_the_configured_number() -> None:
    rec = Recorder(ionos_error(503))
    async with make_client(rec) as c:
        with pytest.raises(ServerError):
            await c.list_registries()
    assert len(rec.requests) == 4  # first attempt + 3 retries


async def test_total_wait_is_capped(caplog: pytest.LogCaptureFixture) -> None:
    rec = Recorder(ionos_error(429, **{"retry-after": "120"}))
    with caplog.at_level(logging.WARNING, logger="tools.http"):
        async with make_client(rec, retry=RetryPolicy(max_retries=3, max_total_wait=20)) as c:
            with pytest.raises(RateLimitedError) as info:
                await c.list_registries()
    assert len(rec.requests) == 1, "a wait beyond the cap is not taken"
    assert info.value.retry_after == 120
    assert "retry in 120 s" in info.value.hint
    assert not [r for r in caplog.records if r.name == "tools.http"]


async def test_read_timeouts_are_reported_not_retried() -> None:
    rec = Recorder(httpx.ReadTimeout("slow"))
    async with make_client(rec) as c:
        with pytest.raises(RequestTimeoutError, match="did not answer in time") as info:
            await c.get_registry(RID)
    assert len(rec.requests) == 1
    assert "IONOS_READ_TIMEOUT" in info.value.hint


# ---------------------------------------------------------------- secrecy


async def test_no_secret_in_errors_reprs_or_logs(caplog: pytest.LogCaptureFixture) -> None:
    secrets = ("pw-VERY-SECRET", TOKEN)
    rec = Recorder(ionos_error(503), ionos_error(401), httpx.ConnectError("refused"))
    texts: list[str] = []
    with caplog.at_level(logging.DEBUG):
        basic: dict[str, Any] = {"ionos_token": None, "ionos_username": "u", "ionos_password": secrets[0]}
        for settings in ({}, basic):
            async with make_client(rec, **settings) as c:
                texts += [repr(c), repr(c.settings), str(c.settings)]
                for _ in range(2):
                    try:
                        await c.list_registries()
                    except RegistryError as err:
                        texts += [str(err), repr(err), err.hint, repr(err.__cause__), repr(err.__context__)]
    texts += [r.getMessage() for r in caplog.records]
    blob = "\n".join(texts)
    for secret in secrets:
        assert secret not in blob
        assert base64.b64encode(f"u:{secret}".encode()).decode() not in blob

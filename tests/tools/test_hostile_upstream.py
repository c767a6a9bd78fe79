"""Whatever answers at IONOS_API_URL, a call ends with one of our errors, on time, within its retry budget."""

from __future__ import annotations

import asyncio
import base64
import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field

import httpx
import pytest

from tests.conftest import TOKEN, api_settings
from tools import ApiError, ConnectionFailedError, RegistryClient, RegistryError, RequestTimeoutError, RetryPolicy
from tools.errors import MissingCredentialsError
from tools.startup import StartupError, load

RID = "123e4567-e89b-12d3-a456-426614174000"
Behaviour = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


@dataclass
class RawServer:
    """A TCP server on 127.0.0.1 that misbehaves on purpose and counts the requests it saw."""

    behaviour: Behaviour
    connections: int = 0
    requests: int = 0
    url: str = ""
    _server: asyncio.Server | None = field(default=None, repr=False)

    async def start(self) -> RawServer:
        async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            self.connections += 1
            try:
                await self.behaviour(reader, writer)
            except (ConnectionError, asyncio.IncompleteReadError, asyncio.CancelledError):
                pass
            finally:
                writer.close()

        self._server = await asyncio.start_server(handle, "127.0.0.1", 0)
        self.url = f"http://127.0.0.1:{self._server.sockets[0].getsockname()[1]}"
        return self

    async def read_request(self, reader: asyncio.StreamReader) -> bytes:
        head = await reader.readuntil(b"\r\n\r\n")
        self.requests += 1
        return head

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()


@pytest.fixture
async def raw() -> AsyncIterator[Callable[[Behaviour], Awaitable[RawServer]]]:
    servers: list[RawServer] = []

    async def make(behaviour: Behaviour) -> RawServer:
        servers.append(await RawServer(behaviour).start())
        return servers[-1]

    yield make
    for server in servers:
        await server.stop()


def client_for(url: str, *, retries: int = 2, read_timeout: float = 5.0) -> RegistryClient:
    settings = api_settings(url, ionos_max_retries=retries, ionos_read_timeout=read_timeout)
    return RegistryClient(settings, retry=RetryPolicy(max_retries=retries, initial_wait=0.01, max_wait=0.02))


def answer(raw_response: bytes) -> Callable[[RawServer], Behaviour]:
    def behaviour(server: RawServer) -> Behaviour:
        async def run(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            await server.read_request(reader)
            writer.write(raw_response)
            await writer.drain()

        return run

    return behaviour


async def serve(raw: Callable[[Behaviour], Awaitable[RawServer]], make: Callable[[RawServer], Behaviour]) -> RawServer:
    holder: list[RawServer] = []

    async def late(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await make(holder[0])(reader, writer)

    holder.append(await raw(late))
    return holder[0]


@pytest.mark.parametrize(
    ("what", "raw_response"),
    [
        ("a port that speaks SSH", b"SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n"),
        ("a malformed header", b"HTTP/1.1 200 OK\r\nContent-Length: abc\r\n\r\n{}"),
        ("malformed chunking", b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n"),
        ("a body that is not gzip", b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: 5\r\n\r\nhello"),
        ("undecodable JSON", b'HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\n{"id":"\xff\xfe"}'),
        ("an error body that is not JSON", b"HTTP/1.1 418 Teapot\r\nContent-Length: 4\r\n\r\n\xff\xfe\xfd\xfc"),
    ],
)
async def test_answers_that_are_not_the_api_become_our_errors(
    raw: Callable[[Behaviour], Awaitable[RawServer]], what: str, raw_response: bytes
) -> None:
    if what == "a port that speaks SSH":

        async def ssh(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            writer.write(raw_response)
            await writer.drain()
            await asyncio.sleep(0.2)

        server = await raw(ssh)
    else:
        server = await serve(raw, answer(raw_response))
    async with client_for(server.url) as client:
        with pytest.raises(RegistryError) as caught:
            await client.get_registry(RID)
    assert isinstance(caught.value, ApiError), what
    assert caught.value.hint
    assert "Traceback" not in str(caught.value)


@pytest.mark.parametrize("retries", [0, 1, 3])
async def test_a_dropped_connection_reaches_the_server_at_most_one_plus_retries_times(
    raw: Callable[[Behaviour], Awaitable[RawServer]], retries: int
) -> None:
    async def hang_up(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        server.requests += 1

    server = await raw(hang_up)
    async with client_for(server.url, retries=retries) as client:
        with pytest.raises(ConnectionFailedError):
            await client.get_registry(RID)
    assert server.requests == 1 + retries


async def test_a_dripping_server_cannot_hold_a_call_past_the_read_timeout(
    raw: Callable[[Behaviour], Awaitable[RawServer]],
) -> None:
    async def drip(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 200\r\n\r\n")
        for _ in range(200):
            writer.write(b" ")
            await writer.drain()
            await asyncio.sleep(0.1)

    server = await raw(drip)
    started = time.monotonic()
    async with client_for(server.url, read_timeout=0.6) as client:
        with pytest.raises(RequestTimeoutError, match=r"within 0\.6 s"):
            await client.get_registry(RID)
    # The body would take 20 s to drip; the call ends at the read timeout (plus scheduling slack).
    assert time.monotonic() - started < 5


async def test_api_error_text_never_carries_the_configured_credentials() -> None:
    def echo(request: httpx.Request) -> httpx.Response:
        header = request.headers["authorization"]
        body = {"httpStatus": 400, "messages": [{"errorCode": "BAD", "message": f"you sent {header}"}]}
        return httpx.Response(400, json=body, headers={"x-request-id": header})

    password = "pw-very-s3cret"
    for settings in (
        api_settings("https://api.example.test"),
        api_settings("https://api.example.test", ionos_token=None, ionos_username="me", ionos_password=password),
    ):
        async with RegistryClient(settings, transport=httpx.MockTransport(echo)) as client:
            with pytest.raises(RegistryError) as caught:
                await client.get_registry(RID)
        text = " ".join([str(caught.value), caught.value.detail(), repr(caught.value), caught.value.request_id or ""])
        basic = base64.b64encode(f"me:{password}".encode()).decode()
        for secret in (TOKEN, password, basic):
            assert secret not in text
        assert "[redacted]" in text


async def test_without_credentials_every_call_answers_at_once_and_sends_nothing() -> None:
    sent: list[httpx.Request] = []

    def record(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(200, json={})

    settings = api_settings("https://api.example.test", ionos_token=None)
    async with RegistryClient(settings, transport=httpx.MockTransport(record)) as client:
        started = time.monotonic()
        with pytest.raises(MissingCredentialsError) as caught:
            await client.list_registries()
    assert time.monotonic() - started < 0.5
    assert not sent
    assert "IONOS_TOKEN" in caught.value.hint


@pytest.mark.parametrize("raw_token", ["tok-from-file\n", "  tok-from-file \r\n"])
async def test_a_credential_with_a_trailing_newline_is_trimmed(raw_token: str) -> None:
    seen: list[str] = []

    def record(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers["authorization"])
        return httpx.Response(200, json={"items": [], "pagination": {"limit": 1, "token": ""}, "_links": {}})

    settings = api_settings("https://api.example.test", ionos_token=raw_token)
    async with RegistryClient(settings, transport=httpx.MockTransport(record)) as client:
        await client.list_registries()
    assert seen == ["Bearer tok-from-file"]


def test_a_credential_with_an_inner_line_break_is_refused_at_start(monkeypatch: pytest.MonkeyPatch) -> None:
    from tools.config import ApiSettings

    monkeypatch.setenv("IONOS_TOKEN", "first-line\nsecond-line")
    with pytest.raises(StartupError) as caught:
        load("registry-mcp", ApiSettings)
    assert caught.value.code == 2
    assert "IONOS_TOKEN" in caught.value.message
    assert "first-line" not in caught.value.message


@pytest.mark.parametrize(
    ("variable", "value", "expected"),
    [
        ("REGISTRY_CONFIRM_TTL", "2", "REGISTRY_CONFIRM_TTL must be at least 10 (given '2')"),
        ("REGISTRY_CONFIRM_TTL", "soon", "REGISTRY_CONFIRM_TTL must be a whole number (given 'soon')"),
        ("IONOS_READ_TIMEOUT", "0", "IONOS_READ_TIMEOUT must be more than 0"),
        ("IONOS_API_URL", "ftp://x", "IONOS_API_URL"),
        ("SLACK_API_URL", "not a url", "SLACK_API_URL must be an http(s) URL"),
    ],
)
def test_bad_environment_values_name_the_variable_and_the_rule(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], variable: str, value: str, expected: str
) -> None:
    from tools.config import ApiSettings, SafetySettings, Settings, SlackSettings

    monkeypatch.setenv(variable, value)
    kinds: dict[str, type[Settings]] = {"REGISTRY": SafetySettings, "IONOS": ApiSettings, "SLACK": SlackSettings}
    with pytest.raises(StartupError) as caught:
        load("registry-bot", kinds[variable.split("_", maxsplit=1)[0]])
    assert caught.value.code == 2
    line = capsys.readouterr().err
    assert line.count("\n") == 1
    assert line.startswith("registry-bot: bad environment: ")
    assert expected in line
    assert "pydantic" not in line


def test_error_bodies_are_read_robustly() -> None:
    from tools.client._responses import error_from_response

    for body in (b"", b"not json", json.dumps({"messages": "oops"}).encode(), b"\xff\xfe"):
        err = error_from_response(500, body, {}, action="get registry x")
        assert err.status == 500

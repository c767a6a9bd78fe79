"""HTTP mechanics: auth header, timeouts, retries honouring Retry-After, status → error.

Only this package (``tools.client``) talks HTTP to IONOS. The retry decision is a pure
function (``retry_delay``) so it can be tested without a network; the loop itself
is stamina's.
"""

from __future__ import annotations

import asyncio
import base64
import logging
import random
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

from tools import metrics
from tools.client._responses import REQUEST_ID_HEADERS, Redactor, error_from_response
from tools.config import ApiSettings
from tools.errors import (
    ApiError,
    ConnectionFailedError,
    MissingCredentialsError,
    NetworkError,
    RateLimitedError,
    RegistryError,
    RequestTimeoutError,
    ServerError,
)
from tools.logs import note_request_ids
from tools.version import __version__

logger = logging.getLogger("tools.http")

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "PUT", "PATCH", "DELETE"})
RETRYABLE_STATUSES = frozenset({502, 503, 504})


USER_AGENT = f"ionos-registry-ops/{__version__}"


@dataclass(frozen=True)
class RetryPolicy:
    max_retries: int = 3
    max_total_wait: float = 20.0
    initial_wait: float = 0.5
    max_wait: float = 8.0


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """``Retry-After`` as seconds: delta-seconds or an HTTP date; None when absent or unreadable."""
    if not value:
        return None
    text = value.strip()
    try:
        return max(0.0, float(text))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def backoff(retry_number: int, policy: RetryPolicy, rng: random.Random | None = None) -> float:
    """Exponential backoff with jitter: half the step fixed, half random ("equal jitter")."""
    step = min(policy.max_wait, policy.initial_wait * 2.0 ** (retry_number - 1))
    jitter: float = (rng or random).uniform(0, step / 2)
    return step / 2 + jitter


def retry_delay(method: str, error: Exception, retry_number: int, policy: RetryPolicy) -> float | None:
    """Seconds to wait before retry ``retry_number`` (1-based), or None when not to retry.

    * 429: any method (the request was refused before it was processed), after Retry-After.
    * 502/503/504: idempotent methods only; a POST may already have created something.
    * Connection failures: any method when the request never left (connect errors),
      idempotent methods when the connection dropped mid-request. Read timeouts are
      not retried: they already cost the full read timeout.
    """
    if retry_number > policy.max_retries:
        return None
    idempotent = method.upper() in IDEMPOTENT_METHODS
    if isinstance(error, RateLimitedError):
        if error.retry_after is not None:
            return error.retry_after
        return backoff(retry_number, policy)
    if isinstance(error, ServerError) and error.status in RETRYABLE_STATUSES and idempotent:
        return backoff(retry_number, policy)
    dropped = isinstance(error, ConnectionFailedError) and idempotent
    if isinstance(error, NetworkError) and (not error.reached_server or dropped):
        return backoff(retry_number, policy)
    return None


def network_error(exc: httpx.TransportError, action: str) -> NetworkError:
    """Translate a transport failure, telling whether the request may have reached the server.

    The aiohttp transport maps some aiohttp errors to misleading httpx types (a dropped
    connection becomes ``ConnectTimeout``), so the aiohttp cause decides when present.
    """
    cause = exc.__cause__
    aiohttp = sys.modules.get("aiohttp")  # loaded by the transport if it is in use; never imported here
    if aiohttp is not None and isinstance(cause, aiohttp.ClientError):
        never_sent = isinstance(cause, aiohttp.ClientConnectorError)
        connect_timeout = isinstance(cause, aiohttp.ConnectionTimeoutError)
        timed_out = isinstance(cause, TimeoutError)
    else:
        never_sent = isinstance(exc, httpx.ConnectError)
        connect_timeout = isinstance(exc, (httpx.ConnectTimeout, httpx.PoolTimeout))
        timed_out = isinstance(exc, httpx.TimeoutException)
    if never_sent:
        return ConnectionFailedError(f"{action}: could not connect to the API", reached_server=False)
    if connect_timeout:
        return RequestTimeoutError(f"{action}: timed out connecting to the API", reached_server=False)
    if timed_out:
        return RequestTimeoutError(f"{action}: the API did not answer in time")
    return ConnectionFailedError(f"{action}: the connection to the API was lost")


def credentials_of(settings: ApiSettings) -> list[str | None]:
    """Every form in which a configured credential could be echoed back: raw, and Basic's base64."""
    token = settings.ionos_token.get_secret_value() if settings.ionos_token else None
    password = settings.ionos_password.get_secret_value() if settings.ionos_password else None
    basic = auth_header(settings) if token is None else None
    return [token, password, basic.removeprefix("Basic ") if basic else None]


def auth_header(settings: ApiSettings) -> str | None:
    """Bearer when ``IONOS_TOKEN`` is set, else Basic; httpx masks it in every header repr."""
    if settings.ionos_token is not None:
        return f"Bearer {settings.ionos_token.get_secret_value()}"
    if settings.ionos_username is not None and settings.ionos_password is not None:
        pair = f"{settings.ionos_username}:{settings.ionos_password.get_secret_value()}"
        return "Basic " + base64.b64encode(pair.encode()).decode()
    return None


class AiohttpOnFirstUse(httpx.AsyncBaseTransport):
    """aiohttp under httpx (measurably faster per request than httpx's own pool), imported and
    built on the first request, so a process that never calls the API never pays for it
    (``registry-mcp`` answering ``tools/list``: about 0.2 s of cold start)."""

    def __init__(self, max_connections: int) -> None:
        self.limits = httpx.Limits(max_connections=max_connections, max_keepalive_connections=max_connections)
        self._built: Any = None  # the AiohttpTransport: its TLS context, no session yet
        self._inner: httpx.AsyncBaseTransport | None = None

    def _build(self) -> Any:
        if self._built is None:
            from httpx_aiohttp import AiohttpTransport  # noqa: PLC0415 - deferred on purpose

            self._built = AiohttpTransport(limits=self.limits)  # loads the CA bundle: ~20 ms, blocking
        return self._built

    def warm(self) -> None:
        """Import aiohttp and load the TLS trust store now (a server about to take traffic): done on the
        first request instead, both block the event loop, and every request then in flight waits."""
        self._build()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self._inner is None:
            inner = self._build()
            session = inner.get_client()  # the session belongs to the running loop: made here
            # aiohttp silently resends an idempotent request once when a kept-alive connection
            # drops; our own retry policy already decides that, so with it on, one call could
            # reach the server twice as often as IONOS_MAX_RETRIES allows. No public switch exists.
            session._retry_connection = False
            inner.client = session
            self._inner = inner
        return await self._inner.handle_async_request(request)

    async def aclose(self) -> None:
        if self._inner is not None:
            await self._inner.aclose()


class NoCookies(httpx.Cookies):
    """The IONOS API sets no cookies and needs none: reading every response for them (httpx builds a
    urllib request and an email message per response to do it) was a tenth of a call's own time."""

    def extract_cookies(self, response: httpx.Response) -> None:
        return None


class CookielessClient(httpx.AsyncClient):
    @property
    def cookies(self) -> httpx.Cookies:
        return NO_COOKIES

    @cookies.setter
    def cookies(self, cookies: Any) -> None:
        pass


NO_COOKIES = NoCookies()


class ApiHttp:
    """One pooled ``httpx.AsyncClient`` plus the retry policy and error translation."""

    def __init__(
        self,
        settings: ApiSettings,
        transport: httpx.AsyncBaseTransport | None = None,
        *,
        max_connections: int = 32,
        retry: RetryPolicy | None = None,
    ) -> None:
        headers = {"User-Agent": USER_AGENT, "Accept": "application/json"}
        if settings.ionos_contract_number is not None:
            headers["X-Contract-Number"] = str(settings.ionos_contract_number)
        authorization = auth_header(settings)
        if authorization is not None:
            headers["Authorization"] = authorization
        self.has_credentials = authorization is not None
        self.redact = Redactor(credentials_of(settings))
        # The whole response (headers and body) must arrive within the read timeout: a server
        # that drips a byte at a time would otherwise reset httpx's per-read timer forever.
        self.deadline = settings.ionos_read_timeout
        self.policy = retry or RetryPolicy(settings.ionos_max_retries, settings.ionos_retry_max_wait)
        # Absolute URLs are sent: httpx parses a relative one, then the merged one, every call.
        self.base = settings.base_url + "/"
        self._client = CookielessClient(
            base_url=self.base,
            headers=headers,
            timeout=httpx.Timeout(settings.ionos_read_timeout, connect=settings.ionos_connect_timeout),
            transport=transport or AiohttpOnFirstUse(max_connections),
        )

    async def aclose(self) -> None:
        await self._client.aclose()

    def warm(self) -> None:
        warm = getattr(self._client._transport, "warm", None)
        if callable(warm):
            warm()

    async def request(
        self,
        method: str,
        path: str,
        *,
        action: str,
        params: Mapping[str, str | int] | None = None,
        json: Any = None,
    ) -> httpx.Response:
        """Send with retries; return a 2xx response or raise a ``RegistryError``.

        The first attempt runs outside stamina (the common case costs nothing extra);
        a retryable failure enters stamina's loop, which replays that failure once so
        the first wait is scheduled like every later one.
        """
        if not self.has_credentials:
            raise MissingCredentialsError(f"{action}: no IONOS credentials are set; nothing was sent")
        try:
            return await self._send_once(method, path, action=action, params=params, json=json)
        except RegistryError as exc:
            if retry_delay(method, exc, 1, self.policy) is None:
                raise
            pending: RegistryError | None = exc
        waited = 0.0
        retries = 0

        def decide(exc: Exception) -> bool | float:
            nonlocal waited, retries
            delay = retry_delay(method, exc, retries + 1, self.policy)
            if delay is None or waited + delay > self.policy.max_total_wait:
                return False
            waited += delay
            retries += 1
            metrics.count_retry(method)
            logger.warning("%s; retry %d/%d in %.2f s", exc, retries, self.policy.max_retries, delay)
            return delay

        import stamina  # noqa: PLC0415 - loaded on the first failure: most processes never retry

        async for attempt in stamina.retry_context(on=decide, attempts=None, timeout=None):
            with attempt:
                if pending is not None:
                    replay, pending = pending, None
                    raise replay
                return await self._send_once(method, path, action=action, params=params, json=json)
        raise AssertionError("unreachable: stamina either returns or raises")  # pragma: no cover

    async def _send_once(
        self,
        method: str,
        path: str,
        *,
        action: str,
        params: Mapping[str, str | int] | None,
        json: Any,
    ) -> httpx.Response:
        started = time.perf_counter()
        try:
            response = await self._request(method, path, action=action, params=params, json=json)
        except RegistryError:
            metrics.count_api_request(method, None, time.perf_counter() - started)
            raise
        metrics.count_api_request(method, response.status_code, time.perf_counter() - started)
        note_request_ids([response.headers[h] for h in REQUEST_ID_HEADERS if h in response.headers])
        if response.is_success:
            return response
        raise error_from_response(
            response.status_code,
            response.content,
            response.headers,
            action=action,
            retry_after=parse_retry_after(response.headers.get("retry-after")),
            redact=self.redact,
        )

    async def _request(
        self, method: str, path: str, *, action: str, params: Mapping[str, str | int] | None, json: Any
    ) -> httpx.Response:
        """One attempt; whatever goes wrong on the way becomes one of our errors."""
        try:
            async with asyncio.timeout(self.deadline):
                return await self._client.request(method, self.base + path, params=params, json=json)
        except TimeoutError:
            raise RequestTimeoutError(
                f"{action}: the API did not finish answering within {self.deadline:g} s"
            ) from None
        except httpx.TransportError as exc:
            raise network_error(exc, action) from None
        except httpx.DecodingError:
            raise ApiError(f"{action}: the API sent a body that could not be decoded") from None
        except Exception as exc:  # whatever the transport raises underneath becomes ours
            raise ApiError(
                f"{action}: the answer was not valid HTTP ({type(exc).__name__})",
                hint="Check IONOS_API_URL: something answered there, but not the IONOS API.",
            ) from None

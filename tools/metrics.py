"""What an operator scrapes: Prometheus metrics for both fronts, the IONOS API and confirmations.

Counting is off until a server that exposes ``/metrics`` calls ``enable()``: prometheus-client
costs ~90 ms to import, which the stdio MCP server (no HTTP, nothing to scrape) must not pay at
every start. Until then each ``count_*`` call returns at once.

``/metrics`` is guarded like ``/mcp``: served to anyone only when the server binds loopback;
beyond it, only with ``Authorization: Bearer $REGISTRY_METRICS_TOKEN`` (and not at all when no
token is set, so a scraper never needs the token that manages registries). Labels never carry
names of registries, people or tokens: their number stays small and they leak nothing.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from starlette.types import Receive, Scope, Send

    from tools.audit import AuditRecord

# Seconds. The API answers in tens of milliseconds, or in seconds when it is slow; Slack allows 3 s.
API_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
ACK_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0)


@dataclass
class _Metrics:
    operations: Any
    api_requests: Any
    api_latency: Any
    retries: Any
    confirmations: Any
    slack_ack: Any
    rate_limited: Any


_metrics: _Metrics | None = None


def enable() -> None:
    """Create the metrics (once per process: the default registry refuses a second copy)."""
    global _metrics  # noqa: PLW0603 - one set of metrics per process, like the registry behind it
    if _metrics is not None:
        return
    from prometheus_client import Counter, Histogram  # noqa: PLC0415 - see the module docstring

    _metrics = _Metrics(
        operations=Counter(
            "registry_operations",
            "Operations attempted, by front (slack, mcp), operation and outcome "
            "(executed, failed, declined, expired, stale, denied)",
            ["front", "operation", "outcome"],
        ),
        api_requests=Counter(
            "registry_api_requests",
            "IONOS API requests sent (each attempt), by method and HTTP status (error: no answer)",
            ["method", "status"],
        ),
        api_latency=Histogram(
            "registry_api_request_duration_seconds",
            "IONOS API request latency (each attempt), by method",
            ["method"],
            buckets=API_BUCKETS,
        ),
        retries=Counter("registry_api_retries", "IONOS API requests retried, by method", ["method"]),
        confirmations=Counter(
            "registry_confirmations",
            "Confirmations by outcome: issued, executed, declined, expired, denied, stale, failed",
            ["outcome"],
        ),
        slack_ack=Histogram(
            "registry_slack_ack_seconds",
            "Time from a Slack request's arrival to its acknowledgement (HTTP mode)",
            buckets=ACK_BUCKETS,
        ),
        rate_limited=Counter(
            "registry_rate_limited",
            "Calls refused because one person went over a rate limit, by front and kind (read, write)",
            ["front", "kind"],
        ),
    )


def enabled() -> bool:
    return _metrics is not None


def count_operation(front: str, operation: str, outcome: str) -> None:
    if _metrics is not None:
        _metrics.operations.labels(front, operation, outcome).inc()


def count_rate_limited(front: str, kind: str) -> None:
    if _metrics is not None:
        _metrics.rate_limited.labels(front, kind).inc()


def count_audit(record: AuditRecord) -> None:
    """An audit listener: every mutating attempt is an operation with its outcome."""
    count_operation(record.front, record.operation, record.outcome.value)


def count_api_request(method: str, status: int | None, seconds: float) -> None:
    if _metrics is not None:
        _metrics.api_requests.labels(method, str(status) if status is not None else "error").inc()
        _metrics.api_latency.labels(method).observe(seconds)


def count_retry(method: str) -> None:
    if _metrics is not None:
        _metrics.retries.labels(method).inc()


def count_confirmation(outcome: str) -> None:
    if _metrics is not None:
        _metrics.confirmations.labels(outcome).inc()


def observe_slack_ack(seconds: float) -> None:
    if _metrics is not None:
        _metrics.slack_ack.observe(seconds)


def exposition() -> tuple[bytes, str]:
    from prometheus_client import CONTENT_TYPE_LATEST, generate_latest  # noqa: PLC0415

    return generate_latest(), CONTENT_TYPE_LATEST


class MetricsEndpoint:
    """The ``/metrics`` ASGI app: open on a loopback-bound server, else a bearer token."""

    def __init__(self, *, loopback: bool, token: str | None) -> None:
        enable()
        self.loopback = loopback
        self._expected = f"Bearer {token}".encode() if token else None

    def allowed(self, authorization: bytes) -> bool:
        if self._expected is not None:
            return hmac.compare_digest(authorization, self._expected)
        return self.loopback

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        given = dict(scope.get("headers", [])).get(b"authorization", b"")
        if scope.get("method") not in ("GET", "HEAD"):
            status, body, kind = 405, b"method not allowed\n", "text/plain"
        elif not self.allowed(given):
            status, body, kind = 401, b"metrics need Authorization: Bearer $REGISTRY_METRICS_TOKEN\n", "text/plain"
        else:
            status, (body, kind) = 200, exposition()
        headers = [(b"content-type", kind.encode()), (b"content-length", str(len(body)).encode())]
        if status == 401:
            headers.append((b"www-authenticate", b'Bearer realm="metrics"'))
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": b"" if scope.get("method") == "HEAD" else body})

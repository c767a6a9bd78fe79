"""Test hooks of the emulator: added latency, injected faults, request counting, request ids.

A plain ASGI middleware (no per-request Starlette machinery) so it adds little to
the benchmarks that run through it.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

API_PREFIX = "/containerregistries"


@dataclass
class Fault:
    """The next ``count`` API responses (optionally only for ``method``) get this treatment."""

    count: int = 1
    status: int | None = 503
    retry_after: str | None = None
    delay_ms: float = 0.0
    drop: bool = False
    method: str | None = None

    @classmethod
    def from_json(cls, data: Any) -> Fault:
        if not isinstance(data, dict):
            raise ValueError("fault must be an object")
        unknown = set(data) - {"count", "status", "retry_after", "delay_ms", "drop", "method"}
        if unknown:
            raise ValueError(f"unknown fault field(s): {', '.join(sorted(unknown))}")
        fault = cls(**data)
        if fault.count < 1 or (fault.status is not None and not 100 <= fault.status <= 599):
            raise ValueError("count must be >= 1 and status a valid HTTP status")
        if fault.retry_after is not None:
            fault.retry_after = str(fault.retry_after)
        return fault


@dataclass
class Hooks:
    latency_ms: float = 0.0
    faults: list[Fault] = field(default_factory=list)
    requests: Counter[str] = field(default_factory=Counter)
    paths: Counter[str] = field(default_factory=Counter)  # "GET /containerregistries/…": benchmarks count polls

    def take_fault(self, method: str) -> Fault | None:
        for fault in self.faults:
            if fault.method is None or fault.method.upper() == method:
                fault.count -= 1
                if fault.count <= 0:
                    self.faults.remove(fault)
                return fault
        return None

    def reset(self) -> None:
        self.faults.clear()
        self.requests.clear()
        self.paths.clear()


def error_body(status: int, code: str, message: str) -> bytes:
    return json.dumps({"httpStatus": status, "messages": [{"errorCode": code, "message": message}]}).encode()


class HooksMiddleware:
    def __init__(self, app: ASGIApp, hooks: Hooks) -> None:
        self.app = app
        self.hooks = hooks

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(API_PREFIX):
            await self.app(scope, receive, send)
            return
        method = scope["method"]
        self.hooks.requests[method] += 1
        self.hooks.paths[f"{method} {scope['path']}"] += 1
        request_id = str(uuid.uuid4()).encode()

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), (b"x-request-id", request_id)]
            await send(message)

        if self.hooks.latency_ms:
            await asyncio.sleep(self.hooks.latency_ms / 1000)
        fault = self.hooks.take_fault(method)
        if fault is None:
            await self.app(scope, receive, send_with_id)
            return
        if fault.delay_ms:
            await asyncio.sleep(fault.delay_ms / 1000)
        if fault.drop:
            await _drop(send)
        elif fault.status is None:
            await self.app(scope, receive, send_with_id)
        else:
            await _fault_response(fault, method, send_with_id)


async def _drop(send: Send) -> None:
    """Start a response and stop mid-body: the server then closes the connection."""
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"4096")]})
    await send({"type": "http.response.body", "body": b'{"partial', "more_body": True})


async def _fault_response(fault: Fault, method: str, send: Send) -> None:
    assert fault.status is not None
    body = b"" if method == "HEAD" else error_body(fault.status, "INJECTED_FAULT", "fault injected by the emulator")
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    if fault.retry_after is not None:
        headers.append((b"retry-after", fault.retry_after.encode()))
    await send({"type": "http.response.start", "status": fault.status, "headers": headers})
    await send({"type": "http.response.body", "body": body})

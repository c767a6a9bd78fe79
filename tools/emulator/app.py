"""Starlette routes of the emulator: HTTP → backend → IONOS JSON and error bodies.

``build_app()`` returns an ASGI app usable in-process (``httpx.ASGITransport``) or
served by uvicorn (``registry-emulator``).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from .backend import Backend, EmulatorError
from .content_backend import Content
from .content_routes import ContentRoutes
from .faults import Fault, Hooks, HooksMiddleware, error_body
from .samples import LOCATIONS

PREFIX = "/containerregistries"


class EmulatorApp:
    """The ASGI app plus handles on its state for tests: ``backend`` and ``hooks``."""

    def __init__(
        self,
        backend: Backend,
        hooks: Hooks,
        token: str | None,
        *,
        artifacts: int | None = None,
        tokens: int | None = None,
    ) -> None:
        self.backend = backend
        self.content = Content(backend, artifacts=artifacts, tokens=tokens)
        self.hooks = hooks
        self.token = token
        self._asgi = HooksMiddleware(self._starlette(), hooks)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self._asgi(scope, receive, send)

    def _starlette(self) -> Starlette:
        routes = [
            Route(f"{PREFIX}/registries", self.list_registries, methods=["GET"]),
            Route(f"{PREFIX}/registries", self.create_registry, methods=["POST"]),
            Route(f"{PREFIX}/registries/{{rid}}", self.get_registry, methods=["GET"]),
            Route(f"{PREFIX}/registries/{{rid}}", self.put_registry, methods=["PUT"]),
            Route(f"{PREFIX}/registries/{{rid}}", self.patch_registry, methods=["PATCH"]),
            Route(f"{PREFIX}/registries/{{rid}}", self.delete_registry, methods=["DELETE"]),
            Route(f"{PREFIX}/locations", self.list_locations, methods=["GET"]),
            Route(f"{PREFIX}/names/{{name}}", self.check_name, methods=["HEAD"]),
            Route("/_emulator/faults", self.add_fault, methods=["POST"]),
            Route("/_emulator/reset", self.reset, methods=["POST"]),
            Route("/_emulator/stats", self.stats, methods=["GET"]),
            *ContentRoutes(self.content, self.actor, _body, _json).routes(),
        ]
        handlers: dict[Any, Any] = {EmulatorError: _emulator_error, HTTPException: _http_error}
        return Starlette(routes=routes, exception_handlers=handlers)

    # ------------------------------------------------------------ auth

    def actor(self, request: Request) -> str:
        """The user the request acts as; 401 without acceptable credentials."""
        header = request.headers.get("authorization", "")
        scheme, _, value = header.partition(" ")
        contract = request.headers.get("x-contract-number")
        if contract is not None and not contract.isdigit():
            raise EmulatorError(400, "INVALID_CONTRACT_NUMBER", "X-Contract-Number must be an integer")
        if scheme.lower() == "bearer" and value and (self.token is None or value == self.token):
            digest = hashlib.sha256(value.encode()).hexdigest()[:8]
            return f"token-{digest}@example.com"
        if scheme.lower() == "basic" and value and self.token is None:
            try:
                user, sep, password = base64.b64decode(value, validate=True).decode().partition(":")
            except (binascii.Error, UnicodeDecodeError):
                user, sep, password = "", "", ""
            if user and sep and password:
                return user
        raise EmulatorError(401, "UNAUTHORIZED", "missing or invalid credentials")

    # ------------------------------------------------------------ API routes

    async def list_registries(self, request: Request) -> Response:
        self.actor(request)
        q = request.query_params
        page = self.backend.list(q.get("filter.name"), q.get("limit"), q.get("pagination.token"))
        return _json(200, page)

    async def create_registry(self, request: Request) -> Response:
        actor = self.actor(request)
        reg = self.backend.create(await _body(request), actor)
        return _json(201, self.backend.render(reg), location=f"{PREFIX}/registries/{reg.id}")

    async def get_registry(self, request: Request) -> Response:
        self.actor(request)
        return _json(200, self.backend.render(self.backend.get(request.path_params["rid"])))

    async def put_registry(self, request: Request) -> Response:
        actor = self.actor(request)
        reg = self.backend.replace(request.path_params["rid"], await _body(request), actor)
        return _json(201, self.backend.render(reg), location=f"{PREFIX}/registries/{reg.id}")

    async def patch_registry(self, request: Request) -> Response:
        actor = self.actor(request)
        reg = self.backend.patch(request.path_params["rid"], await _body(request), actor)
        return _json(200, self.backend.render(reg))

    async def delete_registry(self, request: Request) -> Response:
        self.actor(request)
        self.backend.delete(request.path_params["rid"])
        return Response(status_code=204)

    async def list_locations(self, request: Request) -> Response:
        self.actor(request)
        items = [{"id": loc} for loc in LOCATIONS]
        return _json(200, {"id": "locations", "type": "collection", "href": "", "items": items})

    async def check_name(self, request: Request) -> Response:
        self.actor(request)
        try:
            in_use = self.backend.name_in_use(request.path_params["name"])
        except EmulatorError as exc:
            return Response(status_code=exc.status)
        return Response(status_code=200 if in_use else 404)

    # ------------------------------------------------------------ test hooks

    async def add_fault(self, request: Request) -> Response:
        try:
            fault = Fault.from_json(await request.json())
        except (ValueError, TypeError) as exc:
            return JSONResponse({"error": str(exc)}, status_code=400)
        self.hooks.faults.append(fault)
        return JSONResponse({"queued": len(self.hooks.faults)})

    async def reset(self, request: Request) -> Response:
        self.backend.reset()
        self.content.reset()
        self.hooks.reset()
        return JSONResponse({"registries": len(self.backend.list(None, "1000", None)["items"])})

    async def stats(self, request: Request) -> Response:
        """Requests by method; with ``?path=/containerregistries/…``, also how many reached that path, by method."""
        found: dict[str, Any] = {"requests": dict(self.hooks.requests), "total": sum(self.hooks.requests.values())}
        path = request.query_params.get("path")
        if path:
            found["path"] = {k.split(" ", 1)[0]: v for k, v in self.hooks.paths.items() if k.split(" ", 1)[1] == path}
        return JSONResponse(found)


def build_app(
    backend: Backend | None = None,
    *,
    token: str | None = None,
    latency_ms: float = 0.0,
    artifacts: int | None = None,
    tokens: int | None = None,
) -> EmulatorApp:
    """``artifacts``, ``tokens``: that many images and tokens in each seeded registry (benchmarks); default a few."""
    return EmulatorApp(backend or Backend(), Hooks(latency_ms=latency_ms), token, artifacts=artifacts, tokens=tokens)


async def _body(request: Request) -> Any:
    raw = await request.body()
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise EmulatorError(400, "MALFORMED_BODY", "the request body is not valid JSON") from None


def _json(status: int, data: Any, location: str | None = None) -> Response:
    body = json.dumps(data, separators=(",", ":")).encode()
    headers = {"location": location} if location else None
    return Response(body, status_code=status, media_type="application/json", headers=headers)


async def _emulator_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, EmulatorError)
    body = b"" if request.method == "HEAD" else error_body(exc.status, exc.code, exc.message)
    return Response(body, status_code=exc.status, media_type="application/json")


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    code = "NOT_FOUND" if exc.status_code == 404 else "METHOD_NOT_ALLOWED"
    body = error_body(exc.status_code, code, f"{request.method} {request.url.path}: {exc.detail}")
    return Response(body, status_code=exc.status_code, media_type="application/json", headers=exc.headers)

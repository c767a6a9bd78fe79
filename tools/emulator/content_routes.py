"""HTTP routes for tokens, repositories, artifacts and vulnerabilities, and the push test hook."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import unquote

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from .backend import EmulatorError
from .content import render_token
from .content_backend import Content

PREFIX = "/containerregistries"
Actor = Callable[[Request], str]
Body = Callable[[Request], Awaitable[Any]]
Json = Callable[[int, Any], Response]


def repository_path(request: Request) -> list[str]:
    """The segments after ``/repositories/``, split on the raw path so ``team%2Fapp`` stays one name.

    A client that does not encode the slash (``team/app/artifacts/…``) is understood too: the
    name is everything before the ``artifacts`` segment.
    """
    raw = request.scope.get("raw_path") or request.url.path.encode()
    tail = raw.decode("latin-1").split("?", 1)[0].split("/repositories/", 1)[1]
    parts = [unquote(p) for p in tail.split("/") if p]
    if "artifacts" in parts[1:]:
        at = len(parts) - 1 - parts[::-1].index("artifacts")
        return ["/".join(parts[:at]), *parts[at:]]
    return ["/".join(parts)]


class ContentRoutes:
    def __init__(self, content: Content, actor: Actor, body: Body, json: Json) -> None:
        self.content, self.actor, self.body, self.json = content, actor, body, json

    def routes(self) -> list[Route]:
        base = f"{PREFIX}/registries/{{rid}}"
        return [
            Route(f"{base}/tokens", self.list_tokens, methods=["GET"]),
            Route(f"{base}/tokens", self.post_token, methods=["POST"]),
            Route(f"{base}/tokens/{{tid}}", self.get_token, methods=["GET"]),
            Route(f"{base}/tokens/{{tid}}", self.put_token, methods=["PUT"]),
            Route(f"{base}/tokens/{{tid}}", self.patch_token, methods=["PATCH"]),
            Route(f"{base}/tokens/{{tid}}", self.delete_token, methods=["DELETE"]),
            Route(f"{base}/repositories", self.list_repositories, methods=["GET"]),
            Route(f"{base}/repositories/{{rest:path}}", self.repository_get, methods=["GET"]),
            Route(f"{base}/repositories/{{rest:path}}", self.repository_delete, methods=["DELETE"]),
            Route(f"{base}/artifacts", self.registry_artifacts, methods=["GET"]),
            Route(f"{PREFIX}/vulnerabilities/{{vid}}", self.vulnerability, methods=["GET"]),
            Route("/_emulator/artifacts", self.push, methods=["POST"]),
        ]

    @staticmethod
    def query(request: Request) -> dict[str, str]:
        return dict(request.query_params)

    # ------------------------------------------------------------ tokens

    async def list_tokens(self, request: Request) -> Response:
        self.actor(request)
        return self.json(200, self.content.tokens(request.path_params["rid"], self.query(request)))

    async def post_token(self, request: Request) -> Response:
        actor = self.actor(request)
        token, password = self.content.create_token(request.path_params["rid"], await self.body(request), actor)
        return self.json(201, render_token(token, password))

    async def get_token(self, request: Request) -> Response:
        self.actor(request)
        p = request.path_params
        return self.json(200, render_token(self.content.token(p["rid"], p["tid"])))

    async def put_token(self, request: Request) -> Response:
        actor = self.actor(request)
        p = request.path_params
        token, _created = self.content.put_token(p["rid"], p["tid"], await self.body(request), actor)
        return self.json(201, render_token(token))

    async def patch_token(self, request: Request) -> Response:
        actor = self.actor(request)
        p = request.path_params
        return self.json(
            200, render_token(self.content.patch_token(p["rid"], p["tid"], await self.body(request), actor))
        )

    async def delete_token(self, request: Request) -> Response:
        self.actor(request)
        self.content.delete_token(request.path_params["rid"], request.path_params["tid"])
        return Response(status_code=204)

    # ------------------------------------------------------------ repositories, artifacts, vulnerabilities

    async def list_repositories(self, request: Request) -> Response:
        self.actor(request)
        return self.json(200, self.content.repositories(request.path_params["rid"], self.query(request)))

    async def repository_get(self, request: Request) -> Response:
        self.actor(request)
        rid, parts, query = request.path_params["rid"], repository_path(request), self.query(request)
        match parts:
            case [name]:
                repo = self.content.repository(rid, name)
                return self.json(200, self.content.render_repository(repo, self.content.scanning(rid)))
            case [name, "artifacts"]:
                return self.json(200, self.content.artifacts(rid, name, query))
            case [name, "artifacts", digest]:
                artifact = self.content.artifact(rid, name, digest)
                return self.json(200, self.content.render_artifact(artifact, self.content.scanning(rid)))
            case [name, "artifacts", digest, "vulnerabilities"]:
                return self.json(200, self.content.vulnerabilities_of(rid, name, digest, query))
        raise EmulatorError(404, "NOT_FOUND", f"no such resource: {request.url.path}")

    async def repository_delete(self, request: Request) -> Response:
        self.actor(request)
        parts = repository_path(request)
        if len(parts) != 1:
            raise EmulatorError(405, "METHOD_NOT_ALLOWED", "only repositories can be deleted")
        self.content.delete_repository(request.path_params["rid"], parts[0])
        return Response(status_code=204)

    async def registry_artifacts(self, request: Request) -> Response:
        self.actor(request)
        return self.json(200, self.content.artifacts(request.path_params["rid"], None, self.query(request)))

    async def vulnerability(self, request: Request) -> Response:
        self.actor(request)
        return self.json(200, self.content.vulnerability(request.path_params["vid"]).render())

    # ------------------------------------------------------------ test hook

    async def push(self, request: Request) -> Response:
        """``{"registry": id-or-name, "repository", "tags": [...], "vulnerabilities": [...], "digest"?}``."""
        data = await request.json()
        if not isinstance(data, dict):
            return JSONResponse({"error": "expected an object"}, status_code=400)
        reg = data.get("registry", "")
        rid = next((r.id for r in self.content.registries.seeded() if r.name == reg), reg)
        artifact = self.content.push(
            rid,
            data.get("repository", ""),
            list(data.get("tags") or []),
            list(data.get("vulnerabilities") or []),
            "push-hook@example.com",
            data.get("digest"),
        )
        return JSONResponse({"digest": artifact.digest, "repository": artifact.repository, "tags": artifact.tags})

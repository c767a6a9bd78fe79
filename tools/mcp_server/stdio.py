"""registry-mcp over stdio: it lists its tools before it has built them.

A client starts this process and lists the tools at once, often for a conversation that calls none.
So ``initialize`` and ``tools/list`` are answered from the manifest (``manifest.py``: the same tools,
checked against the catalogue by a test, offered by the same rules in ``offer.py``), and the core,
its client and the tools are built on the first request that needs them: a call, a prompt, a
resource, a completion. From then on the built server answers everything, ``tools/list`` too.

Completion is declared at ``initialize`` (the capability is read from the handlers present), so its
handler is registered from the start and passes each request to the built completer.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any, Literal

from mcp.server.context import CallNext, HandlerResult, ServerRequestContext
from mcp.server.mcpserver import MCPServer
from pydantic import BaseModel

from tools.config import McpSettings
from tools.mcp_server.manifest import Middleware, read
from tools.mcp_server.offer import NAME, Modes, instructions, offered
from tools.startup import CoreSettings
from tools.version import __version__

if TYPE_CHECKING:
    from tools.mcp_server.serving import Built

# What a client sends before it uses the server (the handshake in either protocol era): answered without the tools.
BEFORE_USE = frozenset({"initialize", "server/discover", "ping"})


@dataclass(frozen=True)
class Later:
    """How the tools are built when first needed (``serving.for_stdio``)."""

    core: CoreSettings
    settings: McpSettings
    modes: Modes
    fallback: Literal["token", "deny"]

    def __call__(self, server: MCPServer) -> Built:
        from tools.mcp_server.serving import for_stdio  # noqa: PLC0415 - on the first request that needs it

        return for_stdio(server, self.core, self.settings, self.modes, self.fallback)


class Deferred:
    """Server middleware, outermost: the manifest's answers until a request needs the tools, then the
    built server's middleware for every request."""

    def __init__(self, modes: Modes, build: Callable[[MCPServer], Built]) -> None:
        self.modes = modes
        self.build = build
        self.server: MCPServer | None = None
        self.built: Built | None = None

    def ready(self) -> Built:
        if self.built is None:
            assert self.server is not None, "serve() sets the server before any request"
            # Synchronous on purpose: no other request runs while the tools are half added.
            self.built = self.build(self.server)
        return self.built

    async def __call__(self, ctx: ServerRequestContext[Any, Any], call_next: CallNext) -> HandlerResult:
        if self.built is None and ctx.method == "tools/list":
            # The SDK answers for an empty server (the envelope each protocol era wants), with the tools put in.
            answer = await call_next(ctx)
            wire = (
                answer.model_dump(mode="json", by_alias=True, exclude_none=True)
                if isinstance(answer, BaseModel)
                else answer
            )
            return {**(wire or {}), "tools": read().listing(self.modes)}
        if self.built is None and (ctx.method in BEFORE_USE or ctx.request_id is None):
            return await call_next(ctx)  # the handshake and notifications need no tools
        return await through(self.ready().middleware, ctx, call_next)

    async def complete(self, *args: Any) -> Any:
        return await self.ready().complete(*args)

    @asynccontextmanager
    async def lifespan(self, _server: object) -> AsyncIterator[None]:
        try:
            yield
        finally:
            if self.built is not None:
                await self.built.close()


async def through(
    middleware: list[Middleware], ctx: ServerRequestContext[Any, Any], call_next: CallNext
) -> HandlerResult:
    """Run ``middleware`` (outermost first) around ``call_next``, as the SDK runs its own list."""
    if not middleware:
        return await call_next(ctx)
    return await middleware[0](ctx, partial(through, middleware[1:], call_next=call_next))


def deferred_server(modes: Modes, build: Callable[[MCPServer], Built]) -> MCPServer:
    """A server that answers from the manifest until ``build`` has added the tools."""
    manifest = read()
    deferred = Deferred(modes, build)
    server: MCPServer = MCPServer(
        NAME,
        instructions=instructions(offered(manifest.facts, modes), modes),
        version=__version__,
        middleware=[deferred],
        lifespan=deferred.lifespan,
    )
    deferred.server = server
    server.completion()(deferred.complete)  # type: ignore[no-untyped-call]  # the SDK leaves it untyped
    return server


def serve(modes: Modes, build: Callable[[MCPServer], Built]) -> None:
    deferred_server(modes, build).run()

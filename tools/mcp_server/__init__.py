"""The MCP front: every registry operation as a typed tool; delete and replace need a person's yes.

``build_server`` returns an ``MCPServer``; ``http_app`` wraps it for streamable HTTP
(``registry-mcp --transport http``, and mounted by ``registry-bot``); ``cli.main`` is the
``registry-mcp`` entry point. This package is the only part of ``tools`` that imports ``mcp``.
"""

from typing import Any

from mcp.server.mcpserver import MCPServer
from mcp.types import ToolAnnotations

from tools.confirm import Confirmer
from tools.mcp_server.toolset import ServerOptions, tool_functions
from tools.operations import CATALOGUE, Kind, Operation, Registries

__all__ = ["INSTRUCTIONS", "ServerOptions", "annotations_for", "build_server"]

INSTRUCTIONS = """\
Manage IONOS Cloud Container Registry registries.
Workflow: list_registries (or get_registry with a name or UUID) to find a registry; list_locations \
and check_registry_name before create_registry; update_registry changes only the fields given \
(schedule, scanning, allow list). replace_registry (full PUT: what is left out is RESET) and \
delete_registry (irreversible: every image is lost) always need a person's explicit confirmation: \
either your client asks them to type the registry name, or the tool returns a preview and a \
confirmation_token; then show the preview to the person, wait for their explicit yes, and only then \
call the same tool again with the same arguments and that token. Never invent or reuse a token.\
"""


def annotations_for(op: Operation) -> ToolAnnotations:
    """Hints derived from the operation's kind and HTTP method (reads, additive writes, destructive)."""
    return ToolAnnotations(
        title=op.title,
        read_only_hint=op.kind is Kind.READ,
        destructive_hint=op.kind is Kind.DESTRUCTIVE,
        idempotent_hint=op.idempotent,
        open_world_hint=True,
    )


def build_server(
    registries: Registries, confirmer: Confirmer, options: ServerOptions | None = None, **kwargs: Any
) -> MCPServer:
    """An MCPServer with the tools ``options`` allows; modes are derived from the annotations."""
    opts = options or ServerOptions()
    server: MCPServer = MCPServer("ionos-registry-ops", instructions=INSTRUCTIONS, version="0.1.0", **kwargs)
    for fn, description in tool_functions(registries, confirmer, opts):
        op = CATALOGUE[fn.__name__]
        hints = annotations_for(op)
        if opts.read_only and not hints.read_only_hint:
            continue
        if opts.disable_destructive and hints.destructive_hint:
            continue
        server.add_tool(fn, name=op.name, title=op.title, description=description, annotations=hints)
    return server

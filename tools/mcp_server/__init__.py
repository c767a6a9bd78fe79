"""The MCP front: every catalogue operation as a typed tool; risky changes need a person's yes.

``build_server`` returns an ``MCPServer`` with its tools built; ``http_app`` (``http.py``) wraps it
for streamable HTTP (``registry-mcp --transport http``, and mounted by ``registry-bot``);
``cli.main`` is the ``registry-mcp`` entry point, whose stdio server starts from the manifest
(``stdio.py``). This package is the only part of ``tools`` that imports ``mcp``.

The names below load on first use (PEP 562): ``registry-mcp`` imports ``tools.mcp_server.cli``, and
its stdio server must not pay for the catalogue before a client asks for more than the tool list.
"""

from typing import TYPE_CHECKING

from tools.surface import lazy_names

if TYPE_CHECKING:
    from tools.mcp_server.derive import ServerOptions
    from tools.mcp_server.identity import OAuthOptions
    from tools.mcp_server.offer import annotations_for, instructions
    from tools.mcp_server.server import build_server, registered
    from tools.operations import TOOLSETS

__getattr__ = lazy_names(
    __name__,
    {
        "tools.mcp_server.derive": ("ServerOptions",),
        "tools.mcp_server.identity": ("OAuthOptions",),
        "tools.mcp_server.offer": ("annotations_for", "instructions"),
        "tools.mcp_server.server": ("build_server", "registered"),
        "tools.operations": ("TOOLSETS",),
    },
)

__all__ = [
    "TOOLSETS",
    "OAuthOptions",
    "ServerOptions",
    "annotations_for",
    "build_server",
    "instructions",
    "registered",
]

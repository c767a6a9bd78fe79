"""Baseline for the cold-start benchmark: the smallest useful MCPServer, over stdio."""

from mcp.server import MCPServer

server = MCPServer("one-tool")


@server.tool()
async def ping() -> str:
    """Answer pong."""
    return "pong"


if __name__ == "__main__":
    server.run()

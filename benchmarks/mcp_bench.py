"""MCP benchmarks: cold start over stdio, added latency per call, and output size per registry."""

from __future__ import annotations

import asyncio
import compileall
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from benchmarks.bot_bench import pct
from benchmarks.harness import Row, print_table

HANDSHAKE: list[dict[str, Any]] = [
    {
        "jsonrpc": "2.0",
        "id": 1,
        "method": "initialize",
        "params": {
            "protocolVersion": "2025-06-18",
            "capabilities": {},
            "clientInfo": {"name": "bench", "version": "1"},
        },
    },
    {"jsonrpc": "2.0", "method": "notifications/initialized"},
]
INIT: list[dict[str, Any]] = [*HANDSHAKE, {"jsonrpc": "2.0", "id": 2, "method": "tools/list"}]


# One caller makes every call here: the per-person limit (tests/test_rate_limits.py) is not what is measured.
UNLIMITED = "0/minute"


# The first call after the list: a bad argument, answered by the server itself (no API behind it), so
# what is measured is what the server builds before it can answer a call.
FIRST_CALL: dict[str, Any] = {
    "jsonrpc": "2.0",
    "id": 3,
    "method": "tools/call",
    "params": {"name": "list_registries", "arguments": {"limit": 0}},
}
PING_CALL = {**FIRST_CALL, "params": {"name": "ping", "arguments": {}}}


def cold_start(cmd: list[str], messages: list[dict[str, Any]] = INIT, until: int = 2) -> float:
    """Seconds from spawn until the answer to request ``until`` arrives (by default tools/list)."""
    env = {**os.environ, "IONOS_TOKEN": "not-used-by-tools-list"}
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env)
    assert proc.stdin is not None
    assert proc.stdout is not None
    proc.stdin.write("".join(json.dumps(m) + "\n" for m in messages).encode())
    proc.stdin.flush()
    while True:
        line = proc.stdout.readline()
        if not line:
            raise RuntimeError(f"server exited before answering request {until}")
        if json.loads(line).get("id") == until:
            break
    elapsed = time.perf_counter() - start
    proc.stdin.close()
    proc.wait(timeout=10)
    return elapsed


def bench_cold_start(repeats: int = 9) -> list[Row]:
    # As deployed: an installed package has its bytecode compiled (pip does it; the image too), while
    # this checkout is imported in place, where PYTHONDONTWRITEBYTECODE may keep it from caching.
    root = Path(__file__).resolve().parent.parent
    for folder in ("tools", "benchmarks"):
        compileall.compile_dir(root / folder, quiet=1)
    ours_cmd = [sys.executable, "-m", "tools.mcp_server.cli"]  # as deployed: credentials from the environment
    base_cmd = [sys.executable, "-m", "benchmarks.one_tool_server"]
    cold_start(ours_cmd), cold_start(base_cmd)  # warm the OS file cache for both
    ours, base, ours_call, base_call = [], [], [], []
    for _ in range(repeats):
        ours.append(cold_start(ours_cmd))
        base.append(cold_start(base_cmd))
        ours_call.append(cold_start(ours_cmd, [*INIT, FIRST_CALL], 3))
        base_call.append(cold_start(base_cmd, [*INIT, PING_CALL], 3))
    return [
        Row(
            "registry-mcp cold start to its first tools/list answer (stdio)",
            statistics.median(ours),
            statistics.median(base),
            1.2,
            "one-tool MCPServer script",
        ),
        Row(
            "registry-mcp cold start to its first tools/call answer (stdio; tools built then)",
            statistics.median(ours_call),
            statistics.median(base_call),
            1.5,
            "one-tool MCPServer, ping",
        ),
    ]


async def added_latency(calls: int = 300) -> tuple[float, float]:
    """Median seconds per get_registry: direct client call, and through the in-memory MCP Client."""
    from mcp import Client

    from tools.app import Core
    from tools.audit import AuditLog
    from tools.config import SafetySettings
    from tools.demo import emulator_client
    from tools.mcp_server import build_server

    client = emulator_client(seed=12, provision_seconds=0)
    audit = AuditLog()
    server = build_server(Core.build(client, audit, SafetySettings(registry_rate_limit=UNLIMITED)))
    reg = (await client.list_registries(limit=1)).items[0]
    direct, via_mcp = [], []
    async with Client(server) as mcp_client:
        for _ in range(calls):
            t0 = time.perf_counter()
            await client.get_registry(reg.id)
            t1 = time.perf_counter()
            result = await mcp_client.call_tool("get_registry", {"registry": reg.id})
            t2 = time.perf_counter()
            assert not result.is_error
            direct.append(t1 - t0)
            via_mcp.append(t2 - t1)
    await client.aclose()
    return statistics.median(direct), statistics.median(via_mcp)


async def output_size() -> tuple[float, float]:
    """Bytes per registry: list_registries text content vs the raw API JSON of the same page."""
    from mcp import Client

    from tools.app import Core
    from tools.audit import AuditLog
    from tools.config import SafetySettings
    from tools.demo import emulator_client
    from tools.mcp_server import build_server

    client = emulator_client(seed=200, provision_seconds=0)
    audit = AuditLog()
    server = build_server(Core.build(client, audit, SafetySettings(registry_rate_limit=UNLIMITED)))
    raw = await client._http.request("GET", "registries", params={"limit": "100"}, action="bench")
    items = json.loads(raw.content)["items"]
    raw_per = sum(len(json.dumps(i, separators=(",", ":"))) for i in items) / len(items)
    async with Client(server) as mcp_client:
        result = await mcp_client.call_tool("list_registries", {"limit": 100})
    text = "\n".join(getattr(b, "text", "") for b in result.content)
    await client.aclose()
    return len(text.encode()) / len(items), raw_per


async def tools_list_size() -> tuple[float, float]:
    """Average bytes of JSON per tool in tools/list: ours (compacted) vs the same tools as the SDK lists them."""
    from mcp import Client

    from tools.app import Core
    from tools.audit import AuditLog
    from tools.config import SafetySettings
    from tools.demo import emulator_client
    from tools.mcp_server import build_server

    server = build_server(Core.build(emulator_client(), AuditLog(), SafetySettings(registry_rate_limit=UNLIMITED)))

    def size(tools: list[Any]) -> float:
        return sum(len(json.dumps(t, separators=(",", ":"))) for t in tools) / len(tools)

    async with Client(server) as client:
        listed = (await client.list_tools()).tools
    ours = size([t.model_dump(mode="json", by_alias=True, exclude_none=True) for t in listed])
    plain = [t.model_dump(mode="json", by_alias=True, exclude_none=True) for t in await server.list_tools()]
    return ours, size(plain)


async def completion_times(registries: int = 2000, asks: int = 200) -> tuple[float, float]:
    """p99 of a registry-name completion over ``registries`` registries, and of prompts/list (the
    baseline: the same client, no API call)."""
    import random

    from mcp import Client
    from mcp.types import ResourceTemplateReference

    from tools.app import Core
    from tools.audit import AuditLog
    from tools.config import SafetySettings
    from tools.demo import emulator_client
    from tools.mcp_server import build_server

    server = build_server(
        Core.build(emulator_client(seed=registries), AuditLog(), SafetySettings(registry_rate_limit=UNLIMITED))
    )
    ref = ResourceTemplateReference(type="ref/resource", uri="ionos-cr://registries/{registry}")
    typed = random.Random(7).choices(["", "p", "pr", "prod", "s", "sa", "web-", "ml", "a", "da", "x"], k=asks)
    asked, pinged = [], []
    async with Client(server) as client:
        await client.complete(ref, {"name": "registry", "value": ""})  # warm
        for value in typed:
            t0 = time.perf_counter()
            answer = await client.complete(ref, {"name": "registry", "value": value})
            t1 = time.perf_counter()
            await client.list_prompts()
            t2 = time.perf_counter()
            assert len(answer.completion.values) <= 100
            asked.append(t1 - t0)
            pinged.append(t2 - t1)
    return pct(asked, 0.99), pct(pinged, 0.99)


def main() -> list[Row]:
    rows = bench_cold_start()
    direct, via_mcp = asyncio.run(added_latency())
    rows.append(
        Row(
            "get_registry through the in-memory MCP Client, median",
            via_mcp * 1000,
            direct * 1000,
            2.0,
            "direct client call",
            unit="ms",
            kind="delta",
        )
    )
    size_ours, size_raw = asyncio.run(output_size())
    rows.append(Row("list_registries text per registry", size_ours, size_raw, 0.35, "raw API JSON", unit="B"))
    per_tool, plain = asyncio.run(tools_list_size())
    rows.append(
        Row(
            "tools/list JSON per tool, every toolset",
            per_tool,
            plain,
            1500,
            "the SDK's own schemas",
            unit="B",
            kind="abs",
        )
    )
    completing, pinging = asyncio.run(completion_times())
    rows.append(
        Row.millis(
            "registry-name completion over 2,000 registries, p99 of 200",
            completing,
            pinging,
            50.0,
            "prompts/list through the same client, p99",
        )
    )
    print_table("MCP server", rows)
    return rows


if __name__ == "__main__":
    main()

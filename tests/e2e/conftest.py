"""End-to-end fixtures: real processes on 127.0.0.1 (the emulator, registry-mcp, registry-bot)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator

import pytest

from benchmarks.harness import free_port, wait_http

EMULATOR_TOKEN = "e2e-emulator-token"


def child_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("IONOS_", "SLACK_", "REGISTRY_"))}
    env.update(extra)
    return env


@pytest.fixture(scope="session")
def emulator_url() -> Iterator[str]:
    """`registry-emulator` as a process, accepting only its own bearer token."""
    port = free_port()
    cmd = [sys.executable, "-m", "tools.emulator", "--port", str(port), "--seed", "12", "--token", EMULATOR_TOKEN]
    proc = subprocess.Popen(cmd, env=child_env(), stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_http(url + "/_emulator/stats")
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def api_env(emulator_url: str, **extra: str) -> dict[str, str]:
    return child_env(IONOS_TOKEN=EMULATOR_TOKEN, IONOS_API_URL=emulator_url, **extra)

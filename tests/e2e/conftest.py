"""End-to-end fixtures: real processes on 127.0.0.1 (the emulator, registry-mcp, registry-bot)."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator

import pytest

from benchmarks.harness import emulator

EMULATOR_TOKEN = "e2e-emulator-token"


def child_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("IONOS_", "SLACK_", "REGISTRY_"))}
    env.update(extra)
    return env


def finished(
    command: list[str], env: dict[str, str] | None = None, timeout: float = 60, cwd: str | None = None
) -> subprocess.CompletedProcess[str]:
    """``command`` run to its end, as a person runs it (no IONOS_, SLACK_ or REGISTRY_ setting of
    ours leaks in unless given in ``env``): its exit status and its text output."""
    return subprocess.run(
        command,
        env=child_env() if env is None else env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


@pytest.fixture(scope="session")
def emulator_url() -> Iterator[str]:
    """`registry-emulator` as a process, accepting only its own bearer token."""
    with emulator(seed=12, token=EMULATOR_TOKEN) as url:
        yield url


def api_env(emulator_url: str, **extra: str) -> dict[str, str]:
    return child_env(IONOS_TOKEN=EMULATOR_TOKEN, IONOS_API_URL=emulator_url, **extra)

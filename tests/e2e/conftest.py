"""End-to-end fixtures: real processes on 127.0.0.1 (the emulator, registry-mcp, registry-bot)."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from benchmarks.harness import emulator

EMULATOR_TOKEN = "e2e-emulator-token"


def child_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("IONOS_", "SLACK_", "REGISTRY_"))}
    env.update(extra)
    return env


@pytest.fixture(scope="session")
def emulator_url() -> Iterator[str]:
    """`registry-emulator` as a process, accepting only its own bearer token."""
    with emulator(seed=12, token=EMULATOR_TOKEN) as url:
        yield url


def api_env(emulator_url: str, **extra: str) -> dict[str, str]:
    return child_env(IONOS_TOKEN=EMULATOR_TOKEN, IONOS_API_URL=emulator_url, **extra)

"""What the docs show is what a newcomer gets: every `/registry` session in them is sent to a fresh
`registry-bot --demo` and its shown lines compared, every `bot.demo` command in a shell block runs
without a traceback, and the client library snippet runs against an emulator."""

from __future__ import annotations

import asyncio
import os
import re
import shlex
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from benchmarks.harness import running
from bot.demo import as_text, send
from tests.e2e.conftest import EMULATOR_TOKEN, child_env, finished
from tests.helpers.ports import free_port

ROOT = Path(__file__).resolve().parents[2]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
FENCE = re.compile(r"^```(\w*)\n(.*?)^```", re.MULTILINE | re.DOTALL)


def blocks(language: str) -> list[tuple[str, str]]:
    return [(page.name, body) for page in PAGES for lang, body in FENCE.findall(page.read_text()) if lang == language]


def sessions() -> list[tuple[str, str, list[str]]]:
    """(page, command, the lines shown for its answer) for each `/registry` line of a plain block."""
    found: list[tuple[str, str, list[str]]] = []
    for page, body in blocks(""):
        lines = body.rstrip("\n").splitlines()
        if not lines or not lines[0].startswith("/registry "):
            continue
        for line in lines:
            if line.startswith("/registry "):
                found.append((page, line.removeprefix("/registry "), []))
            else:
                found[-1][2].append(line)
    return found


def shown_as_pattern(line: str) -> re.Pattern[str]:
    """A shown line: exact, except that `…` stands for what the docs left out of it."""
    return re.compile(".*?".join(re.escape(part) for part in line.rstrip().split("…")))


def missing(shown: list[str], printed: list[str]) -> list[str]:
    """The shown lines not found, in order, among the printed ones (a line of only `…` skips any)."""
    rest = iter(printed)
    return [
        line
        for line in shown
        if line.strip() != "…" and not any(shown_as_pattern(line).fullmatch(out.rstrip()) for out in rest)
    ]


@pytest.fixture
def fresh_demo() -> Iterator[str]:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with running(["bot", "--demo", "--port", str(port)], url + "/healthz", env=child_env()):
        yield url + "/slack/events"


def test_there_are_sessions_to_check() -> None:
    assert len(sessions()) >= 4


async def test_every_session_in_the_docs_prints_what_they_show(fresh_demo: str) -> None:
    for page, command, shown in sessions():
        [reply] = await send(command, fresh_demo, "demo-signing-secret")
        printed = as_text(reply).splitlines()
        assert missing(shown, printed) == [], f"{page}: /registry {command}\n" + "\n".join(printed)


def test_every_demo_command_in_a_shell_block_runs_cleanly(fresh_demo: str) -> None:
    commands = [
        line.split("#", 1)[0].strip() for _, body in blocks("sh") for line in body.splitlines() if "-m bot.demo" in line
    ]
    assert commands, "the README shows how to try the bot"
    for command in commands:
        words = shlex.split(command)
        assert words[0] == ".venv/bin/python"
        done = finished([sys.executable, *words[1:], "--url", fresh_demo], timeout=120, cwd=str(ROOT))
        assert done.returncode == 0, f"{command}\n{done.stderr}"
        assert "Traceback" not in done.stderr
        assert done.stdout.strip(), command


async def test_the_client_snippet_runs_as_shown(emulator_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    [(_, snippet)] = [b for b in blocks("python") if "RegistryClient(ApiSettings())" in b[1]]
    monkeypatch.setenv("IONOS_TOKEN", EMULATOR_TOKEN)
    monkeypatch.setenv("IONOS_API_URL", emulator_url)
    namespace: dict[str, object] = {}
    exec("async def snippet():\n" + textwrap.indent(snippet, "    "), namespace)
    await asyncio.wait_for(namespace["snippet"](), 30)  # type: ignore[operator]
    assert os.environ["IONOS_API_URL"] == emulator_url

"""docs/four-eyes-and-watch.md's local recipe, walked as a newcomer would, with `bot.demo` against a
`registry-bot --demo` started with four eyes, an audit channel and the watch turned on."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from collections.abc import Iterator

import pytest

from benchmarks.harness import running
from tests.e2e.conftest import child_env, finished
from tests.helpers.ports import free_port

RECIPE = {
    "REGISTRY_APPROVAL_REQUIRED": "sandbox",
    "REGISTRY_APPROVAL_CHANNEL": "C0APPROVALS",
    "REGISTRY_BOT_AUDIT_CHANNEL": "C0AUDIT",
    "REGISTRY_WATCH_CHANNEL": "C0WATCH",
}


@pytest.fixture
def recipe_bot() -> Iterator[str]:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with running(["bot", "--demo", "--port", str(port)], url + "/healthz", env=child_env(**RECIPE)):
        yield url + "/slack/events"


def demo(url: str, *words: str) -> subprocess.CompletedProcess[str]:
    done = finished(
        [sys.executable, "-m", "bot.demo", *words, "--url", url],
        child_env(REGISTRY_APPROVAL_CHANNEL="C0APPROVALS"),
        120,
    )
    assert "Traceback" not in done.stderr, done.stderr
    return done


def test_four_eyes_and_the_watch_can_be_finished_from_the_terminal(recipe_bot: str) -> None:
    asked = demo(recipe_bot, "delete", "sandbox", "--confirm", "sandbox")
    assert "Nothing has run yet" in asked.stdout
    [request] = re.findall(r"\(request ([\w-]+)\)", asked.stdout)  # url-safe base64: - and _ too

    card = demo(recipe_bot, "channel", "C0APPROVALS").stdout
    assert "Approval needed: Delete registry sandbox" in card
    assert "[Approve] [Reject]" in card

    own = demo(recipe_bot, "approve", request).stdout
    assert "someone else must approve it" in own
    assert "*sandbox* · es/vit · Running" in demo(recipe_bot, "list").stdout, "the person's own yes ran nothing"

    approved = demo(recipe_bot, "approve", request, "--as", "U0BOB").stdout
    assert "Approved by slack:U0BOB: Deleted registry sandbox" in approved
    assert "*sandbox* · es/vit · Running" not in demo(recipe_bot, "list").stdout  # Deleting, then gone
    assert "U0BOB" in demo(recipe_bot, "channel", "C0AUDIT").stdout
    assert f"Your request {request}" in demo(recipe_bot, "channel", "U0DEMO").stdout

    deadline = time.monotonic() + 30  # the watch's first digest comes from its background task
    while "CRITICAL" not in demo(recipe_bot, "channel", "C0WATCH").stdout:
        assert time.monotonic() < deadline, "no watch digest in C0WATCH"
        time.sleep(0.2)

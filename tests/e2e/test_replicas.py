"""Two registry-bot processes, one emulator, one real Redis/Valkey: replicas act as one.

A confirmation made on one replica is accepted once on any other and refused everywhere after;
with the store gone, confirmations fail closed (nothing runs, audited), reads keep working,
/healthz says degraded, and everything recovers by itself when the store is back.
"""

from __future__ import annotations

import asyncio
import json
import sys
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.bot.blockkit import assert_valid_message, assert_valid_view
from tests.bot.conftest import block_action, view_payload
from tests.bot.fakes import FakeSlack, payload_body, slash_body
from tests.e2e.conftest import EMULATOR_TOKEN, api_env
from tests.helpers.ports import free_port
from tests.helpers.signing import signed
from tests.helpers.waiting import eventually
from tests.store_server import StoreServer

SECRET = "replica-signing-secret"
CONFIRM_SECRET = "replicas-share-this-confirmation-key-0123456789"
USER, CHANNEL = "UONCALL", "COPS"


@dataclass
class Replica:
    name: str
    url: str
    audit_file: Path
    process: asyncio.subprocess.Process
    slack: FakeSlack
    http: httpx.AsyncClient

    async def command(self, text: str, rid: str) -> None:
        body = slash_body(text, user=USER, channel=CHANNEL, response_url=self.slack.response_url(rid))
        ack = await self.http.post(self.url + "/slack/events", content=body, headers=signed(body, SECRET))
        assert ack.status_code == 200, ack.text

    async def reply(self, text: str) -> dict[str, Any]:
        rid = uuid.uuid4().hex[:10]
        await self.command(text, rid)
        [answer] = await self.slack.wait_for(lambda: self.slack.responses.get(rid), timeout=20)
        return dict(answer)

    async def interact(self, payload: dict[str, Any]) -> httpx.Response:
        body = payload_body(payload)
        answer = await self.http.post(self.url + "/slack/events", content=body, headers=signed(body, SECRET))
        assert answer.status_code == 200, answer.text
        return answer

    async def health(self) -> dict[str, Any]:
        return dict((await self.http.get(self.url + "/healthz")).json())

    def audit(self) -> list[dict[str, Any]]:
        if not self.audit_file.exists():
            return []
        return [json.loads(line) for line in self.audit_file.read_text().splitlines() if line.strip()]


@pytest.fixture(scope="module")
def shared_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[StoreServer]:
    server = StoreServer(tmp_path_factory.mktemp("replica-store"))
    server.start()
    yield server
    server.stop()


@pytest.fixture
async def replicas(emulator_url: str, shared_store: StoreServer, tmp_path: Path) -> AsyncIterator[list[Replica]]:
    if not shared_store.answers():
        shared_store.start()
    fake = await FakeSlack().start()
    started: list[Replica] = []
    async with httpx.AsyncClient(timeout=20) as http:
        try:
            for name in ("a", "b"):
                port = free_port()
                audit = tmp_path / f"audit-{name}.jsonl"
                env = api_env(
                    emulator_url,
                    SLACK_SIGNING_SECRET=SECRET,
                    SLACK_BOT_TOKEN="xoxb-replica",
                    SLACK_API_URL=fake.api_url,
                    REGISTRY_BOT_WRITERS="*",
                    REGISTRY_CONFIRM_SECRET=CONFIRM_SECRET,
                    REGISTRY_STATE_URL=shared_store.url,
                    REGISTRY_AUDIT_FILE=str(audit),
                )
                process = await asyncio.create_subprocess_exec(
                    sys.executable, "-m", "bot", "--port", str(port), env=env, stderr=asyncio.subprocess.DEVNULL
                )
                replica = Replica(name, f"http://127.0.0.1:{port}", audit, process, fake, http)
                started.append(replica)
                await eventually(lambda r=replica: _answers(r.url + "/healthz"))  # type: ignore[misc]
            yield started
        finally:
            for replica in started:
                replica.process.terminate()
                await asyncio.wait_for(replica.process.wait(), 10)
            await fake.stop()
    for replies in fake.responses.values():
        for reply in replies:
            if reply.get("blocks"):
                assert_valid_message(reply)
    for call in fake.api_calls("views.open"):
        view = call.params["view"]
        assert_valid_view(json.loads(view) if isinstance(view, str) else view)


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=1).status_code == 200
    except httpx.TransportError:
        return False


def new_registry(emulator_url: str) -> tuple[str, str]:
    """A registry of this test's own on the shared emulator: (name, id)."""
    name = f"replica-{uuid.uuid4().hex[:8]}"
    created = httpx.post(
        f"{emulator_url}/containerregistries/registries",
        json={"properties": {"name": name, "location": "de/fra"}},
        headers={"authorization": f"Bearer {EMULATOR_TOKEN}"},
    )
    created.raise_for_status()
    return name, str(created.json()["id"])


def registry_state(emulator_url: str, rid: str) -> int:
    found = httpx.get(
        f"{emulator_url}/containerregistries/registries/{rid}", headers={"authorization": f"Bearer {EMULATOR_TOKEN}"}
    )
    return found.status_code


async def modal_on(replica: Replica, preview: dict[str, Any]) -> dict[str, Any]:
    """Press the preview's danger button on ``replica``; the modal it opened through Slack."""
    before = len(replica.slack.api_calls("views.open"))
    await replica.interact(block_action(replica, preview, "registry_confirm", user=USER))
    calls = await eventually(lambda: replica.slack.api_calls("views.open")[before:])
    view = calls[0].params["view"]
    return dict(json.loads(view) if isinstance(view, str) else view)


def outcomes(replica: Replica, name: str) -> list[tuple[str, str | None]]:
    return [(r["outcome"], r.get("detail")) for r in replica.audit() if r["registry_name"] == name]


async def test_a_confirmation_made_on_one_replica_is_accepted_once_anywhere(
    replicas: list[Replica], emulator_url: str
) -> None:
    a, b = replicas
    name, rid = new_registry(emulator_url)

    preview = await a.reply(f"delete {name}")  # minted on A
    assert "registry_confirm" in json.dumps(preview)
    view = await modal_on(b, preview)  # pressed on B
    await b.interact(view_payload(view, name, user=USER))  # used on B
    await eventually(lambda: ("executed", None) in outcomes(b, name))
    assert registry_state(emulator_url, rid) in (200, 404)

    await a.interact(view_payload(view, name, user=USER))  # replayed on A
    await b.interact(view_payload(view, name, user=USER))  # and on B
    used = ("denied", "confirmation already used")
    await eventually(lambda: used in outcomes(a, name) and used in outcomes(b, name))
    everything = outcomes(a, name) + outcomes(b, name)
    assert [o for o, _ in everything].count("executed") == 1, everything


async def test_with_the_store_gone_confirmations_fail_closed_reads_work_and_it_recovers(
    replicas: list[Replica], emulator_url: str, shared_store: StoreServer
) -> None:
    a, b = replicas
    name, rid = new_registry(emulator_url)
    preview = await a.reply(f"delete {name}")
    view = await modal_on(b, preview)
    url = json.loads(view["private_metadata"])["u"]
    rid_of_answers = url.rsplit("/", 1)[-1]
    seen = len(b.slack.responses.get(rid_of_answers, []))

    shared_store.stop()  # mid-flow: minted and pressed, not yet submitted
    await b.interact(view_payload(view, name, user=USER))
    answers = await eventually(lambda: b.slack.responses.get(rid_of_answers, [])[seen:])
    said = json.dumps(answers)
    assert "confirmations cannot be checked right now" in said
    assert "REGISTRY_STATE_URL" in said
    assert registry_state(emulator_url, rid) == 200, "nothing was deleted"
    [failed] = [d for o, d in outcomes(b, name) if o == "failed"]
    assert "did not answer" in str(failed)

    for replica in (a, b):
        health = await replica.health()
        assert (health["status"], health["store"]) == ("degraded", "redis")
    answer = await a.reply(f"get {name}")  # reads need no store
    assert name in json.dumps(answer)

    shared_store.start()
    for replica in (a, b):
        await eventually(lambda r=replica: _status(r.url) == "ok")  # type: ignore[misc]
    await b.interact(view_payload(view, name, user=USER))  # the same confirmation, now checkable
    await eventually(lambda: ("executed", None) in outcomes(b, name))


def _status(url: str) -> str | None:
    try:
        return str(httpx.get(url + "/healthz", timeout=2).json()["status"])
    except httpx.TransportError:
        return None

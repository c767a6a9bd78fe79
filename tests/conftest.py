"""Shared fixtures: the emulator in-process, the emulator on loopback, clients bound to them."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.helpers.clocks import Clock, FakeClock
from tests.helpers.identity import IdentityProvider, rsa_key
from tests.helpers.servers import LiveServer, serve_in_thread
from tests.store_server import StoreServer
from tools import ApiSettings, RegistryClient
from tools.app import Core
from tools.audit import AuditLog, AuditRecord
from tools.config import SafetySettings
from tools.confirmation import Confirmer
from tools.emulator.app import EmulatorApp, build_app
from tools.emulator.backend import Backend, StoredRegistry
from tools.people import Caller

TOKEN = "test-token-s3cr3t-value"


E2E = Path(__file__).parent / "e2e"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Everything under tests/e2e is ``e2e`` (real processes): ``pytest -m 'not e2e'`` is the quick loop."""
    for item in items:
        if E2E in item.path.parents:
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(autouse=True)
def _no_ambient_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests never pick up a developer's real IONOS or Slack credentials."""
    for name in list(os.environ):
        if name.startswith(("IONOS_", "SLACK_", "REGISTRY_")):
            monkeypatch.delenv(name, raising=False)


def api_settings(url: str, **overrides: object) -> ApiSettings:
    values: dict[str, object] = {"ionos_token": TOKEN, "ionos_api_url": url}
    values.update(overrides)
    return ApiSettings.model_validate(values)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def emulator(clock: FakeClock) -> EmulatorApp:
    return build_app(Backend(seed=12, clock=clock))


@pytest.fixture
async def client(emulator: EmulatorApp) -> AsyncIterator[RegistryClient]:
    transport = httpx.ASGITransport(app=emulator)
    async with RegistryClient(api_settings("http://emulator"), transport=transport) as c:
        yield c


@pytest.fixture(scope="session")
def live_emulator() -> Iterator[LiveServer]:
    """The emulator over real loopback HTTP (reset before each test that uses it)."""
    live = serve_in_thread(build_app(Backend(seed=12)))
    yield live
    live.stop()


@pytest.fixture
def live(live_emulator: LiveServer) -> LiveServer:
    httpx.post(live_emulator.url + "/_emulator/reset").raise_for_status()
    return live_emulator


@dataclass
class Stack:
    """The core wired to an in-process emulator: what both fronts run on."""

    emulator: EmulatorApp
    client: RegistryClient
    audit: AuditLog
    core: Core
    clock: Clock

    @property
    def confirmer(self) -> Confirmer:
        return self.core.confirmer

    @property
    def records(self) -> list[AuditRecord]:
        return self.recorded

    def __post_init__(self) -> None:
        self.recorded: list[AuditRecord] = []
        self.audit.listeners.append(self.recorded.append)

    def registry_named(self, name: str) -> StoredRegistry | None:
        return next((r for r in self.emulator.backend._by_id.values() if r.name == name), None)


@pytest.fixture
def stack(emulator: EmulatorApp, client: RegistryClient, tmp_path: Path) -> Stack:
    clock = Clock()
    audit = AuditLog(tmp_path / "audit.jsonl")
    safety = SafetySettings(registry_protected="prod-*,*-critical", registry_confirm_secret="k" * 32)
    return Stack(emulator, client, audit, Core.build(client, audit, safety, clock=clock), clock)


def caller(actor: str = "slack:U-ALICE", front: str = "test") -> Caller:
    return Caller(actor, front)


@pytest.fixture(scope="session")
def store_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[StoreServer]:
    """One real Redis/Valkey for the session; ``redis_url`` empties it before each test."""
    server = StoreServer(tmp_path_factory.mktemp("store"))
    server.start()
    yield server
    server.stop()


@pytest.fixture
def redis_url(store_server: StoreServer) -> str:
    store_server.flush()
    return store_server.url


@pytest.fixture
def own_store_server(tmp_path: Path) -> Iterator[StoreServer]:
    """A server of this test's own, for tests that stop it and start it again."""
    server = StoreServer(tmp_path)
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def idp() -> Iterator[IdentityProvider]:
    """An OAuth identity provider on loopback (one signing key) for the whole session."""
    provider = IdentityProvider(keys=[rsa_key("key-1")]).start()
    yield provider
    provider.stop()


@pytest.fixture
def fresh_idp(idp: IdentityProvider) -> IdentityProvider:
    idp.keys = idp.keys[:1]
    idp.jwks_fetches = 0
    return idp

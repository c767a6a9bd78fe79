"""The application: the one client, the audit, confirmation and four eyes, following, the watch.

``Core.build`` makes it complete; every entry point gets one through ``tools.wiring``. Operations
run on it (it extends ``tools.operations.Services``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tools import metrics
from tools.advisories import Advisories
from tools.audit import AuditLog, Outcome
from tools.client import RegistryClient
from tools.config import SafetySettings
from tools.confirmation import Confirmer
from tools.follow import Followers
from tools.operations import CATALOGUE, AnyOperation, Services
from tools.people import Caller
from tools.state import StateStore
from tools.watch import Watch


@dataclass
class Core(Services):
    @classmethod
    def build(
        cls,
        client: RegistryClient,
        audit: AuditLog,
        safety: SafetySettings,
        *,
        clock: Callable[[], float] | None = None,
        store: StateStore | None = None,
        followers: Followers | None = None,
    ) -> Core:
        confirmer = Confirmer(client, audit, safety, store=store, **({"clock": clock} if clock else {}))
        audit.listeners.append(metrics.count_audit)
        watch = Watch(
            client, confirmer.store, token_days=safety.registry_watch_token_days, protected=safety.protected_patterns
        )
        return cls(
            client,
            audit,
            confirmer,
            followers or Followers(client),
            watch,
            Advisories(client),
            safety.registry_wait_timeout,
        )

    @property
    def store(self) -> StateStore:
        return self.confirmer.store

    async def health(self) -> dict[str, str]:
        """What /healthz reports: the shared store's state (reads never need it)."""
        return {"store": self.store.name, "state": "ok" if await self.store.ping() else "degraded"}

    def warm(self) -> None:
        """Build now what the first request would build: the client's transport, every input and output
        model (they build on first use, which keeps a CLI's cold start short, but a server taking
        concurrent traffic would stall its event loop for that first use)."""
        self.client.warm()
        for op in CATALOGUE.values():
            op.input.model_rebuild()
            op.output.model_rebuild()

    def refuse(self, op: AnyOperation, inp: Any, caller: Caller, detail: str) -> None:
        """Audit an attempt a front refused before it reached the core (a Slack reader trying to write)."""
        self.confirmer.recorder.note(Outcome.DENIED, caller, (op.name, op.named(inp)), detail)

"""The one composition root: settings → store → client → core. Both entry points (``registry-bot``
and ``registry-mcp``) check their settings with ``tools.startup.core_settings``, build here, and
then build their own front on the ``Core`` this returns.

It imports only what every entry point uses; the emulator loads only when asked for (``offline``).
"""

from __future__ import annotations

from dataclasses import dataclass

from tools.app import Core
from tools.audit import AuditLog
from tools.client import RegistryClient
from tools.config import SafetySettings
from tools.startup import CoreSettings, core_settings, secret_value
from tools.state import open_store


def client_for(settings: CoreSettings) -> RegistryClient:
    """The IONOS client, or one on the built-in emulator (no credentials needed)."""
    if settings.offline:
        from tools.demo import emulator_client  # noqa: PLC0415 - the emulator only when asked for

        return emulator_client()
    return RegistryClient(settings.api)


@dataclass(frozen=True)
class Wired:
    """What an entry point builds its front on; closed when it stops."""

    core: Core
    safety: SafetySettings

    async def aclose(self) -> None:
        try:
            await self.core.client.aclose()
        finally:
            await self.core.store.aclose()


def assemble(settings: CoreSettings) -> Wired:
    safety = settings.safety
    client = client_for(settings)
    store = open_store(secret_value(safety.registry_state_url))
    core = Core.build(client, AuditLog(safety.registry_audit_file), safety, store=store)
    return Wired(core, safety)


def build(prog: str, *, offline: bool) -> Wired:
    return assemble(core_settings(prog, offline=offline))

"""The one composition root: settings → store → client → core. Both entry points (``registry-bot``
and ``registry-mcp``) start here and then build their own front on the ``Core`` it returns.

It imports only what every entry point uses; the emulator loads only when asked for (``offline``).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from tools.app import Core
from tools.audit import AuditLog
from tools.client import RegistryClient
from tools.config import ApiSettings, ObservabilitySettings, SafetySettings
from tools.startup import configure_logging, load, secret_value
from tools.state import open_store

logger = logging.getLogger("tools.wiring")


def local_url(host: str, port: int) -> str:
    """Where this process answers from this machine: a wildcard bind is reached on loopback."""
    reachable = "127.0.0.1" if host in ("0.0.0.0", "::") else host  # noqa: S104 - compared, not bound
    return f"http://{reachable}:{port}"


def observe(prog: str) -> ObservabilitySettings:
    """Logging first, so that every later refusal is logged in the configured format."""
    observability = load(prog, ObservabilitySettings)
    configure_logging(observability.registry_log_format)
    return observability


def client_for(prog: str, *, offline: bool) -> RegistryClient:
    """The IONOS client, or one on the built-in emulator (no credentials needed). The settings are read
    either way: a bad value is refused at start, whatever the mode."""
    api = load(prog, ApiSettings)
    if offline:
        from tools.demo import emulator_client  # noqa: PLC0415 - the emulator only when asked for

        return emulator_client()
    if not api.has_credentials:
        logger.warning(
            "no IONOS credentials: every call will answer that none are set. Set IONOS_TOKEN "
            "(or IONOS_USERNAME and IONOS_PASSWORD), or run with --emulator"
        )
    return RegistryClient(api)


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


def build(prog: str, *, offline: bool) -> Wired:
    safety = load(prog, SafetySettings)
    client = client_for(prog, offline=offline)
    store = open_store(secret_value(safety.registry_state_url))
    core = Core.build(client, AuditLog(safety.registry_audit_file), safety, store=store)
    return Wired(core, safety)

"""A RegistryClient wired to an in-process emulator: `--emulator` and `--demo` run on it.

Only entry points import this module (it is what brings the emulator into a process).
"""

import httpx

from tools.client import RegistryClient
from tools.config import ApiSettings
from tools.emulator.app import build_app
from tools.emulator.backend import Backend

DEMO_SEED = 12


def emulator_client(seed: int = DEMO_SEED, provision_seconds: float = 5.0) -> RegistryClient:
    app = build_app(Backend(seed=seed, provision_seconds=provision_seconds))
    settings = ApiSettings(ionos_token="emulator", ionos_api_url="http://emulator.invalid")
    return RegistryClient(settings, transport=httpx.ASGITransport(app=app))

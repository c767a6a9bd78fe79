"""A RegistryClient wired to an in-process emulator: `--emulator` and `--demo` run on it.

Only entry points import this module. The emulator itself is imported and built on the
first API call, so a server that is only asked for its tool list starts as fast as ever.
"""

import httpx

from tools.client import RegistryClient
from tools.config import ApiSettings

DEMO_SEED = 12


class EmulatorOnFirstUse(httpx.AsyncBaseTransport):
    def __init__(self, seed: int, provision_seconds: float) -> None:
        self.seed = seed
        self.provision_seconds = provision_seconds
        self._inner: httpx.AsyncBaseTransport | None = None

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self._inner is None:
            from tools.emulator.app import build_app  # noqa: PLC0415 - deferred on purpose
            from tools.emulator.backend import Backend  # noqa: PLC0415

            app = build_app(Backend(seed=self.seed, provision_seconds=self.provision_seconds))
            self._inner = httpx.ASGITransport(app=app)
        return await self._inner.handle_async_request(request)


def emulator_client(seed: int = DEMO_SEED, provision_seconds: float = 5.0) -> RegistryClient:
    settings = ApiSettings(ionos_token="emulator", ionos_api_url="http://emulator.invalid")
    return RegistryClient(settings, transport=EmulatorOnFirstUse(seed, provision_seconds))

"""/metrics: what an operator scrapes after real traffic, and who may scrape it."""

from __future__ import annotations

import httpx
import pytest
from prometheus_client import REGISTRY
from prometheus_client.parser import text_string_to_metric_families

from tests.conftest import Stack, api_settings, caller
from tools import metrics
from tools.client import RegistryClient, RetryPolicy
from tools.emulator.app import EmulatorApp
from tools.errors import ConfirmationError
from tools.metrics import MetricsEndpoint
from tools.operations import CATALOGUE, RegistryRefInput

FAST = RetryPolicy(max_retries=2, max_total_wait=1.0, initial_wait=0.01, max_wait=0.02)


@pytest.fixture(autouse=True)
def _metrics_on() -> None:
    metrics.enable()


def value(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


async def test_reads_and_api_requests_are_counted(stack: Stack) -> None:
    who = caller(front="slack")
    before_ok = value("registry_operations_total", front="slack", operation="get_registry", outcome="executed")
    before_failed = value("registry_operations_total", front="slack", operation="get_registry", outcome="failed")
    before_gets = value("registry_api_requests_total", method="GET", status="200")
    before_latency = value("registry_api_request_duration_seconds_count", method="GET")
    await CATALOGUE["get_registry"].call(stack.core, RegistryRefInput(registry="analytics"), who)
    with pytest.raises(Exception, match="no registry"):
        await CATALOGUE["get_registry"].call(stack.core, RegistryRefInput(registry="no-such-registry"), who)
    after = value("registry_operations_total", front="slack", operation="get_registry", outcome="executed")
    assert after == before_ok + 1
    failed = value("registry_operations_total", front="slack", operation="get_registry", outcome="failed")
    assert failed == before_failed + 1
    assert value("registry_api_requests_total", method="GET", status="200") > before_gets
    assert value("registry_api_request_duration_seconds_count", method="GET") > before_latency


async def test_confirmations_are_counted_by_outcome(stack: Stack) -> None:
    who = caller("slack:U-ALICE", "slack")
    op = CATALOGUE["delete_registry"]
    names = ("issued", "executed", "denied", "expired")
    before = {o: value("registry_confirmations_total", outcome=o) for o in names}
    executed_ops = value("registry_operations_total", front="slack", operation="delete_registry", outcome="executed")

    plan = await stack.confirmer.start(op, RegistryRefInput(registry="sandbox"), who)
    await stack.confirmer.execute(plan.claims, op, RegistryRefInput(registry="sandbox"), caller=who)  # type: ignore[union-attr]
    with pytest.raises(ConfirmationError):  # replayed
        await stack.confirmer.execute(plan.claims, op, RegistryRefInput(registry="sandbox"), caller=who)  # type: ignore[union-attr]
    late = await stack.confirmer.start(op, RegistryRefInput(registry="analytics"), who)
    stack.clock.now += 3600
    with pytest.raises(ConfirmationError):
        await stack.confirmer.execute(late.claims, op, RegistryRefInput(registry="analytics"), caller=who)  # type: ignore[union-attr]

    after = {o: value("registry_confirmations_total", outcome=o) for o in names}
    assert {o: after[o] - before[o] for o in names} == {"issued": 2, "executed": 1, "denied": 1, "expired": 1}
    now = value("registry_operations_total", front="slack", operation="delete_registry", outcome="executed")
    assert now == executed_ops + 1


async def test_retries_are_counted(emulator: EmulatorApp) -> None:
    transport = httpx.ASGITransport(app=emulator)
    async with httpx.AsyncClient(transport=transport, base_url="http://emu") as raw:
        await raw.post("/_emulator/faults", json={"status": 503, "count": 1})
    before = value("registry_api_retries_total", method="GET")
    before_503 = value("registry_api_requests_total", method="GET", status="503")
    async with RegistryClient(api_settings("http://emulator"), transport=transport, retry=FAST) as client:
        await client.list_locations()
    assert value("registry_api_retries_total", method="GET") == before + 1
    assert value("registry_api_requests_total", method="GET", status="503") == before_503 + 1


async def scrape(endpoint: MetricsEndpoint, headers: dict[str, str] | None = None) -> httpx.Response:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=endpoint), base_url="http://x") as http:
        return await http.get("/metrics", headers=headers or {})


async def test_the_exposition_is_prometheus_text_without_names_of_things(stack: Stack) -> None:
    await CATALOGUE["get_registry"].call(stack.core, RegistryRefInput(registry="analytics"), caller(front="mcp"))
    response = await scrape(MetricsEndpoint(loopback=True, token=None))
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=")
    families = {f.name: f for f in text_string_to_metric_families(response.text)}
    assert {"registry_operations", "registry_api_requests", "registry_confirmations"} <= set(families)
    assert "analytics" not in response.text, "labels carry operations, never registry names"
    assert "slack:U-ALICE" not in response.text, "nor people"


@pytest.mark.parametrize(
    ("loopback", "token", "sent", "status"),
    [
        (True, None, None, 200),  # bound to loopback: like /mcp, open
        (False, None, None, 401),  # beyond loopback without a token: closed
        (False, None, "Bearer anything", 401),
        (False, "scrape-token", None, 401),
        (False, "scrape-token", "Bearer wrong", 401),
        (False, "scrape-token", "Bearer scrape-token", 200),
        (True, "scrape-token", None, 401),  # a token, once set, is always needed
    ],
)
async def test_who_may_scrape(loopback: bool, token: str | None, sent: str | None, status: int) -> None:
    response = await scrape(MetricsEndpoint(loopback=loopback, token=token), {"authorization": sent} if sent else None)
    assert response.status_code == status
    if status == 401:
        assert "REGISTRY_METRICS_TOKEN" in response.text
        assert "registry_operations" not in response.text

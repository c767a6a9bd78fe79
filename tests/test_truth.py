"""Differential truth: every read answer of both fronts agrees with the API's own answers.

For random emulator seeds and sizes (hypothesis), the truth is computed straight from the
emulator's HTTP API (``tests.helpers.raw``: plain httpx and JSON). The MCP front is read from its
structured output, the Slack front from the text a person reads, each followed through every page.
`make test` runs a few examples (seconds); ``TRUTH_EXAMPLES=200 make test`` runs more.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from mcp import Client
from slack_sdk.web.async_client import AsyncWebClient

from bot import render
from bot.access import Access
from bot.answers import answer, answered
from bot.deps import BotDeps
from tests.conftest import TOKEN, api_settings
from tests.helpers.clocks import Clock, FakeClock
from tests.helpers.raw import Raw, Truth, rank, token_windows
from tests.helpers.text import text, texts
from tools.app import Core
from tools.audit import AuditLog
from tools.client import RegistryClient
from tools.config import SafetySettings
from tools.emulator.app import build_app
from tools.emulator.backend import Backend
from tools.mcp_server import build_server

EXAMPLES = int(os.environ.get("TRUTH_EXAMPLES", "2"))
EXPLORE = "TRUTH_EXAMPLES" in os.environ  # by default the same few worlds every run; asked for more, new ones
PROTECTED = "prod-*,*-critical"
WINDOW = 14  # REGISTRY_WATCH_TOKEN_DAYS: the watch's and the token list's "soon"
worlds = settings(
    max_examples=EXAMPLES,
    deadline=None,
    # A world is a whole estate: shrinking one would take minutes, and the seed already names it.
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    derandomize=not EXPLORE,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
seeds = st.integers(min_value=1, max_value=30)  # the emulator's seed is its number of registries
sizes = st.one_of(st.none(), st.integers(min_value=1, max_value=12))
token_counts = st.one_of(st.none(), st.integers(min_value=1, max_value=8))


@dataclass
class World:
    truth: Truth
    raw: Raw
    core: Core
    mcp: Client
    deps: BotDeps
    pick: random.Random

    async def tool(self, name: str, args: dict[str, Any]) -> Any:
        return await self.mcp.call_tool(name, args)

    async def pages(self, name: str, args: dict[str, Any]) -> list[dict[str, Any]]:
        """Every page of a list tool's structured output, by its next_cursor."""
        out, cursor = [], None
        for _ in range(500):
            result = await self.tool(name, {**args, **({"cursor": cursor} if cursor else {})})
            assert not result.is_error, text(result)
            out.append(result.structured_content)
            cursor = result.structured_content.get("next_cursor")
            if not cursor:
                return out
        raise AssertionError(f"{name} never reached its last page")

    async def slack(self, command: str) -> list[str]:
        """What a person reads, page after page, pressing Next page until there is none."""
        web = AsyncWebClient(token="xoxb-truth", base_url="http://127.0.0.1:9/api/")  # reads never call Slack
        out = []
        for _ in range(500):
            reply = await answered(lambda c=command: answer(self.deps, c, "UTRUTH", "CTRUTH", web))  # type: ignore[misc]
            out.append(texts(reply.message))
            buttons = [
                e
                for b in reply.message["blocks"]
                if b["type"] == "actions"
                for e in b["elements"]
                if e["action_id"] == render.NEXT_ACTION
            ]
            if not buttons:
                return out
            command = json.loads(buttons[0]["value"])["q"]
        raise AssertionError(f"/registry {command} never reached its last page")


@asynccontextmanager
async def world(seed: int, artifacts: int | None, tokens: int | None) -> AsyncIterator[World]:
    app = build_app(Backend(seed=seed, clock=FakeClock()), artifacts=artifacts, tokens=tokens)
    transport = httpx.ASGITransport(app=app)
    headers = {"authorization": f"Bearer {TOKEN}"}
    async with (
        httpx.AsyncClient(transport=transport, base_url="http://emulator/containerregistries/", headers=headers) as h,
        RegistryClient(api_settings("http://emulator"), transport=transport) as client,
    ):
        safety = SafetySettings(registry_protected=PROTECTED, registry_watch_token_days=WINDOW)
        core = Core.build(client, AuditLog(), safety, clock=Clock())
        raw = Raw(h)
        truth = await raw.truth()
        async with Client(build_server(core)) as mcp:
            yield World(truth, raw, core, mcp, BotDeps(core, Access()), random.Random(seed))


def run(seed: int, artifacts: int | None, tokens: int | None, check: Any) -> None:
    async def go() -> None:
        async with world(seed, artifacts, tokens) as w:
            await check(w)

    asyncio.run(go())


# ---------------------------------------------------------------- the CVE sweep


async def sweeps_agree(w: World) -> None:
    known = sorted(w.truth.advisories())
    if not known:
        return
    advisory = w.pick.choice(known)
    expected = w.truth.with_advisory(advisory)
    cap = w.pick.randint(1, 5)
    pages = await w.pages("find_vulnerable_images", {"vulnerability_id": advisory, "max_images": cap})
    first = pages[0]
    listed = [(i["registry"], i["reference"].rsplit("@", 1)[1]) for p in pages for i in p["images"]]
    assert len(listed) == len(set(listed)), "no image listed twice across pages"
    assert set(listed) == expected
    assert first["found"] == len(expected), "the count is of everything found, not of the page"
    assert first["registries_affected"] == len({r for r, _ in expected})
    assert first["registries_searched"] == len(w.truth.registries)
    said = await w.slack(f"vulns find {advisory} --limit {cap}")
    affected, searched = len({r for r, _ in expected}), len(w.truth.registries)
    if expected:
        assert f"{len(expected)} image(s) in {affected} of {searched} registr" in said[0], said[0]
        slack_digests = {m for page in said for m in re.findall(r"@(sha256:[0-9a-f]{64})", page)}
        assert slack_digests == {d for _, d in expected}
    else:
        assert f"in no image of the {searched} registries searched" in said[0], said[0]
    clean = sorted(set(w.truth.names()) - {r for r, _ in expected})
    if clean:  # a known advisory found nowhere it was looked for: said so, never an error
        where = w.pick.choice(clean)
        nowhere = await w.tool("find_vulnerable_images", {"vulnerability_id": advisory, "registries": [where]})
        assert not nowhere.is_error, text(nowhere)
        assert (nowhere.structured_content["found"], nowhere.structured_content["registries_searched"]) == (0, 1)
        [answer] = await w.slack(f"vulns find {advisory} --in {where}")
        assert "in no image of the 1 registry searched" in answer, answer


async def unknown_ids_are_errors(w: World) -> None:
    advisory = w.pick.choice(sorted(w.truth.advisories()) or ["CVE-2021-44228"])
    typo = advisory[:-1] if advisory[-1].isdigit() else advisory + "9"
    assert (await w.raw.get(f"vulnerabilities/{typo}")).status_code == 404, "the API does not know it"
    for tool in ("find_vulnerable_images", "get_vulnerability"):
        result = await w.tool(tool, {"vulnerability_id": typo})
        assert result.is_error, f"{tool}: an unknown id must not read as an answer: {text(result)}"
        assert "does not know the advisory" in text(result)
    for command in (f"vulns find {typo}", f"vulns get {typo}"):
        [said] = await w.slack(command)
        assert ":x:" in said
        assert "does not know the advisory" in said
        assert "0 image" not in said


@worlds
@given(seed=seeds, artifacts=sizes)
def test_sweeps_count_everything_and_unknown_ids_are_errors(seed: int, artifacts: int | None) -> None:
    async def check(w: World) -> None:
        await sweeps_agree(w)
        await unknown_ids_are_errors(w)

    run(seed, artifacts, None, check)


# ---------------------------------------------------------------- repositories and images


def slack_repo_rows(pages: list[str]) -> dict[str, tuple[str | None, str | None]]:
    """name → (worst, its image) from `/registry repos` lines."""
    rows = {}
    for page in pages:
        for line in page.splitlines():
            parts = [p.strip() for p in line.split("|")]
            if len(parts) < 6 or " images" not in parts[1]:
                continue
            found = re.search(r"worst (\w+)(?: \(in ([^)]+)\))?", line)
            worst = None if "worst: not scanned" in line else (found.group(1) if found else "?")
            rows[parts[0]] = (worst, found.group(2) if found else None)
    return rows


async def repositories_agree(w: World, registry: str) -> None:
    repos = [r["properties"]["name"] for r in w.truth.repositories[registry]]
    pages = await w.pages("list_repositories", {"registry": registry, "limit": 2})
    shown = [r for p in pages for r in p["repositories"]]
    assert sorted(r["name"] for r in shown) == sorted(repos), "every repository once, through the pages"
    for row in shown:
        truth = w.truth.worst(registry, row["name"])
        assert row["worst_severity"] == truth, (registry, row["name"])
        if truth is not None:
            named = [
                i
                for i in w.truth.images_of(registry, row["name"])
                if row["worst_image"] in (*i.tags, "@" + i.digest.split(":")[1][:12])
            ]
            assert named, f"{row['worst_image']} is one of its images"
            assert all((i.max_severity or "").lower() == truth for i in named), "and it has the worst severity"
    raw = {r["properties"]["name"]: (r["metadata"].get("lastSeverity") or None) for r in w.truth.repositories[registry]}
    assert {r["name"]: r["latest_severity"] for r in shown} == {k: v.lower() if v else None for k, v in raw.items()}
    slack = slack_repo_rows(await w.slack(f"repos {registry} --limit 2"))
    assert {k: v[0] for k, v in slack.items()} == {n: w.truth.worst(registry, n) for n in repos}
    for level in ("critical", "high", "medium"):
        expected = {n for n in repos if (worst := w.truth.worst(registry, n)) and rank(worst) <= rank(level)}
        filtered = await w.pages("list_repositories", {"registry": registry, "severity": level, "limit": 1})
        assert {r["name"] for p in filtered for r in p["repositories"]} == expected, level
        assert filtered[0]["matched"] == len(expected)
        assert set(slack_repo_rows(await w.slack(f"repos {registry} --severity {level} --limit 1"))) == expected


async def images_agree(w: World, registry: str, repository: str) -> None:
    digests = {i.digest for i in w.truth.images_of(registry, repository)}
    pages = await w.pages("list_images", {"repository": f"{registry}/{repository}", "limit": 2})
    listed = [i["digest"] for p in pages for i in p["images"]]
    assert len(listed) == len(set(listed))
    assert set(listed) == digests
    said = await w.slack(f"images {registry}/{repository} --limit 2")
    shorts = [m for page in said for m in re.findall(r"@([0-9a-f]{12})\b", page)]
    assert sorted(shorts) == sorted(d.split(":")[1][:12] for d in digests)


@worlds
@given(seed=seeds, artifacts=sizes)
def test_repositories_show_their_true_worst_and_filter_by_it(seed: int, artifacts: int | None) -> None:
    async def check(w: World) -> None:
        for registry in w.pick.sample(w.truth.names(), min(3, len(w.truth.registries))):
            await repositories_agree(w, registry)
            repos = w.truth.repositories[registry]
            if repos:
                await images_agree(w, registry, w.pick.choice(repos)["properties"]["name"])

    run(seed, artifacts, None, check)


# ---------------------------------------------------------------- an image's vulnerabilities


async def vulnerabilities_agree(w: World) -> None:
    if not w.truth.images:
        return
    image = w.pick.choice(w.truth.images)
    counts = dict.fromkeys(("critical", "high", "medium", "low", "none", "unknown"), 0)
    for v in image.vulnerabilities:
        counts[v["properties"]["severity"].lower()] += 1
    ref = f"{image.registry}/{image.repository}@{image.digest}"
    level = w.pick.choice(["critical", "high", "medium", "low"])
    expected = [v["id"] for v in image.vulnerabilities if rank(v["properties"]["severity"]) <= rank(level)]
    pages = await w.pages("list_vulnerabilities", {"image": ref, "severity": level, "limit": 2})
    assert pages[0]["counts"] == counts, "the image's own counts, before the filter"
    assert pages[0]["matched"] == len(expected)
    listed = [v["id"] for p in pages for v in p["vulnerabilities"]]
    assert sorted(listed) == sorted(expected)
    ranks = [rank(v["severity"]) for p in pages for v in p["vulnerabilities"]]
    assert ranks == sorted(ranks), "worst first"
    said = await w.slack(f"vulns {ref} --severity {level} --limit 2")
    head = said[0].splitlines()[0]
    for severity, n in counts.items():
        if n:
            assert f"{n} {severity}" in head, head
    hidden = len(image.vulnerabilities) - len(expected)
    assert f"{len(expected)} match, {hidden} hidden by the filter" in said[0]
    shown = [m for page in said for m in re.findall(r"^  [A-Z]+ ((?:CVE|GHSA)-[\w-]+) ", page, re.MULTILINE)]
    assert sorted(shown) == sorted(expected), "every finding the filter keeps, once, through the pages"


@worlds
@given(seed=seeds, artifacts=sizes)
def test_image_vulnerabilities_and_their_counts_agree_with_or_without_a_filter(
    seed: int, artifacts: int | None
) -> None:
    async def check(w: World) -> None:
        for _ in range(3):
            await vulnerabilities_agree(w)

    run(seed, artifacts, None, check)


# ---------------------------------------------------------------- tokens


async def tokens_agree(w: World, registry: str) -> None:
    tokens = w.truth.tokens[registry]
    expired, expiring = token_windows(tokens, w.core.now(), WINDOW)
    pages = await w.pages("list_tokens", {"registry": registry, "limit": 2})
    listed = [t["id"] for p in pages for t in p["tokens"]]
    assert len(listed) == len(set(listed))
    assert set(listed) == {t["id"] for t in tokens}
    first = pages[0]
    assert (first["total"], first["expired"], first["expiring_soon"]) == (len(tokens), len(expired), len(expiring))
    by_state = {t["name"]: t["expiry"] for p in pages for t in p["tokens"]}
    assert {n for n, s in by_state.items() if s == "expired"} == expired
    assert {n for n, s in by_state.items() if s == "expiring soon"} == expiring
    said = await w.slack(f"tokens {registry} --limit 2")
    assert f"{len(tokens)} in all, {len(expired)} expired, {len(expiring)} expiring within {WINDOW} days" in said[0], (
        said[0]
    )


@worlds
@given(seed=seeds, tokens=token_counts)
def test_token_lists_and_expiry_windows_agree(seed: int, tokens: int | None) -> None:
    async def check(w: World) -> None:
        for registry in w.pick.sample(w.truth.names(), min(4, len(w.truth.registries))):
            await tokens_agree(w, registry)

    run(seed, None, tokens, check)


# ---------------------------------------------------------------- the watch


def watch_truth(w: World) -> set[tuple[str, str, str]]:
    """(kind, registry, subject) of everything the watch must report, from the API's answers."""
    out: set[tuple[str, str, str]] = set()
    now = w.core.now()
    for reg in w.truth.registries:
        name = reg["properties"]["name"]
        if reg["metadata"]["state"].lower() != "running":
            out.add(("registry", name, reg["metadata"]["state"]))
        expired, expiring = token_windows(w.truth.tokens[name], now, WINDOW)
        out |= {("token", name, t) for t in expired | expiring}
    for image in w.truth.images:
        for v in image.vulnerabilities:
            props = v["properties"]
            if props["severity"].lower() in ("critical", "high") and props.get("fixable"):
                out.add(("vulnerability", image.registry, v["id"]))
    return out


async def watch_agrees(w: World) -> None:
    expected = watch_truth(w)
    pages = await w.pages("watch_registries", {"limit": 25})
    findings = [f for p in pages for f in p["findings"]]
    found = [(f["kind"], f["registry"], f["subject"]) for f in findings]
    assert len(found) == len(set(found)), "no finding twice across pages"
    assert set(found) == expected
    assert pages[0]["found"] == len(expected)
    order = [(f["rank"], not f["protected"]) for f in findings]
    assert order == sorted(order), "critical, high, tokens expired, expiring, state, storage; protected first"
    for f in findings:
        severity = next(
            (
                v["properties"]["severity"].lower()
                for i in w.truth.images
                if i.registry == f["registry"]
                for v in i.vulnerabilities
                if v["id"] == f["subject"]
            ),
            None,
        )
        if f["kind"] == "vulnerability":
            assert f["rank"] == (0 if severity == "critical" else 1)
    said = "\n".join(await w.slack("watch --limit 25"))
    for kind, registry, subject in expected:
        line = next((x for x in said.splitlines() if subject in x and registry in x), None)
        assert line is not None, f"Slack names {registry} for {kind} {subject}"


@worlds
@given(seed=seeds, artifacts=sizes, tokens=token_counts)
def test_watch_findings_name_their_registry_in_order_of_urgency(
    seed: int, artifacts: int | None, tokens: int | None
) -> None:
    run(seed, artifacts, tokens, watch_agrees)


# ---------------------------------------------------------------- registries through their pages


async def registries_agree(w: World) -> None:
    names = w.truth.names()
    pages = await w.pages("list_registries", {"limit": 5})
    listed = [r["name"] for p in pages for r in p["registries"]]
    assert sorted(listed) == sorted(names)
    assert len(listed) == len(set(listed))
    said = await w.slack("list --limit 5")
    slack_names = [m for page in said for m in re.findall(r"^\*([a-z0-9-]+)\* ·", page, re.MULTILINE)]
    assert sorted(slack_names) == sorted(names)


@worlds
@given(seed=seeds)
def test_every_registry_is_listed_once_through_the_pages(seed: int) -> None:
    run(seed, None, None, registries_agree)

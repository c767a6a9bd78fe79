"""Shared benchmark plumbing: emulator processes, measured child processes, result tables."""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Coroutine, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpx

from tests.helpers.ports import free_port

TOKEN = "bench-token"


def wait_http(url: str, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            httpx.get(url, timeout=1.0)
            return
        except httpx.TransportError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


@contextmanager
def running(module_args: list[str], ready_url: str, env: dict[str, str] | None = None) -> Iterator[int]:
    """`python -m <module_args>` for the duration of the block, once ``ready_url`` answers; yields the pid.

    Its stderr is discarded: an unread pipe would stall a chatty server.
    """
    proc = subprocess.Popen([sys.executable, "-m", *module_args], env=env, stderr=subprocess.DEVNULL)
    try:
        wait_http(ready_url)
        yield proc.pid
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@contextmanager
def emulator(
    seed: int,
    latency_ms: float = 0.0,
    token: str = TOKEN,
    artifacts: int | None = None,
    provision_seconds: float | None = None,
    tokens: int | None = None,
) -> Iterator[str]:
    """A `registry-emulator` process on loopback accepting only ``token``; yields its base URL."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    args = ["tools.emulator", "--port", str(port), "--seed", str(seed), "--latency-ms", str(latency_ms)]
    if artifacts is not None:
        args += ["--artifacts", str(artifacts)]
    if provision_seconds is not None:
        args += ["--provision-seconds", str(provision_seconds)]
    if tokens is not None:
        args += ["--tokens", str(tokens)]
    with running([*args, "--token", token], url + "/_emulator/stats"):
        yield url


@dataclass
class Sample:
    wall: float
    rss_mb: float
    found: int | None = None


def measure(module: str, *args: str) -> Sample:
    """Run `python -m module args...` in a fresh process; it prints {"wall": s, "rss_mb": mb}."""
    out = subprocess.run(
        [sys.executable, "-m", module, *args], check=True, capture_output=True, text=True, env=os.environ.copy()
    )
    data = json.loads(out.stdout.strip().splitlines()[-1])
    return Sample(float(data["wall"]), float(data["rss_mb"]), data.get("found"))


def median(samples: list[Sample]) -> Sample:
    walls, rss = (s.wall for s in samples), (s.rss_mb for s in samples)
    return Sample(statistics.median(walls), statistics.median(rss), samples[0].found)


def agreeing(module: str, url: str, ours: int, sdk: int) -> tuple[Sample, Sample]:
    """Medians of ``ours`` runs of ours and ``sdk`` runs of the SDK, each in a fresh process. A speed
    is worth nothing if the answers differ: both sides must have found the same, or the run stops."""
    mine = [measure(module, "ours", url) for _ in range(ours)]
    theirs = [measure(module, "sdk", url) for _ in range(sdk)]
    if len({s.found for s in mine + theirs}) != 1:
        raise SystemExit(f"the two sides found different things: {[s.found for s in mine + theirs]}")
    return median(mine), median(theirs)


def wall_and_memory(title: str, name: str, ours: Sample, sdk: Sample, target: float, how: str) -> list[Row]:
    """Two rows, time against ``target`` and peak memory against the SDK's, printed under ``title``."""
    rows = [
        Row(name, ours.wall, sdk.wall, target, how, rss=(ours.rss_mb, sdk.rss_mb)),
        Row(f"{title} peak RSS", ours.rss_mb, sdk.rss_mb, 1.0, "official SDK", unit="MB"),
    ]
    print_table(title, rows)
    return rows


def child(ours: Callable[[str], Coroutine[Any, Any, float]], sdk: Callable[[str], float], found: list[int]) -> None:
    """A benchmark's child process: ``ours|sdk URL`` runs one side once and reports it."""
    impl, base = sys.argv[1:]
    wall = asyncio.run(ours(base)) if impl == "ours" else sdk(base)
    report(wall, found=found[-1])


def peak_rss_mb() -> float:
    """This process's own peak RSS. Linux's ``ru_maxrss`` carries the parent's size over fork and exec
    (a child of a 100 MB benchmark runner reports at least 100 MB), so read the high-water mark of
    this process's memory instead; ``ru_maxrss`` only where /proc is missing."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def report(wall: float, **extra: object) -> None:
    print(json.dumps({"wall": wall, "rss_mb": peak_rss_mb(), **extra}))


@dataclass
class Row:
    """One benchmark result. ``kind="ratio"``: ours / baseline <= target. ``kind="delta"``: ours - baseline
    <= target (same unit). ``kind="abs"``: ours <= target, the ratio to the baseline shown too."""

    name: str
    ours: float
    base: float
    target: float
    base_name: str
    unit: str = "s"
    kind: str = "ratio"
    rss: tuple[float, float] | None = None

    @classmethod
    def millis(cls, name: str, ours: float, base: float, target_ms: float, base_name: str) -> Row:
        """A latency held to an absolute bound: ``ours`` and ``base`` in seconds, shown in ms."""
        return cls(name, ours * 1000, base * 1000, target_ms, base_name, unit="ms", kind="abs")

    @property
    def score(self) -> float:
        if self.kind == "ratio":
            return self.ours / self.base
        return self.ours - self.base if self.kind == "delta" else self.ours

    @property
    def ok(self) -> bool:
        return self.score <= self.target


def fmt(value: float, unit: str) -> str:
    if unit == "s":
        return f"{value:.3f} s"
    return f"{value:.1f} {unit}" if unit == "ms" else f"{value:.0f} {unit}".strip()


def print_table(title: str, rows: list[Row]) -> None:
    print(f"\n{title}\n")
    print("| scenario | ours | baseline | result (target) | peak RSS ours / baseline |")
    print("|---|---|---|---|---|")
    for r in rows:
        verdict = "ok" if r.ok else "MISSED"
        if r.kind == "ratio":
            score = f"ratio **{r.score:.2f}** (<= {r.target})"
        elif r.kind == "delta":
            score = f"**+{fmt(r.score, r.unit)}** (<= {fmt(r.target, r.unit)})"
        else:
            score = f"**{fmt(r.score, r.unit)}** (<= {fmt(r.target, r.unit)})"
        rss = f"{r.rss[0]:.0f} MB / {r.rss[1]:.0f} MB" if r.rss else "–"
        base = f"{fmt(r.base, r.unit)} ({r.base_name})"
        print(f"| {r.name} | {fmt(r.ours, r.unit)} | {base} | {score} {verdict} | {rss} |")

"""`make bench`: every benchmark suite, each printed as a table of ratios against a baseline."""

from __future__ import annotations

import logging
import sys

from benchmarks import (
    bot_bench,
    client_vs_sdk,
    follow_bench,
    home_bench,
    mcp_bench,
    replicas_bench,
    repos_bench,
    sanitize_bench,
    sweep_bench,
    watch_bench,
)

SUITES = {
    "client": client_vs_sdk.main,
    "mcp": mcp_bench.main,
    "bot": bot_bench.main,
    "sweep": sweep_bench.main,
    "repos": repos_bench.main,
    "replicas": replicas_bench.main,
    "follow": follow_bench.main,
    "watch": watch_bench.main,
    "sanitize": sanitize_bench.main,
    "home": home_bench.main,
}


def main() -> int:
    logging.basicConfig(level=logging.WARNING)
    wanted = sys.argv[1:] or list(SUITES)
    missed = []
    for name in wanted:
        rows = SUITES[name]()
        missed += [r.name for r in rows if not r.ok]
    if missed:
        print("\nTargets missed: " + "; ".join(missed))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

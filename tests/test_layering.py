"""The layering rules of the design, read from the code's own imports: a wrong arrow fails here."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def imports(path: Path) -> set[str]:
    """Every module a file imports, absolute (relative imports resolved against its package)."""
    package = ".".join(path.relative_to(ROOT).with_suffix("").parts[:-1])
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join([*base, node.module] if node.module else base)
            else:
                module = node.module or ""
            found.add(module)
            found |= {f"{module}.{alias.name}" for alias in node.names}
    return found


def files(*folders: str) -> list[Path]:
    return sorted(p for folder in folders for p in (ROOT / folder).rglob("*.py"))


def importing(modules: list[Path], prefix: str) -> list[str]:
    return [
        str(p.relative_to(ROOT)) for p in modules if any(m == prefix or m.startswith(prefix + ".") for m in imports(p))
    ]


def under(path: Path, folder: str) -> bool:
    return (ROOT / folder) in path.parents


def test_the_core_never_imports_a_front() -> None:
    assert importing(files("tools"), "bot") == []


def test_the_emulator_imports_nothing_of_ours() -> None:
    emulator = files("tools/emulator")
    assert emulator
    outside = [
        p for p in emulator if any(m.startswith("tools.") and not m.startswith("tools.emulator") for m in imports(p))
    ]
    assert outside == [], "the emulator is an independent implementation of the API"
    assert importing(emulator, "bot") == []


def test_only_the_mcp_package_imports_mcp() -> None:
    outside = [p for p in files("tools", "bot") if not under(p, "tools/mcp_server")]
    assert importing(outside, "mcp") == []


def test_only_the_slack_front_imports_slack() -> None:
    for library in ("slack_bolt", "slack_sdk"):
        assert importing(files("tools"), library) == [], library


def test_only_the_client_talks_http_to_ionos() -> None:
    allowed = {"tools/demo.py"}
    core = [
        p
        for p in files("tools")
        if not under(p, "tools/client")
        and not under(p, "tools/emulator")
        and not under(p, "tools/mcp_server")
        and str(p.relative_to(ROOT)) not in allowed
    ]
    assert importing(core, "httpx") == []
    assert importing(core, "aiohttp") == []
    readers = importing([p for p in files("tools") if not under(p, "tools/client")], "tools.client._http")
    assert readers == [], "HTTP mechanics stay inside the client"


@pytest.mark.parametrize("leaf", ["tools/config.py", "tools/models"])
def test_leaves_stay_leaves(leaf: str) -> None:
    modules = files(leaf) if (ROOT / leaf).is_dir() else [ROOT / leaf]
    ours = {m for p in modules for m in imports(p) if m.startswith("tools") and not m.startswith("tools.models")}
    assert ours == set(), f"{leaf} imports {sorted(ours)}"
    errors = {m for m in imports(ROOT / "tools/errors.py") if m.startswith("tools")}
    assert {m.split(".")[1] for m in errors} <= {"models"}


def test_the_fronts_use_the_public_core_only() -> None:
    private = [p for p in files("bot") if any(m.startswith(("tools._", "tools.emulator")) for m in imports(p))]
    assert private == []
    fronts = [p for p in files("bot", "tools/mcp_server") if p.name not in ("__main__.py", "cli.py")]
    direct = [str(p.relative_to(ROOT)) for p in fronts if any(m.startswith("tools.client") for m in imports(p))]
    assert direct == [], "fronts run operations from the catalogue; only entry points build the client"

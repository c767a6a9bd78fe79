"""The layering rules of the design, read from the code's own imports: a wrong arrow fails here."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def module_of(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def statements(path: Path) -> Iterator[tuple[str, list[str]]]:
    """Each import in a file as (absolute module, names imported from it); relative imports resolved
    against the file's package. ``import a.b`` is ``("a.b", [])``."""
    package = ".".join(path.relative_to(ROOT).with_suffix("").parts[:-1])
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            yield from ((alias.name, []) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join([*base, node.module] if node.module else base)
            else:
                module = node.module or ""
            yield module, [alias.name for alias in node.names]


def imports(path: Path) -> set[str]:
    """Every module a file imports, absolute; ``from m import n`` counts ``m`` and ``m.n``."""
    found: set[str] = set()
    for module, names in statements(path):
        found.add(module)
        found |= {f"{module}.{name}" for name in names}
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


@pytest.mark.parametrize("leaf", ["tools/config.py", "tools/models", "tools/sanitize.py", "tools/values.py"])
def test_leaves_stay_leaves(leaf: str) -> None:
    """Leaves import no module of ours but other leaves (models build views through the sanitizer)."""
    modules = files(leaf) if (ROOT / leaf).is_dir() else [ROOT / leaf]
    ours = {
        m
        for p in modules
        for m in imports(p)
        if m.startswith("tools") and not m.startswith(("tools.models", "tools.sanitize", "tools.values"))
    }
    assert ours == set(), f"{leaf} imports {sorted(ours)}"
    errors = {m for m in imports(ROOT / "tools/errors.py") if m.startswith("tools")}
    assert {m.split(".")[1] for m in errors} <= {"models"}


def test_the_fronts_use_the_public_core_only() -> None:
    private = [p for p in files("bot") if any(m.startswith(("tools._", "tools.emulator")) for m in imports(p))]
    assert private == []
    fronts = [p for p in files("bot", "tools/mcp_server") if p.name not in ("__main__.py", "cli.py")]
    direct = [str(p.relative_to(ROOT)) for p in fronts if any(m.startswith("tools.client") for m in imports(p))]
    assert direct == [], "fronts run operations from the catalogue; only entry points build the client"


# What may be imported inside a function, and why: each is optional (a setting turns it on) or heavy
# and off the cold-start path. Anything else belongs at the top of its module.
LAZY_IMPORTS = {
    ("tools.client._http", "httpx_aiohttp"): "the transport: aiohttp loads on the first API call",
    ("tools.client._http", "stamina"): "retries: loaded on the first failure",
    ("tools.config", "pydantic_settings"): "settings sources: only entry points read the environment",
    ("tools.demo", "tools.emulator.app"): "the emulator: loaded on the demo's first call",
    ("tools.demo", "tools.emulator.backend"): "the emulator: loaded on the demo's first call",
    ("tools.logs", "pythonjsonlogger.json"): "REGISTRY_LOG_FORMAT=json only",
    ("tools.mcp_server.server", "mcp.server.auth.settings"): "OAuth only",
    ("tools.mcp_server.server", "tools.mcp_server.oauth"): "OAuth only (PyJWT)",
    ("tools.mcp_server.server", "starlette.requests"): "HTTP transport only",
    ("tools.mcp_server.server", "starlette.responses"): "HTTP transport only",
    ("tools.mcp_server.cli", "tools.mcp_server.serving"): "HTTP transport only: stdio lists its tools without the core",
    ("tools.mcp_server.stdio", "tools.mcp_server.serving"): "the core and the tools, on stdio's first request for them",
    ("tools.mcp_server.identity", "tools.mcp_server.oauth"): "OAuth only (PyJWT)",
    ("tools.wiring", "tools.demo"): "--emulator and --demo only",
    ("tools.mcp_server.serving", "uvicorn"): "HTTP transport only",
    ("tools.mcp_server.secrets", "cryptography.fernet"): "shared secret delivery only",
    ("tools.metrics", "prometheus_client"): "metrics are off until a server exposes /metrics",
    ("tools.state", "redis.asyncio"): "a shared store only",
    ("tools.state", "redis.exceptions"): "a shared store only",
}


def product_modules() -> dict[str, Path]:
    return {module_of(p): p for p in files("tools", "bot")}


def edges(modules: dict[str, Path]) -> dict[str, set[str]]:
    """Module → the project modules it imports: anywhere in the file, ``TYPE_CHECKING`` included;
    ``from pkg import sub`` counts as importing ``pkg.sub`` when that is a module, else ``pkg``."""
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        targets: set[str] = set()
        for module, names in statements(path):
            subs = [f"{module}.{n}" for n in names]
            targets |= {sub if sub in modules else module for sub in subs} if subs else {module}
        graph[name] = {t for t in targets if t in modules and t != name}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in sorted(graph[node]):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_import_cycles_among_our_modules() -> None:
    graph = edges(product_modules())
    assert len(graph) > 50
    assert cycles(graph) == []


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def lazy_imports() -> set[tuple[str, str]]:
    found: set[tuple[str, str]] = set()
    for name, path in product_modules().items():
        for fn in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            for node in ast.walk(fn):
                if isinstance(node, ast.Import):
                    found |= {(name, alias.name) for alias in node.names}
                elif isinstance(node, ast.ImportFrom) and node.module:
                    found.add((name, node.module))
    return found


def test_function_level_imports_are_only_the_optional_or_heavy_ones() -> None:
    unexplained = sorted(lazy_imports() - set(LAZY_IMPORTS))
    assert unexplained == [], "import at the top of the module, or add it to LAZY_IMPORTS with the reason"
    gone = sorted(set(LAZY_IMPORTS) - lazy_imports())
    assert gone == [], "no longer imported lazily: drop it from LAZY_IMPORTS"


def test_no_product_file_is_over_350_lines() -> None:
    long = {str(p.relative_to(ROOT)): n for p in files("tools", "bot") if (n := len(p.read_text().splitlines())) > 350}
    assert long == {}, "split by what the parts are about"


@pytest.mark.parametrize("package", ["tools", "tools.mcp_server"])
def test_every_public_name_loads_on_first_use_and_an_unknown_one_is_named(package: str) -> None:
    import importlib

    surface = importlib.import_module(package)
    for name in surface.__all__:
        value = getattr(surface, name)
        assert getattr(value, "__name__", name) == name or name.isupper(), f"{package}.{name} is {value!r}"
    with pytest.raises(AttributeError, match=f"module '{package}' has no attribute 'nothing_here'"):
        _ = surface.nothing_here

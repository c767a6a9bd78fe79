"""The docs cannot go stale: the reference pages are what the code declares, every link stays inside
the repository, and the README stays short enough to read at 3 a.m."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parent.parent
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
LINK = re.compile(r"\]\(([^)\s]+)\)")


def generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("docs_generate", ROOT / "docs" / "generate.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_reference_pages_are_what_the_code_declares() -> None:
    """Fails after a tool, a flag or a setting changes until `make docs` is run and committed."""
    stale = generator().stale()
    assert stale == [], f"{stale} differ from the code: run `make docs`"


def test_the_reference_names_every_tool_and_every_variable() -> None:
    from tools.config import ApiSettings, McpSettings, ObservabilitySettings, SafetySettings, SlackSettings
    from tools.operations import CATALOGUE

    tools_page = (ROOT / "docs/reference/mcp-tools.md").read_text()
    assert all(f"`{name}`" in tools_page or f"`{name}*`" in tools_page for name in CATALOGUE)
    environment = (ROOT / "docs/reference/environment.md").read_text()
    for kind in (ApiSettings, SafetySettings, SlackSettings, McpSettings, ObservabilitySettings):
        assert all(f"`{field.upper()}`" in environment for field in kind.model_fields)


def test_every_link_points_inside_the_repository_at_something_that_exists() -> None:
    broken = []
    for page in PAGES:
        for target in LINK.findall(page.read_text()):
            if target.startswith(("http://", "https://", "mailto:", "#")):
                continue
            path = (page.parent / target.split("#", 1)[0]).resolve()
            if not path.is_relative_to(ROOT) or not path.exists():
                broken.append(f"{page.relative_to(ROOT)}: {target}")
    assert broken == []


def test_the_readme_is_short() -> None:
    assert len((ROOT / "README.md").read_text().splitlines()) <= 250

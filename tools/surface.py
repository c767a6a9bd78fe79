"""A package's public names, loaded on first use (PEP 562): importing one module of a package then
does not import every module its surface names (the stdio MCP server's cold start depends on it)."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable


def lazy_names(package: str, homes: dict[str, tuple[str, ...]]) -> Callable[[str], object]:
    """The ``__getattr__`` for ``package``: each name in ``homes`` (module → names) imported from its
    module when first asked for, then kept as a plain attribute."""
    home_of = {name: module for module, names in homes.items() for name in names}

    def __getattr__(name: str) -> object:  # noqa: N807 - the module hook's own name
        module = home_of.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module), name)
        setattr(sys.modules[package], name, value)
        return value

    return __getattr__

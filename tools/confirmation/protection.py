"""Name globs that cover resources: ``REGISTRY_PROTECTED`` and ``REGISTRY_APPROVAL_REQUIRED``.

A key is ``registry`` or ``registry/repository`` (``Target.protection_key``, ``Claims.key``); a
pattern that names a registry covers everything in it.
"""

from __future__ import annotations

from dataclasses import dataclass
from fnmatch import fnmatchcase


def matching(patterns: tuple[str, ...], key: str) -> str | None:
    """The glob matching ``key``, if any."""
    keys = (key, key.split("/", 1)[0])
    return next((p for p in patterns if any(fnmatchcase(k, p) for k in keys)), None)


@dataclass(frozen=True)
class Coverage:
    """The resources some globs cover."""

    patterns: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.patterns)

    def covering(self, key: str) -> str | None:
        return matching(self.patterns, key) if self.patterns else None

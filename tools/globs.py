"""Name globs for ``REGISTRY_PROTECTED`` and ``REGISTRY_APPROVAL_REQUIRED``: one matcher for both."""

from __future__ import annotations

from fnmatch import fnmatchcase


def matching(patterns: tuple[str, ...], key: str) -> str | None:
    """The glob matching ``key`` (``registry`` or ``registry/repository``), if any; a pattern that
    names a registry covers everything in it."""
    keys = (key, key.split("/", 1)[0])
    return next((p for p in patterns if any(fnmatchcase(k, p) for k in keys)), None)

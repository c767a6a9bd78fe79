"""How a setting's text becomes a value: the API URL, lists, rates. Pure; a leaf."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

DEFAULT_API_URL = "https://api.ionos.com"
API_BASE_PATH = "/containerregistries"


def normalize_api_url(value: str) -> str:
    """Accept a host (``api.ionos.com``), a host URL or a full base; return the full base.

    ``https://`` is assumed when no scheme is given, and ``/containerregistries`` is
    appended when the path does not already end with it (as the IONOS Go SDK does).
    """
    raw = value.strip()
    if not raw:
        raise ValueError("IONOS_API_URL must not be empty")
    if "://" not in raw:
        raw = "https://" + raw
    parts = urlsplit(raw)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"IONOS_API_URL must be an http(s) URL or a host name, got {value!r}")
    path = parts.path.rstrip("/")
    if not path.endswith(API_BASE_PATH):
        path += API_BASE_PATH
    return urlunsplit((parts.scheme, parts.netloc, path, "", ""))


PER = {"second": 1.0, "minute": 60.0, "hour": 3600.0}


@dataclass(frozen=True)
class Rate:
    """At most ``count`` per ``per`` (second, minute or hour); a count of 0 is no limit."""

    count: int
    per: str

    @property
    def seconds(self) -> float:
        return PER[self.per]

    def __str__(self) -> str:
        return f"{self.count}/{self.per}"


def rate_of(text: str) -> Rate:
    count, _, per = text.strip().lower().partition("/")
    per = per.strip().removesuffix("s")
    if not count.strip().isdigit() or per not in PER or int(count) > 1_000_000:
        raise ValueError("must be N/second, N/minute or N/hour, N a whole number (0 = no limit)")
    return Rate(int(count), per)


def split_list(raw: str | None) -> tuple[str, ...]:
    """A list setting, separated by commas or spaces: its items, trimmed, empty ones left out."""
    return tuple(part for part in (raw or "").replace(",", " ").split() if part)


_CHANNEL = re.compile(r"^[CGD][A-Z0-9]{2,}$")


def routes_of(text: str) -> tuple[tuple[str, str], ...]:
    """``prod-*=C0PROD,team-a-*=C0TEAMA`` → ((glob, channel), …) in the order given (the first match wins)."""
    routes = []
    for item in split_list(text):
        glob, eq, channel = item.partition("=")
        if not eq or not glob.strip() or not _CHANNEL.match(channel.strip()):
            raise ValueError(f"must be NAME-GLOB=CHANNEL-ID, comma-separated, e.g. prod-*=C0PROD (given {item!r})")
        routes.append((glob.strip().lower(), channel.strip()))
    return tuple(routes)

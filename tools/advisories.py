"""Advisory ids as people type them: unknown ones are errors with a "did you mean", never a zero.

IONOS answers ``GET /vulnerabilities/{id}`` for the advisories it knows and nothing else; it has no
list or search. So "did you mean" draws on two sources: the advisories this process has already
seen in scan results (``note``), and the well-known nicknames people type instead of ids
(``log4shell``). Every suggestion is checked with IONOS before it is offered, so what is suggested
is known there.
"""

from __future__ import annotations

import asyncio
import difflib
from collections import OrderedDict
from collections.abc import Iterable

from tools.client import RegistryClient
from tools.errors import NotFoundError, RegistryError, UnknownAdvisoryError
from tools.models import Vulnerability

# Names people use for famous advisories (lower case, spaces and dashes removed) → the id.
NICKNAMES: dict[str, tuple[str, str]] = {
    "log4shell": ("CVE-2021-44228", "Log4Shell"),
    "log4j": ("CVE-2021-44228", "Log4Shell"),
    "spring4shell": ("CVE-2022-22965", "Spring4Shell"),
    "springshell": ("CVE-2022-22965", "Spring4Shell"),
    "xzbackdoor": ("CVE-2024-3094", "the xz backdoor"),
    "xz": ("CVE-2024-3094", "the xz backdoor"),
    "regresshion": ("CVE-2024-6387", "regreSSHion"),
    "rapidreset": ("CVE-2023-44487", "HTTP/2 Rapid Reset"),
    "heartbleed": ("CVE-2014-0160", "Heartbleed"),
    "shellshock": ("CVE-2014-6271", "Shellshock"),
    "text4shell": ("CVE-2022-42889", "Text4Shell"),
    "dirtypipe": ("CVE-2022-0847", "Dirty Pipe"),
    "pwnkit": ("CVE-2021-4034", "PwnKit"),
    "looneytunables": ("CVE-2023-4911", "Looney Tunables"),
}
SEEN_AT_MOST = 20_000
SUGGEST = 3


def _key(text: str) -> str:
    return "".join(ch for ch in text.lower() if ch.isalnum())


class Advisories:
    def __init__(self, client: RegistryClient) -> None:
        self.client = client
        self._seen: OrderedDict[str, None] = OrderedDict()

    def note(self, ids: Iterable[str]) -> None:
        """Advisory ids that scan results named: known to IONOS, so fit to suggest."""
        for vid in ids:
            self._seen[vid] = None
            self._seen.move_to_end(vid)
        while len(self._seen) > SEEN_AT_MOST:
            self._seen.popitem(last=False)

    async def get(self, vulnerability_id: str) -> Vulnerability:
        """The advisory; an unknown id raises ``UnknownAdvisoryError`` naming the closest known ones."""
        try:
            found = await self.client.vulnerabilities.get(vulnerability_id)
        except NotFoundError as exc:
            raise await self.unknown(vulnerability_id, exc) from None
        self.note([found.id])
        return found

    async def unknown(self, vulnerability_id: str, cause: RegistryError | None = None) -> UnknownAdvisoryError:
        suggestions = await self.suggestions(vulnerability_id)
        hint = "Did you mean " + " or ".join(suggestions) + "?" if suggestions else UnknownAdvisoryError.default_hint
        return UnknownAdvisoryError(
            f"IONOS does not know the advisory {vulnerability_id!r}: it is not a vulnerability id it has",
            status=404,
            request_id=cause.request_id if cause else None,
            hint=hint,
        )

    async def suggestions(self, vulnerability_id: str) -> list[str]:
        """The closest ids IONOS knows, best first, each with its nickname where it has one."""
        nick = NICKNAMES.get(_key(vulnerability_id))
        named = dict(NICKNAMES.values())
        candidates = [nick[0]] if nick else []
        pool = list(dict.fromkeys([*reversed(self._seen), *named]))
        candidates += difflib.get_close_matches(vulnerability_id.upper(), pool, n=SUGGEST + 2, cutoff=0.75)
        candidates = [c for c in dict.fromkeys(candidates) if c.upper() != vulnerability_id.upper()][: SUGGEST + 2]
        known = await asyncio.gather(*(self._known(c) for c in candidates))
        out = [f"{c} ({named[c]})" if c in named else c for c, ok in zip(candidates, known, strict=True) if ok]
        return out[:SUGGEST]

    async def _known(self, vulnerability_id: str) -> bool:
        if vulnerability_id in self._seen:
            return True
        try:
            await self.client.vulnerabilities.get(vulnerability_id)
        except RegistryError:
            return False
        self.note([vulnerability_id])
        return True

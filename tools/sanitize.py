"""Text from the API is data, never instructions or markup: the one sanitizer, applied where API data
becomes a view (``tools.models.View``), so both fronts and every new view get it.

Whoever can push an image, name a token or influence an advisory feed writes text that reaches a
model and a channel. What it may not carry there:

- invisible and format characters (zero-width, bidi controls, Unicode tags, other control and
  format characters; newline and tab stay), which hide text from the person reading it;
- code fences and HTML-like tags, which can close a tool result or open a fake one;
- unbounded length: every string is capped, advisory prose at a few hundred characters, marked as cut;
- links that are not ``http(s)``: references keep only web URLs, a few of them.

Slack mentions and links are escaped by the Slack renderer (``&``, ``<``, ``>``), as everything is.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Literal

TEXT_LIMIT = 1000  # any one string (names, tags, e-mails, our own messages): the API's own limits are far lower
PROSE_LIMIT = 400  # advisory descriptions and recommendations (REGISTRY_MCP_UNTRUSTED_TEXT=cut)
FULL_PROSE_LIMIT = 4000  # REGISTRY_MCP_UNTRUSTED_TEXT=full: still bounded
MAX_LINKS = 5
LINK_LIMIT = 300
CUT = " … [cut]"
OMITTED = "(left out: REGISTRY_MCP_UNTRUSTED_TEXT=omit)"
ProsePolicy = Literal["cut", "omit", "full"]

# Categories removed: Cc (controls), Cf (format: zero-width, bidi, tags), Co (private use),
# Cs (surrogates), Zl/Zp (line and paragraph separators, which some renderers treat as breaks).
_DROP = frozenset({"Cc", "Cf", "Co", "Cs", "Zl", "Zp"})
_KEEP = frozenset("\n\t")
_FENCE = re.compile(r"`{3,}|~{3,}")
_URL = re.compile(r"^https?://[^\s<>\"'`]+$", re.IGNORECASE)

_policy: ProsePolicy = "cut"


class Mark:
    """Field metadata: ``Annotated[str | None, PROSE]``."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return self.name.upper()


UNTRUSTED = "Untrusted data"  # the output schema says so; the instructions say what that means
PROSE = Mark("prose")  # free text from an advisory feed: capped at a few hundred characters
LINKS = Mark("links")  # URLs from an advisory feed: web links only, a few


def set_prose_policy(policy: ProsePolicy) -> None:
    """How advisory prose is kept, for this process (``REGISTRY_MCP_UNTRUSTED_TEXT``)."""
    global _policy  # noqa: PLW0603 - one setting for the process, read by every view
    _policy = policy


def prose_policy() -> ProsePolicy:
    return _policy


def _visible(text: str) -> str:
    return "".join(c for c in text if c in _KEEP or unicodedata.category(c) not in _DROP)


def clean(text: str, limit: int = TEXT_LIMIT) -> str:
    """The text with nothing invisible, no fence, no tag, at most ``limit`` characters (marked as cut)."""
    if not (text.isascii() and text.isprintable()):
        text = _visible(text)
    if "`" in text or "~" in text:
        text = _FENCE.sub(lambda m: "'" * len(m.group()) if m.group()[0] == "`" else "-" * len(m.group()), text)
    if "<" in text or ">" in text:
        # Not escaped (each front escapes for its own markup): turned into look-alikes that no
        # parser, model or renderer reads as a tag, a closer or a Slack link.
        text = text.replace("<", "‹").replace(">", "›")
    if len(text) > limit:
        text = text[: max(0, limit - len(CUT))].rstrip() + CUT
    return text


def clean_prose(text: str) -> str:
    """Free text from an advisory feed, under this process's policy."""
    if _policy == "omit":
        return OMITTED if text else text
    return clean(text, FULL_PROSE_LIMIT if _policy == "full" else PROSE_LIMIT)


def clean_links(urls: list[str]) -> list[str]:
    """Only web URLs, each whole and bounded, at most a few: never a ``javascript:`` or a mailto."""
    kept = []
    for given in urls:
        url = clean(given.strip(), 300)
        if _URL.match(url) and not url.endswith(CUT):
            kept.append(url)
        if len(kept) == MAX_LINKS:
            break
    return kept

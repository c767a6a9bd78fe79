"""Who asks (``Caller``), and whether two callers are the same person, across fronts.

The core never sees Slack users or OAuth subjects, only actors (``slack:U…``, ``mcp:alice@…``) and,
when a front could read it, the person's e-mail address. Within one front an actor names one
person (a Slack user id; an OAuth e-mail or subject). Across fronts only the e-mail ties a Slack
account to an OAuth identity, so where either e-mail is unknown the answer is *unknown*, never
"someone else": four eyes refuses on unknown.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


def normal_email(value: object) -> str | None:
    """An address as compared: trimmed and case-folded (``Alice@Example.com`` is alice). Anything that
    is not an address (no ``@``, blank) is unknown, not a person."""
    if not isinstance(value, str):
        return None
    text = value.strip().casefold()
    local, at, domain = text.partition("@")
    return text if at and local and domain and not any(ch.isspace() for ch in text) else None


@dataclass(frozen=True)
class Caller:
    """Who asks, from which front.

    ``safe_only``: this caller may not make changes that need confirmation (``--disable-destructive``).
    ``email``: the person's verified address when the front knows it (an OAuth token's ``email``
    claim, a Slack profile), normalised; None when it could not be read.
    """

    actor: str
    front: str
    safe_only: bool = False
    email: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "email", normal_email(self.email))


class Sameness(Enum):
    SAME = "same"
    DIFFERENT = "different"
    UNKNOWN = "unknown"


# Actors of this front are workspace user ids: two different ids are two different people.
ONE_ID_PER_PERSON = frozenset({"slack"})


def same_person(a: Caller, b: Caller) -> Sameness:
    if a.actor == b.actor:
        return Sameness.SAME
    if a.email is not None and b.email is not None:
        return Sameness.SAME if a.email == b.email else Sameness.DIFFERENT
    if a.front == b.front and a.front in ONE_ID_PER_PERSON:
        return Sameness.DIFFERENT
    return Sameness.UNKNOWN


def told_apart_from(requester: Caller, front: str) -> bool:
    """Whether someone on ``front`` could ever be told apart from ``requester`` (else every approval
    from there would be refused as unknown)."""
    return requester.email is not None or (requester.front == front and front in ONE_ID_PER_PERSON)

"""Slack people as the core knows them: ``slack:U…`` with the profile's e-mail, and back from an e-mail.

Four eyes tells a Slack account apart from an AI assistant's OAuth person by verified e-mail
(``users.info``, scope ``users:read.email``). An e-mail that cannot be read is unknown (None), and
the core refuses where it would need it, never guesses. Answers are cached for a while: a busy
approval channel must not ask Slack on every click.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from slack_sdk.web.async_client import AsyncWebClient

from tools.people import Caller, normal_email

logger = logging.getLogger("bot.people")
FRONT = "slack"
KEEP = 600.0  # seconds an answer from Slack is reused
KEEP_UNKNOWN = 60.0  # a failed lookup (scope missing, Slack away) is asked again sooner


def caller_of(user_id: str, email: str | None = None) -> Caller:
    return Caller(f"{FRONT}:{user_id}", FRONT, email=email)


@dataclass
class People:
    clock: Callable[[], float] = time.monotonic
    _emails: dict[str, tuple[float, str | None]] = field(default_factory=dict)
    _users: dict[str, tuple[float, str | None]] = field(default_factory=dict)

    async def email_of(self, user: str, client: AsyncWebClient) -> str | None:
        async def ask() -> str | None:
            answer = await client.users_info(user=user)
            return normal_email(((answer.get("user") or {}).get("profile") or {}).get("email"))

        return await self._cached(self._emails, user, ask, f"the e-mail of {user} (users:read.email)")

    async def user_with(self, email: str, client: AsyncWebClient) -> str | None:
        """The Slack user whose profile has ``email``, if any (``users.lookupByEmail``)."""

        async def ask() -> str | None:
            answer = await client.users_lookupByEmail(email=email)
            found = (answer.get("user") or {}).get("id")
            return found if isinstance(found, str) else None

        return await self._cached(self._users, email, ask, "a Slack user by e-mail (users:read.email)")

    async def caller(self, user: str, client: AsyncWebClient) -> Caller:
        """The person behind ``user`` with their e-mail, for what four eyes compares."""
        return caller_of(user, await self.email_of(user, client))

    async def _cached(
        self, cache: dict[str, tuple[float, str | None]], key: str, ask: Callable[[], Awaitable[str | None]], what: str
    ) -> str | None:
        found = cache.get(key)
        now = self.clock()
        if found is not None and now - found[0] < (KEEP if found[1] is not None else KEEP_UNKNOWN):
            return found[1]
        try:
            value = await ask()
        except Exception as exc:  # missing scope, unknown user, Slack away: unknown, never a guess
            logger.warning("could not read %s: %s", what, exc)
            value = None
        cache[key] = (now, value)
        return value

"""What every listener module is given: the application, the access rules, the people it knows,
and where changes are announced. Each module's ``register(app, deps)`` takes this and nothing else."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from slack_sdk.errors import SlackClientError
from slack_sdk.web.async_client import AsyncWebClient

from bot.access import Access
from bot.people import People, caller_of
from tools.app import Core
from tools.people import Caller

logger = logging.getLogger("bot.deps")


# Why a message may not reach Slack: the network, a response_url nobody listens on any more (the
# demo client has exited), Slack refusing the call. Anything else is a bug and keeps its traceback.
DELIVERY_ERRORS = (aiohttp.ClientError, OSError, TimeoutError, SlackClientError)


async def forever(every: float, *steps: Callable[[], Awaitable[object]], what: str) -> None:
    """A background task of the bot: run ``steps`` every ``every`` seconds for as long as it lives.
    A failing step (the store or Slack away) is logged and tried again next round; others still run."""
    while True:
        for step in steps:
            try:
                await step()
            except Exception:
                logger.warning("%s: %s failed; trying again", what, getattr(step, "__name__", "a step"), exc_info=True)
        await asyncio.sleep(every)


def undelivered(log: logging.Logger, what: str, exc: BaseException) -> None:
    """A message Slack could not be given: one line saying what and why (the person's change itself
    is not affected). An unexpected error is logged with its traceback."""
    if not isinstance(exc, DELIVERY_ERRORS):
        log.error("could not %s", what, exc_info=exc)
        return
    reason = str(exc).splitlines()[0] if str(exc) else ""
    log.warning("could not %s: %s%s", what, type(exc).__name__, f" ({reason})" if reason else "")


def pressed(body: dict[str, Any], yes: str) -> tuple[str, bool, str]:
    """A press of one of a yes/no pair of buttons: who pressed it, whether it was ``yes`` (the yes
    button's action id), and the button's value."""
    action = body["actions"][0]
    return str(body["user"]["id"]), action["action_id"] == yes, str(action.get("value", ""))


@dataclass
class BotDeps:
    core: Core
    access: Access
    audit_channel: str | None = None
    people: People = field(default_factory=People)

    async def asker(self, user: str, client: AsyncWebClient) -> Caller:
        """Someone starting a change: with their e-mail when four eyes is on (it compares people by it)."""
        if not self.core.confirmer.approvals.on:
            return caller_of(user)
        return await self.people.caller(user, client)

    async def can_write(self, user: str, client: AsyncWebClient) -> bool:
        """Whether a person may change registries from Slack (user groups read on demand)."""

        async def members_of(group: str) -> set[str]:
            try:
                response = await client.usergroups_users_list(usergroup=group)
            except Exception:  # missing scope, unknown group: nobody is a member
                logger.warning("could not read the members of user group %s", group, exc_info=True)
                return set()
            return set(response.get("users") or [])

        return await self.access.can_write(user, members_of)

    async def post_audit(self, client: AsyncWebClient, line: str) -> None:
        """One line in the audit channel, when there is one; a failure to post is logged, never raised."""
        if not self.audit_channel:
            return
        try:
            await client.chat_postMessage(channel=self.audit_channel, text=line)
        except Exception as exc:
            undelivered(logger, f"post to the audit channel {self.audit_channel}", exc)

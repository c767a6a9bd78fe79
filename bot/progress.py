"""Long operations in Slack: the answer is updated in place until the registry settles.

A create, a confirmed delete, or ``get`` on a registry that is still ``New`` or ``Deleting``
leaves something changing. The answer says so, changes in place when the state does (with the
time it took), and at the end the person is mentioned. After ``REGISTRY_WAIT_TIMEOUT`` seconds
it says the work is still in progress and how to check. Where the answer lives decides how it
is changed (``Where``): a slash command's ephemeral reply through its response_url, a thread
message through ``chat.update``.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from pydantic import BaseModel

from bot import render
from bot.access import mention
from bot.deps import undelivered
from tools.app import Core
from tools.follow import Progress, progress_line
from tools.operations import AnyOperation

logger = logging.getLogger("bot.progress")


@dataclass(frozen=True)
class Where:
    """How to change the answer in place, how to say it is done, and how the person checks again."""

    update: Callable[[render.Message], Awaitable[None]]
    announce: Callable[[str], Awaitable[None]]
    again: Callable[[str], str]
    # Updates allowed between the first answer and the last (None: any number). A response_url takes
    # five uses in all, and the final update and the mention need two of them.
    between: int | None = None


Followup = Callable[[Where], Awaitable[None]]


def followup(core: Core, op: AnyOperation, out: BaseModel, user: str) -> Followup | None:
    """What to do after answering ``out``, when it left a registry changing; None when it did not."""
    follows = op.follows
    target = follows.target(out) if follows is not None else None
    if follows is None or target is None:
        return None

    async def follow(where: Where) -> None:
        again = where.again(target.name)

        spent = 0

        async def changed(progress: Progress, moved: bool) -> None:
            nonlocal spent
            if moved and (where.between is None or spent < where.between):  # on a change of state only
                spent += 1
                await where.update(render.following(follows.settle(out, progress), progress, again))

        try:
            final = await core.followers.follow(
                target.registry_id, target.name, target.state, within=core.wait_timeout, on_update=changed
            )
            await where.update(render.following(follows.settle(out, final), final, again))
            if final.done:
                await where.announce(f"{mention(user)} {render.esc(progress_line(final))}")
        except Exception as exc:  # a follow-up runs after the answer: it must never take the listener down
            undelivered(logger, f"keep the answer about {target.name} up to date", exc)

    return follow

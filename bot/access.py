"""Who may do what from Slack: writers (users, user groups or everyone) and channels.

Reads are open to everyone in an allowed channel; create, update, replace and delete need
a writer. Protection of registries is the core's (``REGISTRY_PROTECTED``), enforced there.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from tools.values import split_list

GroupMembers = Callable[[str], Awaitable[set[str]]]


@dataclass
class Access:
    """``writers`` holds user ids (U…/W…), user-group ids (S…) or ``*``; empty = read-only for everyone.
    ``channels`` empty = every channel."""

    writers: frozenset[str] = frozenset()
    channels: frozenset[str] = frozenset()
    group_ttl: float = 60.0
    clock: Callable[[], float] = time.monotonic
    _groups: dict[str, tuple[float, set[str]]] = field(default_factory=dict)

    @classmethod
    def from_settings(cls, writers: str | None, channels: str | None) -> Access:
        return cls(frozenset(split_list(writers)), frozenset(split_list(channels)))

    def channel_allowed(self, channel_id: str | None) -> bool:
        return not self.channels or (channel_id or "") in self.channels

    @property
    def groups(self) -> list[str]:
        return sorted(w for w in self.writers if w.startswith("S"))

    async def can_write(self, user_id: str, members_of: GroupMembers) -> bool:
        if "*" in self.writers or user_id in self.writers:
            return True
        for group in self.groups:
            if user_id in await self._members(group, members_of):
                return True
        return False

    async def _members(self, group: str, members_of: GroupMembers) -> set[str]:
        cached = self._groups.get(group)
        if cached is not None and self.clock() - cached[0] < self.group_ttl:
            return cached[1]
        members = await members_of(group)
        self._groups[group] = (self.clock(), members)
        return members

    def who_can_write(self) -> str:
        """Mentions of the writers, for a refusal that says who can help."""
        if not self.writers:
            return "nobody: the bot is read-only (REGISTRY_BOT_WRITERS is not set)"
        return ", ".join(mention(w) for w in sorted(self.writers))

    def where(self) -> str:
        return ", ".join(f"<#{c}>" for c in sorted(self.channels))


def mention(entity: str) -> str:
    if entity == "*":
        return "everyone"
    if entity.startswith("S"):
        return f"<!subteam^{entity}>"
    return f"<@{entity}>"

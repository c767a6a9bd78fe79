"""Who may write from Slack, and where the bot answers."""

from __future__ import annotations

from bot.access import Access


async def no_groups(group: str) -> set[str]:
    raise AssertionError(f"no group lookup expected, asked for {group}")


async def test_unset_writers_means_read_only_for_everyone() -> None:
    access = Access.from_settings(None, None)
    assert not await access.can_write("U1", no_groups)
    assert "read-only" in access.who_can_write()


async def test_star_lets_everyone_write() -> None:
    assert await Access.from_settings("*", None).can_write("U1", no_groups)


async def test_users_and_groups() -> None:
    asked: list[str] = []

    async def members(group: str) -> set[str]:
        asked.append(group)
        return {"UGROUPIE"} if group == "S1" else set()

    clock = [0.0]
    access = Access.from_settings("U1, S1", None)
    access.clock = lambda: clock[0]
    assert await access.can_write("U1", members)
    assert await access.can_write("UGROUPIE", members)
    assert not await access.can_write("U2", members)
    assert asked == ["S1"], "memberships are cached"
    clock[0] += 61
    assert await access.can_write("UGROUPIE", members)
    assert asked == ["S1", "S1"], "and refreshed after a minute"
    assert access.who_can_write() == "<!subteam^S1>, <@U1>"


def test_channels() -> None:
    everywhere = Access.from_settings(None, None)
    assert everywhere.channel_allowed("CANY")
    ops_only = Access.from_settings(None, "COPS,CINC")
    assert ops_only.channel_allowed("COPS")
    assert not ops_only.channel_allowed("CRANDOM")
    assert ops_only.where() == "<#CINC>, <#COPS>"

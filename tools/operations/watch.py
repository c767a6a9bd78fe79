"""The registry watch as an operation: "anything I should worry about?" from Slack or an assistant."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from tools.models import InputModel
from tools.operations.catalogue import Core, Flag, Kind, Operation, SlackForm, declare
from tools.operations.content_inputs import OffsetCursor, offset_of
from tools.people import Caller
from tools.views import WatchReport

RESOURCE = "watch"


class WatchInput(InputModel):
    token_days: Annotated[int | None, Field(ge=1, le=365, description="Tokens expiring within N days")] = None
    only_new: Annotated[bool, Field(description="Only what the last digest did not report")] = False
    limit: Annotated[int, Field(ge=1, le=1000, description="Findings per page, most urgent first")] = 50
    cursor: OffsetCursor = None


async def watch_registries(core: Core, inp: WatchInput, caller: Caller) -> WatchReport:
    """Looks now and changes nothing: the periodic digest keeps its own memory of what it said."""
    found = await core.watch.look(core.now(), token_days=inp.token_days)
    return found.report(only_new=inp.only_new, offset=offset_of(inp.cursor), limit=inp.limit)


declare(
    Operation(
        "watch_registries",
        RESOURCE,
        Kind.READ,
        WatchInput,
        WatchReport,
        "Anything to worry about: expiring tokens, fixable critical/high vulnerabilities, registries not "
        "Running, fast storage growth.",
        "GET",
        SlackForm(
            ("watch",),
            flags=(
                Flag("token_days", "--days", "int", "N", "tokens expiring within N days (default 14)"),
                Flag("only_new", "--new", "true", "", "only what the last digest did not say"),
                Flag("limit", "--limit", "int", "N", "findings per page, most urgent first (default 50)"),
            ),
            help="anything to worry about? expiring tokens, fixable vulns, registries not Running",
        ),
        title="Watch the registries",
        run=watch_registries,
        refs=(),
    ),
)

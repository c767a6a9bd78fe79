"""The registry watch as an operation: "anything I should worry about?" from Slack or an assistant."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from tools.models import InputModel
from tools.operations.catalogue import AnyOperation, Flag, Kind, Operation, Resource, Services, SlackForm
from tools.operations.image_inputs import OffsetCursor, offset_of
from tools.people import Caller
from tools.views import WatchReport

RESOURCE = Resource(name="watch", toolset="watch")
PAGE_AGE = 900  # seconds: a next page is cut from the latest look if it is that recent (pages do not shift)


class WatchInput(InputModel):
    token_days: Annotated[int | None, Field(ge=1, le=365, description="Tokens expiring within N days")] = None
    only_new: Annotated[bool, Field(description="Only what the last digest did not report")] = False
    limit: Annotated[int, Field(ge=1, le=1000, description="Findings per page, most urgent first")] = 50
    cursor: OffsetCursor = None
    max_age: Annotated[
        int,
        Field(
            ge=0,
            le=3600,
            description="Accept a look made at most this many seconds ago (checked_at says when); 0 looks now. "
            "A look reads every image of every registry. A next page is cut from the latest look, if under 15 min old",
        ),
    ] = 0


async def watch_registries(core: Services, inp: WatchInput, caller: Caller) -> WatchReport:
    """Looks now (or answers a recent look) and changes nothing: the periodic digest keeps its own
    memory of what it said."""
    max_age = max(inp.max_age, PAGE_AGE) if inp.cursor else inp.max_age
    found = await core.watch.look(core.now(), token_days=inp.token_days, max_age=max_age)
    return found.report(only_new=inp.only_new, offset=offset_of(inp.cursor), limit=inp.limit)


OPERATIONS: tuple[AnyOperation, ...] = (
    Operation(
        name="watch_registries",
        resource=RESOURCE,
        kind=Kind.READ,
        input=WatchInput,
        output=WatchReport,
        summary="Anything to worry about: expiring tokens, fixable critical/high vulnerabilities, registries not "
        "Running, fast storage growth.",
        method="GET",
        slack=SlackForm(
            words=("watch",),
            flags=(
                Flag(
                    field="token_days",
                    flag="--days",
                    kind="int",
                    metavar="N",
                    help="tokens expiring within N days (default 14)",
                ),
                Flag(
                    field="only_new",
                    flag="--new",
                    kind="true",
                    metavar="",
                    help="only what the last digest did not say",
                ),
                Flag(
                    field="limit",
                    flag="--limit",
                    kind="int",
                    metavar="N",
                    help="findings per page, most urgent first (default 50)",
                ),
            ),
            help="anything to worry about? expiring tokens, fixable vulns, registries not Running",
        ),
        title="Watch the registries",
        run=watch_registries,
        refs=(),
    ),
)

"""Where a four-eyes approval request stands: for the assistant that got ``pending_approval``, and Slack."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from tools.approvals import Approval
from tools.models import InputModel
from tools.operations.catalogue import Core, Kind, Operation, SlackForm, declare
from tools.people import Caller

RESOURCE = "approvals"  # offered with every toolset: any confirmed tool may answer pending_approval


class ApprovalInput(InputModel):
    request_id: Annotated[str, Field(min_length=4, max_length=64, description="From the pending_approval answer")]


async def get_approval(core: Core, inp: ApprovalInput, caller: Caller) -> Approval:
    assert core.confirmer.approvals is not None
    return await core.confirmer.approvals.status(inp.request_id, core.confirmer)


declare(
    Operation(
        "get_approval",
        RESOURCE,
        Kind.READ,
        ApprovalInput,
        Approval,
        "Where a four-eyes approval request stands: pending, executed, rejected, expired, stale or failed.",
        "GET",
        SlackForm(("approval",), ("request_id",), ("ID",), help="where an approval request stands"),
        title="Show an approval request",
        run=get_approval,
        refs=(),
    ),
)

"""Where a four-eyes approval request stands: for the assistant that got ``pending_approval``, and Slack."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from tools.confirmation import Approval
from tools.models import InputModel
from tools.operations.catalogue import AnyOperation, Kind, Operation, Resource, Services, SlackForm
from tools.people import Caller

RESOURCE = Resource(name="approvals", toolset=None)  # any confirmed tool may answer pending_approval


class ApprovalInput(InputModel):
    request_id: Annotated[str, Field(min_length=4, max_length=64, description="From the pending_approval answer")]


async def get_approval(core: Services, inp: ApprovalInput, caller: Caller) -> Approval:
    return await core.confirmer.approvals.status(inp.request_id)


OPERATIONS: tuple[AnyOperation, ...] = (
    Operation(
        name="get_approval",
        resource=RESOURCE,
        kind=Kind.READ,
        input=ApprovalInput,
        output=Approval,
        summary="Where a four-eyes approval request stands: pending, executed, rejected, expired, stale or failed.",
        method="GET",
        slack=SlackForm(
            words=("approval",), positional=("request_id",), metavars=("ID",), help="where an approval request stands"
        ),
        title="Show an approval request",
        run=get_approval,
        refs=(),
    ),
)

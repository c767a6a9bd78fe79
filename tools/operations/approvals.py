"""Where a request for a person stands: a four-eyes approval (``pending_approval``), or a change sent to
its person's Slack DM for their yes (``pending_confirmation``)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from tools.confirmation import Approval, Handoff
from tools.models import InputModel
from tools.operations.catalogue import AnyOperation, Kind, Operation, Resource, Services, SlackForm
from tools.people import Caller

RESOURCE = Resource(name="approvals", toolset=None)  # any confirmed tool may answer pending_approval


class ApprovalInput(InputModel):
    request_id: Annotated[str, Field(min_length=4, max_length=64, description="From the pending_approval answer")]


async def get_approval(core: Services, inp: ApprovalInput, caller: Caller) -> Approval:
    return await core.confirmer.approvals.status(inp.request_id)


class ConfirmationInput(InputModel):
    request_id: Annotated[str, Field(min_length=4, max_length=64, description="From the pending_confirmation answer")]
    wait: bool = Field(default=False, description="Wait (up to 2 min) until the person answers")


async def get_confirmation(core: Services, inp: ConfirmationInput, caller: Caller) -> Handoff:
    return await core.confirmer.handoffs.status(inp.request_id, wait=120.0 if inp.wait else 0.0)


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
    Operation(
        name="get_confirmation",
        resource=RESOURCE,
        kind=Kind.READ,
        input=ConfirmationInput,
        output=Handoff,
        summary="Whether the person confirmed a change in Slack (pending_confirmation): pending, executed, "
        "declined, expired, stale, failed or pending_approval.",
        method="GET",
        slack=SlackForm(
            words=("confirmation",),
            positional=("request_id",),
            metavars=("ID",),
            help="where a confirmation sent to Slack stands",
        ),
        title="Show a confirmation sent to Slack",
        run=get_confirmation,
        refs=(),
    ),
)

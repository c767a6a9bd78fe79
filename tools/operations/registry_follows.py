"""How an answer is followed while its registry provisions or deletes: when it is still changing, and
how it reads once the registry got where it was going."""

from __future__ import annotations

from pydantic import BaseModel

from tools.confirmation import ConfirmResult
from tools.follow import Followed, Progress, progress_line, settled
from tools.operations.catalogue import Follows
from tools.views import RegistryDetail, RegistryState, RegistrySummary, WriteResult


def still_changing(out: BaseModel) -> Followed | None:
    """The registry an answer left provisioning or deleting, if any."""
    found = out.registry if isinstance(out, WriteResult) else out.result if isinstance(out, ConfirmResult) else out
    if isinstance(found, RegistrySummary | RegistryState) and not settled(found.state):
        return Followed(found.id, found.name, found.state)
    return None


def settled_detail(before: RegistryDetail, progress: Progress) -> RegistryDetail:
    if progress.gone:
        return before.model_copy(update={"state": "Deleted", "hostname": before.hostname})
    return RegistryDetail.of(progress.registry) if progress.registry is not None else before


def settle(out: BaseModel, progress: Progress) -> BaseModel:
    """The answer brought up to date with where the registry got to."""
    line = progress_line(progress)
    if isinstance(out, RegistryDetail):
        return settled_detail(out, progress)
    if isinstance(out, WriteResult):
        return WriteResult(message=f"{out.message} {line}", registry=settled_detail(out.registry, progress))
    if isinstance(out, ConfirmResult):
        result = out.result
        if isinstance(result, RegistryState):
            result = result.model_copy(update={"state": "Deleted" if progress.gone else progress.state or result.state})
        elif isinstance(result, RegistryDetail):
            result = settled_detail(result, progress)
        return out.model_copy(update={"message": f"{out.message} {line}", "result": result})
    return out


FOLLOWS = Follows(target=still_changing, settle=settle)

"""Inputs of the token operations: scopes as people write them (``team/*:pull,push``) and expiries
as durations (``90d``), dates (``2027-01-31``) or ``never``."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any, Literal, Self

from pydantic import AfterValidator, Field, ValidationError, model_validator

from tools.models import InputModel, ScopeSpec, TokenName
from tools.operations.registry_inputs import DEFAULT_LIMIT, Limit, RegistryRef

_DURATION_RE = re.compile(r"^(\d{1,4})\s*([hdwy])$")
_UNITS = {"h": timedelta(hours=1), "d": timedelta(days=1), "w": timedelta(weeks=1), "y": timedelta(days=365)}
EXPIRY_RULE = "a duration (12h, 90d, 2w, 1y), a date (2027-01-31), an ISO date-time, or never"


def parse_expiry(text: str, now: datetime) -> datetime | None:
    """When a token given ``text`` expires (None: never). Durations count from ``now``."""
    value = text.strip().lower()
    if value in ("never", "none"):
        return None
    found = _DURATION_RE.fullmatch(value)
    if found:
        return (now + int(found.group(1)) * _UNITS[found.group(2)]).replace(second=0, microsecond=0)
    try:
        if len(value) == 10:
            return datetime.combine(date.fromisoformat(value), datetime.min.time(), UTC)
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"must be {EXPIRY_RULE}") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _expiry(value: str) -> str:
    parse_expiry(value, datetime(2000, 1, 1, tzinfo=UTC))
    return value.strip()


def _scope(value: str) -> str:
    try:
        return ScopeSpec.parse(value).text()
    except ValidationError as err:
        problem = err.errors()[0]
        raise ValueError(
            f"{value!r}: {problem['msg'].removeprefix('Value error, ')} (write REPO-GLOB:pull,push)"
        ) from None


TokenRef = Annotated[str, Field(min_length=1, max_length=63, description="Token name or UUID")]
Scope = Annotated[str, AfterValidator(_scope), Field(max_length=300)]
Scopes = Annotated[list[Scope], Field(min_length=1, max_length=20, description="e.g. ['team/*:pull,push']")]
Expiry = Annotated[str, AfterValidator(_expiry), Field(max_length=40, description="90d, 12h, 1y, 2027-01-31 or never")]
Status = Literal["enabled", "disabled"]


def scope_specs(scopes: list[str]) -> list[ScopeSpec]:
    return [ScopeSpec.parse(s) for s in scopes]


class ListTokensInput(InputModel):
    registry: RegistryRef
    limit: Limit = DEFAULT_LIMIT
    cursor: Annotated[str | None, Field(max_length=12, pattern=r"^\d+$", description="next_cursor")] = None


class TokenRefInput(InputModel):
    registry: RegistryRef
    token: TokenRef


class CreateTokenInput(InputModel):
    registry: RegistryRef
    name: TokenName
    scopes: Scopes
    expiry: Expiry | None = None


class UpdateTokenInput(TokenRefInput):
    status: Status | None = None
    expiry: Expiry | None = None
    scopes: Annotated[list[Scope] | None, Field(max_length=20, description="The whole new scope list")] = None

    @model_validator(mode="after")
    def _something(self) -> Self:
        if self.status is None and self.expiry is None and self.scopes is None:
            raise ValueError("nothing to change: give at least one of status, expiry, scopes")
        return self


class ReplaceTokenInput(TokenRefInput):
    scopes: Scopes
    expiry: Expiry | None = None
    status: Status = "enabled"


def token_refs(inp: Any) -> tuple[str, str | None]:
    return str(inp.registry), str(inp.token)

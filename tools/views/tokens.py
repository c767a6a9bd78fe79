"""Token views: status, expiry (expired and soon-expiring called out), scopes; and the one-time secret."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Literal

from pydantic import Field, SecretStr

from tools.models import Token, View
from tools.views.format import age, day, showing, when

SOON_DAYS = 14  # "expiring soon": the watch's REGISTRY_WATCH_TOKEN_DAYS, passed in where the core is at hand
Expiry = Literal["expired", "expiring soon", "valid", "never expires"]


def expiry_state(expiry: datetime | None, now: datetime, soon_days: int = SOON_DAYS) -> Expiry:
    if expiry is None:
        return "never expires"
    if expiry <= now:
        return "expired"
    return "expiring soon" if expiry - now <= timedelta(days=soon_days) else "valid"


class TokenSummary(View):
    id: str
    name: str
    status: str
    expires: datetime | None
    expiry: Expiry
    scopes: list[str] = Field(description="repository-glob:actions")

    @classmethod
    def of(cls, token: Token, now: datetime, soon_days: int = SOON_DAYS) -> TokenSummary:
        props = token.properties
        return cls(
            id=token.id,
            name=token.name,
            status=props.status or "enabled",
            expires=props.expiry_date,
            expiry=expiry_state(props.expiry_date, now, soon_days),
            scopes=[s.text() for s in props.scopes or []],
        )

    def line(self, now: datetime) -> str:
        flag = {"expired": " EXPIRED", "expiring soon": " EXPIRING SOON"}.get(self.expiry, "")
        expires = "never expires" if self.expires is None else f"expires {day(self.expires)} ({age(self.expires, now)})"
        return f"{self.name} | {self.status}{flag} | {expires} | {' '.join(self.scopes)} | {self.id}"


class TokenList(View):
    """One page of a registry's tokens; the counts are of all its tokens."""

    registry: str
    tokens: list[TokenSummary]
    total: int
    expired: int
    expiring_soon: int
    soon_days: int
    offset: int
    next_cursor: str | None
    checked_at: datetime

    def lines(self) -> list[str]:
        out = [
            f"Tokens of {self.registry}: {self.total} in all, {self.expired} expired, "
            f"{self.expiring_soon} expiring within {self.soon_days} days"
        ]
        out += [f"  {t.line(self.checked_at)}" for t in self.tokens]
        out.append(showing(self.offset, len(self.tokens), self.total, self.next_cursor))
        return out


class TokenDetail(TokenSummary):
    registry: str
    username: str | None
    created_by: str | None
    created: datetime | None
    modified_by: str | None
    checked_at: datetime

    @classmethod
    def of_registry(cls, registry: str, token: Token, now: datetime, soon_days: int = SOON_DAYS) -> TokenDetail:
        meta, credentials = token.metadata, token.properties.credentials
        return cls(
            **TokenSummary.of(token, now, soon_days).model_dump(),
            registry=registry,
            username=credentials.username if credentials else None,
            created_by=meta.created_by,
            created=meta.created_date,
            modified_by=meta.last_modified_by,
            checked_at=now,
        )

    def lines(self) -> list[str]:
        return [
            f"token {self.name} of {self.registry}",
            f"  {self.line(self.checked_at)}",
            f"  username {self.username or self.name}, created by {self.created_by or '?'} {when(self.created)}",
        ]


class TokenCreated(View):
    """A new token and its password: a secret each front hands to the person, never to a channel or a log."""

    message: str
    token: TokenDetail
    password: SecretStr | None = Field(default=None, exclude=True)
    password_delivery: str = Field(default="", description="Where the person finds the password")

    def lines(self) -> list[str]:
        return [self.message, *self.token.lines(), *([self.password_delivery] if self.password_delivery else [])]

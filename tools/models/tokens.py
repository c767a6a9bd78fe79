"""Tokens: registry credentials with scopes and an expiry. Their password is returned once, by POST.

The password is a ``SecretStr`` from the moment it is decoded: it never shows in a repr, a log
line or an error; only the code that hands it to a person reads its value.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated, Any, Literal, Self

from pydantic import AfterValidator, Field, SecretStr, model_validator
from pydantic.dataclasses import dataclass

from tools.models.wire import WIRE, InputModel, OffsetLinks, ResourceMetadata

ACTIONS: tuple[str, ...] = ("pull", "push", "delete")
TOKEN_NAME_RULE = "1-63 characters: letters, digits, '.', '_' and '-'"
_TOKEN_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$")
_SCOPE_NAME_RE = re.compile(r"^[a-z0-9*][a-z0-9._*/-]{0,255}$")

Action = Literal["pull", "push", "delete"]
TokenStatus = Literal["enabled", "disabled"]


def check_token_name(value: str) -> str:
    if not _TOKEN_NAME_RE.fullmatch(value):
        raise ValueError(f"must be {TOKEN_NAME_RULE}")
    return value


def check_scope_name(value: str) -> str:
    if not _SCOPE_NAME_RE.fullmatch(value):
        raise ValueError("must be a repository name or a glob such as team/* (lowercase, digits, . _ - / *)")
    return value


def wire_time(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


TokenName = Annotated[str, AfterValidator(check_token_name), Field(min_length=1, max_length=63)]


# ---------------------------------------------------------------- responses


@dataclass(slots=True, config=WIRE)
class TokenScope:
    name: str = ""
    actions: list[str] = Field(default_factory=list)
    type: str = "repository"

    def text(self) -> str:
        return f"{self.name}:{','.join(a for a in ACTIONS if a in self.actions)}"


@dataclass(slots=True, config=WIRE)
class TokenCredentials:
    username: str | None = None
    password: SecretStr | None = None


@dataclass(slots=True, config=WIRE)
class TokenProperties:
    name: str = ""
    expiry_date: datetime | None = None
    status: str | None = None
    scopes: list[TokenScope] | None = None
    credentials: TokenCredentials | None = None


@dataclass(slots=True, config=WIRE)
class Token:
    """A token as the API returns it (``TokenResponse``; ``PostTokenOutput`` carries the password)."""

    id: str
    properties: TokenProperties
    metadata: ResourceMetadata = Field(default_factory=ResourceMetadata)
    href: str | None = None
    type: str | None = None

    @property
    def name(self) -> str:
        return self.properties.name

    @property
    def enabled(self) -> bool:
        return (self.properties.status or "enabled").lower() == "enabled"

    @property
    def password(self) -> SecretStr | None:
        credentials = self.properties.credentials
        return credentials.password if credentials else None


@dataclass(slots=True, config=WIRE)
class TokensResponse:
    items: list[Token] | None = None
    offset: int | None = None
    limit: int | None = None
    count: int | None = None
    total: int | None = None
    links: OffsetLinks | None = Field(default=None, alias="_links")


# ---------------------------------------------------------------- inputs


class ScopeSpec(InputModel):
    """What a token may do: ``actions`` on the repositories matching ``name`` (``team/*``)."""

    name: Annotated[str, AfterValidator(check_scope_name), Field(min_length=1, max_length=256)]
    actions: Annotated[list[Action], Field(min_length=1, max_length=3)]
    type: Literal["repository"] = "repository"

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        self.actions = [a for a in ACTIONS if a in self.actions]
        return self

    @classmethod
    def parse(cls, text: str) -> ScopeSpec:
        """``team/*:pull,push`` (actions default to pull)."""
        name, _, actions = text.strip().partition(":")
        return cls.model_validate(
            {"name": name, "actions": [a.strip().lower() for a in (actions or "pull").split(",")]}
        )

    def text(self) -> str:
        return f"{self.name}:{','.join(self.actions)}"


def _wire_scopes(scopes: list[ScopeSpec]) -> list[dict[str, Any]]:
    return [{"type": s.type, "name": s.name, "actions": list(s.actions)} for s in scopes]


class TokenSpec(InputModel):
    """Everything a token is: the body of POST (create) and PUT (replace)."""

    name: TokenName
    scopes: Annotated[list[ScopeSpec], Field(min_length=1, max_length=50)]
    expiry_date: datetime | None = None
    status: TokenStatus = "enabled"

    def to_body(self) -> dict[str, Any]:
        props: dict[str, Any] = {"name": self.name, "scopes": _wire_scopes(self.scopes), "status": self.status}
        if self.expiry_date is not None:
            props["expiryDate"] = wire_time(self.expiry_date)
        return {"properties": props}


class TokenPatch(InputModel):
    """A partial update (PATCH, flat body): only the fields set are sent."""

    expiry_date: datetime | None = None
    scopes: list[ScopeSpec] | None = None
    status: TokenStatus | None = None

    def to_body(self) -> dict[str, Any]:
        body: dict[str, Any] = {}
        if "expiry_date" in self.model_fields_set:
            body["expiryDate"] = wire_time(self.expiry_date) if self.expiry_date else None
        if self.scopes is not None:
            body["scopes"] = _wire_scopes(self.scopes)
        if self.status is not None:
            body["status"] = self.status
        return body

"""Settings: the environment turned into typed configuration.

This is the only module that reads the environment. Each entry point builds the settings
it needs once (``from_environment(ApiSettings)``) and passes them down; library code and
tests pass explicit values instead (``ApiSettings(ionos_token=...)``), and a process that
does so never imports pydantic-settings at all (about 3 MB of memory).
"""

from __future__ import annotations

from functools import cache
from typing import Annotated, Any, ClassVar, Literal, TypeVar
from urllib.parse import urlsplit

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, SecretStr, field_validator, model_validator

from tools.values import DEFAULT_API_URL, Rate, normalize_api_url, rate_of, routes_of, split_list


def _trimmed_credential(value: Any) -> Any:
    """A credential read from a file often ends in a newline: trim it. Whitespace or control
    characters inside would break the HTTP header on every call, so they are refused here, at start."""
    if isinstance(value, SecretStr):
        value = value.get_secret_value()
    if not isinstance(value, str):
        return value
    text = value.strip()
    if not text:
        return None
    if any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in text):
        raise ValueError("must not contain spaces, line breaks or control characters (only at its ends, trimmed)")
    return text


def _trimmed_password(value: Any) -> Any:
    """Passwords may contain inner spaces; only the line break a file adds is trimmed."""
    if isinstance(value, SecretStr):
        value = value.get_secret_value()
    if not isinstance(value, str):
        return value
    text = value.rstrip("\r\n")
    if not text:
        return None
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in text):
        raise ValueError("must not contain line breaks or control characters")
    return text


class Settings(BaseModel):
    """Typed configuration. Built with no arguments (``ApiSettings()``), it reads the environment;
    built with values (``ApiSettings(ionos_token=...)``), it holds exactly those and the defaults."""

    # Built on first use: an entry point reads through a BaseSettings subclass with its own schema,
    # so building these at import would be wasted start-up time.
    model_config = ConfigDict(extra="ignore", frozen=True, defer_build=True)
    _reads_environment: ClassVar[bool] = False  # the BaseSettings reader itself (``_reader``)

    def __init__(self, /, **data: Any) -> None:
        if not data and not self._reads_environment:
            data = dict(from_environment(type(self)))
        super().__init__(**data)


S = TypeVar("S", bound=Settings)


@cache
def _reader(kind: type[Settings]) -> type[Settings]:
    from pydantic_settings import BaseSettings, SettingsConfigDict  # noqa: PLC0415 - entry points only

    config = SettingsConfigDict(extra="ignore", frozen=True)
    namespace = {"model_config": config, "_reads_environment": True}
    reader: type[Settings] = type(f"{kind.__name__}FromEnvironment", (BaseSettings, kind), namespace)
    return reader


def from_environment(kind: type[S]) -> S:
    """``kind`` with each field read from the environment variable of its name (any case).

    Raises pydantic's ``ValidationError`` naming the fields; ``tools.startup.load`` turns that into
    one line and exit status 2.
    """
    found = _reader(kind)()
    assert isinstance(found, kind)
    return found


Credential = Annotated[SecretStr | None, BeforeValidator(_trimmed_credential)]
Password = Annotated[SecretStr | None, BeforeValidator(_trimmed_password)]


class ApiSettings(Settings):
    """How to reach and authenticate against the IONOS Container Registry API."""

    ionos_token: Credential = Field(default=None, description="Bearer token (preferred)")
    ionos_username: str | None = Field(default=None, description="Basic auth user when no token")
    ionos_password: Password = Field(default=None, description="Basic auth password")
    ionos_api_url: str = Field(default=DEFAULT_API_URL, validate_default=True, description="Host or full API base")
    ionos_contract_number: int | None = Field(default=None, description="Sent as X-Contract-Number")
    ionos_connect_timeout: float = Field(default=5.0, gt=0, le=120, description="Seconds to open a connection")
    ionos_read_timeout: float = Field(
        default=30.0, gt=0, le=600, description="Seconds the whole response may take to arrive"
    )
    ionos_max_retries: int = Field(default=3, ge=0, le=10, description="Retries after the first attempt")
    ionos_retry_max_wait: float = Field(
        default=20.0, ge=0, le=600, description="Cap on the total seconds spent waiting between retries"
    )

    @field_validator("ionos_api_url")
    @classmethod
    def _normalize_url(cls, value: str) -> str:
        return normalize_api_url(value)

    @field_validator("ionos_username", mode="before")
    @classmethod
    def _trim_username(cls, value: Any) -> Any:
        return (value.strip() or None) if isinstance(value, str) else value

    @property
    def base_url(self) -> str:
        return self.ionos_api_url

    @property
    def has_credentials(self) -> bool:
        return self.ionos_token is not None or (self.ionos_username is not None and self.ionos_password is not None)


class SafetySettings(Settings):
    """What every front shares: confirmation, protection, audit, shared state, waits."""

    registry_protected: str = Field(
        default="", description="Comma-separated name globs that no front may delete or replace"
    )
    registry_confirm_secret: Credential = Field(
        default=None, description="Key that signs confirmation tokens; random per process when unset"
    )
    registry_confirm_ttl: int = Field(default=300, ge=10, le=3600, description="Seconds a confirmation stays valid")
    registry_audit_file: str | None = Field(default=None, description="Append audit records here (JSON lines)")
    registry_state_url: SecretStr | None = Field(
        default=None, description="redis://… (Redis or Valkey) shared by every replica; unset = this process's memory"
    )

    registry_approval_required: str = Field(
        default="", description="Comma-separated name globs whose confirmed changes need a second person"
    )
    registry_approval_ttl: int = Field(
        default=3600, ge=60, le=7 * 86400, description="Seconds an approval request waits for a second person"
    )
    registry_approval_channel: str | None = Field(
        default=None, description="Slack channel id where approval requests are posted"
    )
    registry_wait_timeout: float = Field(
        default=300.0, gt=0, description="Seconds a front follows a registry that is provisioning or deleting"
    )
    registry_watch_token_days: int = Field(
        default=14, ge=1, le=365, description="The watch reports tokens expired or expiring within this many days"
    )

    registry_rate_limit: str = Field(
        default="120/minute",
        description="Reads one person may make per front, N/second, N/minute or N/hour (shared by replicas "
        "through REGISTRY_STATE_URL); 0/minute turns the limit off",
    )
    registry_write_rate_limit: str = Field(
        default="20/minute", description="Changes one person may ask for per front, N/second, N/minute or N/hour"
    )

    @field_validator("registry_rate_limit", "registry_write_rate_limit")
    @classmethod
    def _rate(cls, value: str) -> str:
        rate_of(value)
        return value.strip()

    @property
    def read_rate(self) -> Rate:
        return rate_of(self.registry_rate_limit)

    @property
    def write_rate(self) -> Rate:
        return rate_of(self.registry_write_rate_limit)

    @field_validator("registry_state_url", mode="before")
    @classmethod
    def _state_url(cls, value: Any) -> Any:
        text = value.get_secret_value() if isinstance(value, SecretStr) else value
        if text is None or (isinstance(text, str) and not text.strip()):
            return None
        if not isinstance(text, str) or urlsplit(text.strip()).scheme not in ("redis", "rediss", "unix"):
            raise ValueError("must be a redis://, rediss:// or unix:// URL (Redis or Valkey)")
        return text.strip()

    @property
    def protected_patterns(self) -> tuple[str, ...]:
        return split_list(self.registry_protected)

    @model_validator(mode="after")
    def _approvals_need_a_channel(self) -> SafetySettings:
        if self.registry_approval_required.strip() and not (self.registry_approval_channel or "").strip():
            raise ValueError(
                "REGISTRY_APPROVAL_CHANNEL must be set too: approval requests are posted there for a second person"
            )
        return self

    @property
    def approval_patterns(self) -> tuple[str, ...]:
        return split_list(self.registry_approval_required)


class McpSettings(Settings):
    """The MCP front."""

    registry_mcp_token: Credential = Field(default=None, description="Bearer token every MCP HTTP request must carry")
    registry_mcp_secrets: Literal["auto", "url", "file", "inline"] = Field(
        default="auto",
        description="How a new token's password reaches the person: a one-time link (url), a 0600 file (file), "
        "or the tool result itself (inline: the model sees it). auto = url over HTTP, file over stdio",
    )
    registry_mcp_confirm: Literal["auto", "slack"] = Field(
        default="auto",
        description="Where a person confirms an assistant's change: auto (the client asks them, or a preview and "
        "a one-time token), or slack (their Slack DM, found by their OAuth e-mail; no token reaches the model)",
    )
    registry_mcp_untrusted_text: Literal["cut", "omit", "full"] = Field(
        default="cut",
        description="Advisory prose (descriptions, recommendations) in answers: cut to a few hundred characters, "
        "omit it, or full (still bounded, 4,000). Invisible characters, fences and tags are removed in every mode",
    )
    registry_mcp_public_url: str | None = Field(
        default=None, description="Base URL people open one-time links at (default: the server's own address)"
    )
    registry_secrets_dir: str | None = Field(default=None, description="Where file delivery writes (default: temp)")
    registry_mcp_oauth_issuer: str | None = Field(
        default=None, description="OAuth issuer URL: /mcp then needs a JWT access token from it (per-person identity)"
    )
    registry_mcp_oauth_audience: str | None = Field(
        default=None, description="The aud claim access tokens must carry (often the /mcp URL or an API identifier)"
    )
    registry_mcp_oauth_jwks_url: str | None = Field(
        default=None, description="The issuer's JWKS URL (default: discovered from the issuer's metadata)"
    )
    registry_mcp_oauth_write_scope: str = Field(
        default="registry:write", description="Scope needed for write and confirmed tools; without it, read-only"
    )

    @field_validator("registry_mcp_oauth_issuer", "registry_mcp_oauth_jwks_url")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        """Keys fetched over plain http could be swapped on the way: https, except on loopback (tests)."""
        if value is None or not value.strip():
            return None
        parts = urlsplit(value.strip())
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError("must be an http(s) URL")
        if parts.scheme == "http" and parts.hostname not in ("127.0.0.1", "localhost", "::1"):
            raise ValueError("must use https (plain http only on loopback)")
        return value.strip()  # exactly as given: the iss claim is compared character by character

    @field_validator("registry_mcp_oauth_audience", mode="before")
    @classmethod
    def _audience(cls, value: Any) -> Any:
        return (value.strip() or None) if isinstance(value, str) else value

    @field_validator("registry_mcp_oauth_write_scope")
    @classmethod
    def _scope(cls, value: str) -> str:
        text = value.strip()
        if not text or any(ch.isspace() or ch in '"\\' for ch in text):
            raise ValueError("must be one scope name, without spaces or quotes")
        return text

    @model_validator(mode="after")
    def _oauth_pair(self) -> McpSettings:
        if (self.registry_mcp_oauth_issuer is None) != (self.registry_mcp_oauth_audience is None):
            missing = "AUDIENCE" if self.registry_mcp_oauth_audience is None else "ISSUER"
            raise ValueError(f"REGISTRY_MCP_OAUTH_{missing} must be set too: OAuth needs both issuer and audience")
        return self

    @property
    def oauth_enabled(self) -> bool:
        return self.registry_mcp_oauth_issuer is not None


class ObservabilitySettings(Settings):
    """Metrics and logs."""

    registry_metrics_token: Credential = Field(
        default=None, description="Bearer token /metrics needs when served beyond loopback (unset: loopback only)"
    )
    registry_log_format: Literal["text", "json"] = Field(
        default="text", description="text, or json: one object per line with the actor and IONOS request id"
    )


class SlackSettings(Settings):
    """The Slack front (Bolt's own variable names for the Slack credentials)."""

    slack_bot_token: Credential = Field(default=None, description="xoxb-… bot token")
    slack_signing_secret: Credential = Field(default=None, description="verifies HTTP requests from Slack")
    slack_app_token: Credential = Field(default=None, description="xapp-… app token: Socket Mode")
    slack_api_url: str = Field(default="https://slack.com/api/", description="Slack Web API base")
    registry_bot_writers: str | None = Field(default=None, description="user ids, user-group ids or *")
    registry_bot_channels: str | None = Field(default=None, description="channel ids where the bot answers")
    registry_bot_audit_channel: str | None = Field(default=None, description="channel id for mutation lines")
    registry_watch_channel: str | None = Field(default=None, description="channel id for the periodic watch digest")
    registry_watch_interval: float = Field(
        default=86400.0, ge=60, description="Seconds between watch digests (with REGISTRY_WATCH_CHANNEL)"
    )
    registry_watch_routes: str = Field(
        default="",
        description="A registry's digest findings go to the first matching channel, e.g."
        " prod-*=C0PROD,team-a-*=C0TEAMA; the rest to REGISTRY_WATCH_CHANNEL",
    )

    @field_validator("registry_watch_routes")
    @classmethod
    def _routes(cls, value: str) -> str:
        routes_of(value)
        return value

    @property
    def watch_routes(self) -> tuple[tuple[str, str], ...]:
        return routes_of(self.registry_watch_routes)

    @field_validator("slack_api_url")
    @classmethod
    def _trailing_slash(cls, value: str) -> str:
        parts = urlsplit(value.strip())
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError("must be an http(s) URL such as https://slack.com/api/")
        value = value.strip()
        return value if value.endswith("/") else value + "/"

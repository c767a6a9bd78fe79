"""The core every front shares: one API client, its models and errors.

Importing ``tools`` stays light: no MCP, no Slack, no emulator.
"""

import sys

# httpx's command-line tool (httpx._main) imports click and pygments whenever they are installed
# (they are, as dependencies of other packages); nothing here uses it, and it costs a process ~3 MB.
sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type]

# ruff: noqa: E402

from tools.client import RegistryClient, RetryPolicy
from tools.config import ApiSettings
from tools.errors import (
    ApiError,
    ConflictError,
    ConnectionFailedError,
    FieldProblem,
    ForbiddenError,
    InvalidInputError,
    NetworkError,
    NotFoundError,
    RateLimitedError,
    RegistryError,
    RequestTimeoutError,
    ServerError,
    UnauthorizedError,
)
from tools.models import (
    Location,
    NameStatus,
    Registry,
    RegistryPage,
    RegistryPatch,
    RegistrySpec,
    WeeklyScheduleInput,
)

__all__ = [
    "ApiError",
    "ApiSettings",
    "ConflictError",
    "ConnectionFailedError",
    "FieldProblem",
    "ForbiddenError",
    "InvalidInputError",
    "Location",
    "NameStatus",
    "NetworkError",
    "NotFoundError",
    "RateLimitedError",
    "Registry",
    "RegistryClient",
    "RegistryError",
    "RegistryPage",
    "RegistryPatch",
    "RegistrySpec",
    "RequestTimeoutError",
    "RetryPolicy",
    "ServerError",
    "UnauthorizedError",
    "WeeklyScheduleInput",
]

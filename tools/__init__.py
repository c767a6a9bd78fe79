"""The core every front shares: one API client, its models and errors.

Importing ``tools`` stays light: no MCP, no Slack, no emulator.
"""

from tools._http import RetryPolicy
from tools.client import RegistryClient
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

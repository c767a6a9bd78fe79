"""The core every front shares: one API client, its models and errors.

Importing ``tools`` (or any module in it) stays light: no MCP, no Slack, no emulator, and the names
below load on first use (PEP 562), so an entry point pays only for the modules it runs: the stdio MCP
server answers its first ``tools/list`` without the client or the models (``docs/architecture.md``).
"""

import sys
from typing import TYPE_CHECKING

from tools.surface import lazy_names

# httpx's command-line tool (httpx._main) imports click and pygments whenever they are installed
# (they are, as dependencies of other packages); nothing here uses it, and it costs a process ~3 MB.
sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type]

if TYPE_CHECKING:
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

__getattr__ = lazy_names(
    __name__,
    {
        "tools.client": ("RegistryClient", "RetryPolicy"),
        "tools.config": ("ApiSettings",),
        "tools.errors": (
            "ApiError",
            "ConflictError",
            "ConnectionFailedError",
            "FieldProblem",
            "ForbiddenError",
            "InvalidInputError",
            "NetworkError",
            "NotFoundError",
            "RateLimitedError",
            "RegistryError",
            "RequestTimeoutError",
            "ServerError",
            "UnauthorizedError",
        ),
        "tools.models": (
            "Location",
            "NameStatus",
            "Registry",
            "RegistryPage",
            "RegistryPatch",
            "RegistrySpec",
            "WeeklyScheduleInput",
        ),
    },
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

"""One error hierarchy for everything the API, the network, the input or a safety rule can refuse.

Every error has a one-line human message (``str(err)``), the IONOS messages when the
API sent any, the request id when present, and a ``hint`` saying what to do next.
Nothing here ever includes a credential. The fronts translate these once, at the edge.

    RegistryError
    ├── InvalidInputError          400/422, or refused locally before any request (names the field)
    │   └── UsageError             a Slack command that does not parse (names the subcommand)
    ├── UnauthorizedError          401
    │   └── MissingCredentialsError    no IONOS credentials set: nothing was sent
    ├── ForbiddenError             403
    ├── NotFoundError              404
    │   └── UnknownAdvisoryError   an advisory id IONOS does not know ("did you mean")
    ├── ConflictError              409
    ├── RateLimitedError           429 (``retry_after``)
    │   └── TooManyCallsError      one person over this product's own limit (REGISTRY_RATE_LIMIT)
    ├── ServerError                5xx
    ├── ApiError                   a status or body the API is not documented to send
    ├── NetworkError               no usable response (``reached_server``)
    │   ├── RequestTimeoutError
    │   └── ConnectionFailedError
    ├── ConfirmationError          a confirmed change may not run (expired, someone else's, stale…)
    ├── ApprovalError              a four-eyes decision refused (self-approval, already decided…)
    └── StoreUnavailableError      the shared state store cannot be reached: fail closed
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

if TYPE_CHECKING:
    from tools.models import ApiErrorMessage


@dataclass(frozen=True)
class FieldProblem:
    field: str
    problem: str

    def __str__(self) -> str:
        return f"{self.field}: {self.problem}" if self.field else self.problem


class RegistryError(Exception):
    """Base class. ``status`` is the HTTP status, or None when no response was received."""

    default_hint = ""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        messages: Iterable[ApiErrorMessage] = (),
        request_id: str | None = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.messages = list(messages)
        self.request_id = request_id
        self.hint = self.default_hint if hint is None else hint

    @property
    def codes(self) -> list[str]:
        return [m.error_code for m in self.messages if m.error_code]

    def detail(self) -> str:
        """The IONOS messages as one line: ``CODE: message; CODE: message``."""
        parts = []
        for m in self.messages:
            text = (m.message or "").strip()
            parts.append(f"{m.error_code}: {text}" if m.error_code else text)
        return "; ".join(p for p in parts if p)

    def __str__(self) -> str:
        line = self.message
        detail = self.detail()
        if detail and detail not in line:
            line = f"{line} ({detail})"
        if self.request_id:
            line = f"{line} [request id {self.request_id}]"
        return line

    def __repr__(self) -> str:
        return f"{type(self).__name__}(status={self.status!r}, message={self.message!r})"


class InvalidInputError(RegistryError, ValueError):
    """400/422 from the API, or input rejected locally before any request."""

    default_hint = "Fix the named field and try again."
    unnamed_hint = "Fix what the API said above and try again."

    def __init__(self, message: str, *, fields: Iterable[FieldProblem] = (), **kwargs: object) -> None:
        super().__init__(message, **kwargs)  # type: ignore[arg-type]
        self.fields = list(fields)

    @classmethod
    def from_validation(
        cls, exc: ValidationError, prefix: str = "", *, name: Any = None, show_input: bool = True
    ) -> InvalidInputError:
        """One problem per field: the field (``name`` maps it to the front's spelling), the rule
        in words, and what was given."""
        problems = []
        for err in exc.errors():
            field = _loc(err["loc"], prefix)
            shown = name(field) if name is not None and field else field
            given = given_text(err.get("input")) if show_input and err["type"] != "missing" else ""
            problems.append(FieldProblem(shown, rule_text(err) + (f" (given {given})" if given else "")))
        return cls("invalid input: " + "; ".join(str(p) for p in problems), fields=problems)

    def lines(self) -> list[str]:
        """One line per field, for fronts that show problems as a list."""
        return [str(p) for p in self.fields] or [self.message]

    @classmethod
    def for_field(cls, field: str, problem: str) -> InvalidInputError:
        fp = FieldProblem(field, problem)
        return cls(f"invalid input: {fp}", fields=[fp])


class UnauthorizedError(RegistryError):
    default_hint = "Check IONOS_TOKEN (or IONOS_USERNAME and IONOS_PASSWORD): it is missing, expired or wrong."


class MissingCredentialsError(UnauthorizedError):
    """No IONOS credentials are configured: nothing is sent, the answer is immediate."""

    default_hint = "Set IONOS_TOKEN (or IONOS_USERNAME and IONOS_PASSWORD) and restart; --emulator needs none."


class ForbiddenError(RegistryError):
    default_hint = (
        "The credentials are valid but lack the right: ask the contract owner for "
        "'Access and manage container registries', or set IONOS_CONTRACT_NUMBER."
    )


class NotFoundError(RegistryError):
    default_hint = "List registries to see what exists."


class ConflictError(RegistryError):
    default_hint = "The name is taken or the registry is busy; pick another name or retry later."


class RateLimitedError(RegistryError):
    default_hint = "The API is rate limiting; wait and retry."

    def __init__(self, message: str, *, retry_after: float | None = None, **kwargs: object) -> None:
        super().__init__(message, **kwargs)  # type: ignore[arg-type]
        self.retry_after = retry_after
        if retry_after is not None:
            self.hint = f"The API is rate limiting; retry in {retry_after:.0f} s."


class TooManyCallsError(RateLimitedError):
    """This product's own limit on one person (REGISTRY_RATE_LIMIT, REGISTRY_WRITE_RATE_LIMIT)."""

    def __init__(self, message: str, *, retry_after: float, setting: str) -> None:
        super().__init__(message, retry_after=retry_after)
        self.hint = f"Try again in {max(1, round(retry_after))} s (the limit is {setting}, per person)."


class ServerError(RegistryError):
    default_hint = "IONOS had a server-side problem; retry in a minute, and check status.ionos.cloud."


class ApiError(RegistryError):
    """A status or body the API is not documented to send."""

    default_hint = "Unexpected answer from the API; retry, and quote the request id to IONOS support."


class NetworkError(RegistryError):
    """No usable response was received. ``reached_server`` is False when the request never left."""

    def __init__(self, message: str, *, reached_server: bool = True, **kwargs: object) -> None:
        super().__init__(message, **kwargs)  # type: ignore[arg-type]
        self.reached_server = reached_server


class RequestTimeoutError(NetworkError):
    default_hint = "The API did not answer in time; retry, or raise IONOS_READ_TIMEOUT."


class ConnectionFailedError(NetworkError):
    default_hint = "Could not reach the API; check IONOS_API_URL and the network."


class UnknownAdvisoryError(NotFoundError):
    default_hint = "Advisory ids look like CVE-2021-44228 or GHSA-jfh8-c2jp-5v3q; check the id."


class UsageError(InvalidInputError):
    """A command that does not parse. ``subject`` is what the front shows the usage of (None: the
    whole help); ``suggestion`` the closest thing the person may have meant."""

    default_hint = "Check the usage below."

    def __init__(self, problem: str, subject: Any = None, suggestion: str | None = None) -> None:
        super().__init__(problem)
        self.problem = problem
        self.subject = subject
        self.suggestion = suggestion


class ConfirmationError(RegistryError):
    """A planned change may not run. ``outcome`` is the audit outcome (expired, denied, stale, failed);
    ``reason`` the kind of refusal (invalid, expired, other_actor, other_target, protected, used,
    stale, arguments, safe_only, unidentified, store); ``current`` shows the target as it is now."""

    def __init__(
        self,
        message: str,
        *,
        outcome: str,
        reason: str = "denied",
        current: Any = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(message, hint=hint or "Ask again to get a fresh preview.")
        self.outcome = outcome
        self.reason = reason
        self.current = current


class ApprovalError(RegistryError):
    default_hint = "Ask another writer, or look at the request with get_approval / `/registry approval ID`."


class StoreUnavailableError(RegistryError):
    default_hint = "The shared state store (REGISTRY_STATE_URL) cannot be reached; retry when it is back."


def rule_text(err: Mapping[str, Any]) -> str:
    """A pydantic error as a rule in plain words (no pydantic jargon, no documentation URL)."""
    kind, ctx = err.get("type", ""), err.get("ctx") or {}
    words = {
        "missing": "is required",
        "greater_than_equal": f"must be at least {ctx.get('ge')}",
        "less_than_equal": f"must be at most {ctx.get('le')}",
        "greater_than": f"must be more than {ctx.get('gt')}",
        "less_than": f"must be less than {ctx.get('lt')}",
        "int_parsing": "must be a whole number",
        "int_type": "must be a whole number",
        "int_from_float": "must be a whole number",
        "float_parsing": "must be a number",
        "float_type": "must be a number",
        "bool_parsing": "must be true or false",
        "bool_type": "must be true or false",
        "string_type": "must be text",
        "list_type": "must be a list",
        "too_short": f"must have at least {ctx.get('min_length')} item(s)",
        "too_long": f"must have at most {ctx.get('max_length')} item(s)",
        "string_too_short": f"must be at least {ctx.get('min_length')} character(s)",
        "string_too_long": f"must be at most {ctx.get('max_length')} characters",
        "literal_error": f"must be one of {ctx.get('expected')}",
        "enum": f"must be one of {ctx.get('expected')}",
        "extra_forbidden": "is not a known field",
        "url_parsing": "must be a URL",
    }
    if kind in words:
        return words[kind]
    text = str(err.get("msg", "is not valid")).removeprefix("Value error, ").removeprefix("Assertion failed, ")
    # pydantic's own phrasing for kinds not named above ("Input should be a valid dictionary").
    return re.sub(r"^Input should (be|have|match)\b", r"must \1", text).replace("Input ", "the value ")


def given_text(value: Any, limit: int = 60) -> str:
    """What was given, short and quoted; nothing for containers (their items are named instead)."""
    if isinstance(value, dict):
        return ""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _loc(loc: tuple[int | str, ...], prefix: str) -> str:
    # A list item's index is left out: the field is what a person typed, and the item is shown as given.
    name = ".".join(str(p) for p in loc if not isinstance(p, int))
    return f"{prefix}.{name}" if prefix and name else (prefix or name)

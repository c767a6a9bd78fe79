"""An IONOS response that is not a success, as one of our errors: the status picks the class, the
body's messages and the request id are kept (credentials redacted), and a field IONOS names in its
message becomes the field the error names."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from pydantic import ValidationError

from tools.errors import (
    ApiError,
    ConflictError,
    FieldProblem,
    ForbiddenError,
    InvalidInputError,
    NotFoundError,
    RateLimitedError,
    RegistryError,
    ServerError,
    UnauthorizedError,
)
from tools.models import ApiErrorBody, ApiErrorMessage, decode
from tools.sanitize import clean

REQUEST_ID_HEADERS = ("x-request-id", "x-requestid", "x-correlation-id")

_BY_STATUS: dict[int, tuple[type[RegistryError], str]] = {
    400: (InvalidInputError, "the API rejected the request as invalid"),
    401: (UnauthorizedError, "the API did not accept the credentials"),
    403: (ForbiddenError, "the credentials are not allowed to do this"),
    404: (NotFoundError, "not found"),
    409: (ConflictError, "conflict with the current state"),
    422: (InvalidInputError, "the API rejected the request as invalid"),
    429: (RateLimitedError, "rate limited by the API"),
}


def error_from_response(
    status: int,
    body: bytes,
    headers: Mapping[str, str],
    *,
    action: str,
    retry_after: float | None = None,
    redact: Redactor | None = None,
) -> RegistryError:
    """Build the error for a non-2xx response; robust to empty and non-JSON bodies."""
    messages: list[ApiErrorMessage] = []
    if body:
        try:
            messages = decode(ApiErrorBody, body).messages or []
        except (ValidationError, ValueError):
            messages = []
    if redact is not None:
        messages = redact.messages(messages)
    # The API's words reach a person and a model: through the sanitizer, like every API string.
    messages = [
        ApiErrorMessage(
            error_code=clean(m.error_code, 100) if m.error_code else m.error_code,
            message=clean(m.message, 500) if m.message else m.message,
        )
        for m in messages[:5]
    ]
    request_id = next((headers[h] for h in REQUEST_ID_HEADERS if h in headers), None)
    if request_id is not None and redact is not None:
        request_id = redact(request_id)
    if status >= 500:
        cls: type[RegistryError] = ServerError
        summary = f"the API failed with HTTP {status}"
    else:
        cls, summary = _BY_STATUS.get(status, (ApiError, f"unexpected HTTP {status}"))
    message = f"{action}: {summary}"
    if cls is InvalidInputError:
        fields = [p for p in (_field_of(m.message or "") for m in messages) if p is not None]
        hint = InvalidInputError.default_hint if fields else InvalidInputError.unnamed_hint
        return InvalidInputError(
            message, fields=fields, status=status, messages=messages, request_id=request_id, hint=hint
        )
    if cls is RateLimitedError:
        return RateLimitedError(
            message, status=status, messages=messages, request_id=request_id, retry_after=retry_after
        )
    return cls(message, status=status, messages=messages, request_id=request_id)


_API_FIELD = re.compile(r"^\s*(?:\[[A-Z_]+\]\s*)?properties\.([A-Za-z][A-Za-z0-9]*)\b[\s:]*(.*)$", re.DOTALL)


def _field_of(message: str) -> FieldProblem | None:
    """The field an IONOS message names (``properties.location is required…``), in our snake_case."""
    found = _API_FIELD.match(message)
    if found is None:
        return None
    name = re.sub(r"(?<!^)([A-Z])", r"_\1", found.group(1)).lower()
    return FieldProblem(name, found.group(2).strip() or message.strip())


class Redactor:
    """Removes the configured credentials from text that came from outside (an upstream that
    echoes the Authorization header must not put IONOS_TOKEN in an answer, a log or the audit)."""

    MARK = "[redacted]"

    def __init__(self, secrets: Iterable[str | None]) -> None:
        # Longest first, so a secret that contains another is removed whole.
        self._secrets = sorted({s for s in secrets if s and len(s) >= 4}, key=len, reverse=True)

    def __call__(self, text: str) -> str:
        for secret in self._secrets:
            if secret in text:
                text = text.replace(secret, self.MARK)
        return text

    def messages(self, messages: Iterable[ApiErrorMessage]) -> list[ApiErrorMessage]:
        return [
            ApiErrorMessage(
                error_code=self(m.error_code) if m.error_code else m.error_code,
                message=self(m.message) if m.message else m.message,
            )
            for m in messages
        ]

"""Entry-point plumbing shared by registry-mcp and registry-bot: settings or a one-line exit, logging.

A bad environment value must stop a server at start with one line naming the variable and
the rule (exit status 2), never a traceback and never a ``ValueError`` on every later call.
"""

from __future__ import annotations

import sys
from typing import Literal, TypeVar

from pydantic import SecretStr, ValidationError

from tools.config import Settings, from_environment
from tools.errors import given_text, rule_text
from tools.logs import configure

S = TypeVar("S", bound=Settings)
USAGE_EXIT = 2


class StartupError(SystemExit):
    """Printed as ``prog: message`` on stderr; exit status 2."""

    def __init__(self, prog: str, message: str) -> None:
        print(f"{prog}: {message}", file=sys.stderr, flush=True)
        super().__init__(USAGE_EXIT)
        self.message = message


def settings_problem(exc: ValidationError, kind: type[Settings]) -> str:
    """``REGISTRY_CONFIRM_TTL must be at least 10 (given '2')``, one clause per variable."""
    clauses = []
    for err in exc.errors():
        field = str(err["loc"][0]) if err["loc"] else ""
        info = kind.model_fields.get(field)
        secret = info is not None and "SecretStr" in str(info.annotation)
        given = "" if secret or err["type"] == "missing" else given_text(err.get("input"))
        name = f"{field.upper()} " if field else ""  # a rule across fields names them itself
        clauses.append(f"{name}{rule_text(err)}" + (f" (given {given})" if given else ""))
    return "; ".join(clauses)


def load(prog: str, kind: type[S]) -> S:
    """The settings ``kind`` from the environment, or exit 2 with one line saying what is wrong."""
    try:
        return from_environment(kind)
    except ValidationError as exc:
        raise StartupError(prog, "bad environment: " + settings_problem(exc, kind)) from None


def secret_value(secret: SecretStr | None) -> str | None:
    return secret.get_secret_value() if secret is not None else None


def configure_logging(fmt: Literal["text", "json"] = "text") -> None:
    """Everything to stderr, audit records at INFO; ``REGISTRY_LOG_FORMAT=json`` for one object per line."""
    configure(fmt)

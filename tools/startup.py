"""Entry-point plumbing shared by registry-mcp and registry-bot: settings or a one-line exit, logging.

Light on purpose: an entry point checks its whole environment here before it builds anything
(``tools.wiring`` builds the core from what this returns).

A bad environment value must stop a server at start with one line naming the variable and
the rule (exit status 2), never a traceback and never a ``ValueError`` on every later call.
"""

from __future__ import annotations

import argparse
import logging
import sys
import typing
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Literal, ParamSpec, TypeVar

from pydantic import SecretStr, ValidationError

from tools.config import ApiSettings, ObservabilitySettings, SafetySettings, Settings, from_environment
from tools.errors import given_text, rule_text
from tools.logs import configure

logger = logging.getLogger("tools.startup")
S = TypeVar("S", bound=Settings)
P = ParamSpec("P")
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


class Parser(argparse.ArgumentParser):
    """argparse, with a bad flag said in one line (exit 2) like a bad setting, not a usage block."""

    def error(self, message: str) -> typing.NoReturn:
        raise StartupError(self.prog, f"{message} (see --help)")


def port_number(text: str) -> int:
    """``--port``: 0-65535 (0 = any free port), or a one-line refusal naming what was given."""
    try:
        port = int(text)
    except ValueError:
        port = -1
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"must be a port number 0-65535 (given {text!r})")
    return port


def quiet_interrupt(main: Callable[P, None]) -> Callable[P, None]:
    """Ctrl-C stops the command with status 130 and nothing more: no traceback, and no line that is
    not in the log format (the person pressed it; a collector reads the rest)."""

    @wraps(main)
    def run(*args: P.args, **kwargs: P.kwargs) -> None:
        try:
            main(*args, **kwargs)
        except KeyboardInterrupt:
            raise SystemExit(130) from None

    return run


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


def observe(prog: str) -> ObservabilitySettings:
    """Logging first, so that every later refusal is logged in the configured format."""
    observability = load(prog, ObservabilitySettings)
    configure_logging(observability.registry_log_format)
    return observability


def local_url(host: str, port: int) -> str:
    """Where this process answers from this machine: a wildcard bind is reached on loopback."""
    reachable = "127.0.0.1" if host in ("0.0.0.0", "::") else host  # noqa: S104 - compared, not bound
    return f"http://{reachable}:{port}"


@dataclass(frozen=True)
class CoreSettings:
    """What the core is built from (``tools.wiring.assemble``); ``offline``: on the built-in emulator."""

    api: ApiSettings
    safety: SafetySettings
    offline: bool


def core_settings(prog: str, *, offline: bool) -> CoreSettings:
    """Read and check at start, whatever the mode: a bad value is refused before anything is served."""
    safety = load(prog, SafetySettings)
    api = load(prog, ApiSettings)
    if not offline and not api.has_credentials:
        logger.warning(
            "no IONOS credentials: every call will answer that none are set. Set IONOS_TOKEN "
            "(or IONOS_USERNAME and IONOS_PASSWORD), or run with --emulator"
        )
    return CoreSettings(api, safety, offline)

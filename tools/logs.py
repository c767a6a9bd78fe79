"""Log lines that say who and which IONOS request: context for every record, text or JSON.

The fronts name the actor when they know who asks (``bind_actor``); the HTTP layer notes each
IONOS request id as responses arrive (``note_request_id``). Both live in context variables, so
concurrent requests never see each other's. ``REGISTRY_LOG_FORMAT=json`` turns each record into
one JSON object (python-json-logger) carrying them; no record carries a secret, because nothing
here logs credentials, tokens or passwords in the first place.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Literal

ACTOR: ContextVar[str | None] = ContextVar("registry_actor", default=None)
REQUEST_ID: ContextVar[str | None] = ContextVar("ionos_request_id", default=None)
_CAPTURED: ContextVar[list[str] | None] = ContextVar("ionos_request_ids", default=None)


def bind_actor(actor: str) -> None:
    """The person (or shared actor) behind everything this task logs from now on."""
    ACTOR.set(actor)


def note_request_ids(found: list[str]) -> None:
    """The IONOS request ids of a response that just arrived: the log context's, and a capture's."""
    if found:
        REQUEST_ID.set(found[0])
    captured = _CAPTURED.get()
    if captured is not None:
        captured.extend(found)


@contextmanager
def capture_request_ids() -> Iterator[list[str]]:
    """Collect the IONOS request id of every response received inside the block (per task)."""
    ids: list[str] = []
    token = _CAPTURED.set(ids)
    try:
        yield ids
    finally:
        _CAPTURED.reset(token)


class ContextFilter(logging.Filter):
    """Adds ``actor`` and ``request_id`` to every record (None when not known)."""

    def __init__(self, structured: bool = False) -> None:
        super().__init__()
        self.structured = structured

    def filter(self, record: logging.LogRecord) -> bool:
        audit = getattr(record, "audit", None)
        record.actor = audit["actor"] if audit else ACTOR.get()
        record.request_id = audit["request_id"] if audit and audit.get("request_id") else REQUEST_ID.get()
        if self.structured and audit:
            # The record is its own field; the message stays a short line for people reading.
            record.msg, record.args = "audit %s %s", (audit["operation"], audit["outcome"])
        return True


_format: list[Literal["text", "json"]] = ["text"]


def announce(prog: str, text: str) -> None:
    """A start-up banner: as it is for a person reading a terminal; under the JSON format one record
    per line like every other line a collector reads."""
    if _format[0] == "json":
        for line in text.splitlines():
            if line.strip():
                logging.getLogger(f"registry.banner.{prog}").info(line.strip())
        return
    print(text, file=sys.stderr, flush=True)


def configure(fmt: Literal["text", "json"] = "text") -> None:
    """Everything to stderr (stdout may carry the stdio protocol): text, or one JSON object per line."""
    _format[0] = fmt
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(ContextFilter(structured=fmt == "json"))
    if fmt == "json":
        from pythonjsonlogger.json import JsonFormatter  # noqa: PLC0415 - only in JSON mode

        handler.setFormatter(
            JsonFormatter(
                "{asctime}{levelname}{name}{message}{actor}{request_id}",
                style="{",
                rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
                timestamp=False,
            )
        )
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(name)s: %(message)s"))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(logging.WARNING)
    logging.getLogger("registry.audit").setLevel(logging.INFO)
    logging.getLogger("registry.banner").setLevel(logging.INFO)
    # tools.http logs each retry in words; stamina's own log line would repeat it.
    logging.getLogger("stamina").setLevel(logging.ERROR)

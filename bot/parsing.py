"""Pure: the text of a ``/registry`` command → an operation and its typed input, or a usage error.

The grammar is derived from the catalogue: each operation's ``SlackForm`` gives its words,
positional arguments and flags; its input model (the same one the MCP tool uses) validates.
Nothing here raises anything but ``UsageError``. An unknown subcommand is a usage error: it
can never fall through to an operation, let alone a destructive one.
"""

from __future__ import annotations

import argparse
import difflib
import html
import re
import shlex
from dataclasses import dataclass, replace
from typing import Any

from pydantic import ValidationError

from tools import InvalidInputError
from tools.operations import CATALOGUE, AnyOperation, Flag, SlackForm

HELP = "help"
CURSOR_FLAG = "--cursor"
# Every list whose input has a cursor pages the same way in Slack: a Next page button, or --cursor.
CURSOR = Flag(
    field="cursor", flag=CURSOR_FLAG, metavar="CURSOR", help="start at this page (a Next page button passes it)"
)


@dataclass(frozen=True)
class Spec:
    """A subcommand: an operation's Slack form (``op`` is None for help)."""

    name: str
    form: SlackForm
    summary: str
    op: AnyOperation | None = None

    def usage(self) -> str:
        return self.form.usage()

    def flag_help(self) -> list[str]:
        """One line per flag, in Slack's words: ``--gc-days mon,thu: garbage collection weekdays``."""
        return [f"{f.flag}{' ' + f.metavar if f.metavar else ''}: {f.help}" for f in self.form.flags]

    def display(self, field_name: str) -> str:
        """A field of the input model as the person typed it: the metavar or the flag."""
        if field_name.startswith("--"):
            return field_name  # already in this front's words
        if field_name in self.form.positional:
            return self.form.metavars[self.form.positional.index(field_name)]
        return next((f.flag for f in self.form.flags if f.field == field_name), field_name)

    def in_flags(self, message: str) -> str:
        """A model's message in this front's words: field names become flags."""
        for f in sorted(self.form.flags, key=lambda f: -len(f.field)):
            # Whole words only, and never one already spelled as a flag (``--limit`` stays ``--limit``).
            message = re.sub(rf"(?<![-\w]){re.escape(f.field)}(?!\w)", f.flag, message)
        return message


def _specs() -> dict[str, Spec]:
    specs = {
        HELP: Spec(
            HELP,
            SlackForm(words=(HELP,), positional=("topic",), metavars=("SUBCOMMAND",), optional=True),
            "show this help",
        )
    }
    for op in CATALOGUE.values():
        for form in (op.slack, *op.more_slack):
            name = " ".join(form.words)
            pages = "cursor" in op.input.model_fields and all(f.field != "cursor" for f in form.flags)
            paged = replace(form, flags=(*form.flags, CURSOR)) if pages else form
            specs[name] = Spec(name, paged, form.help or op.summary, op)
    return specs


SPECS: dict[str, Spec] = _specs()
ALIASES: dict[str, str] = {alias: name for name, s in SPECS.items() for alias in s.form.aliases} | {"?": HELP}


@dataclass(frozen=True)
class Request:
    command: str
    op: AnyOperation | None = None
    args: Any = None  # the validated input model; the topic for help
    words: tuple[str, ...] = ()  # as typed, after the subcommand

    def page(self, cursor: str) -> str:
        """The same command for the page at ``cursor`` (any ``--cursor`` given before is replaced)."""
        kept, skip = [], False
        for word in self.words:
            if skip:
                skip = False
            elif word == CURSOR_FLAG:
                skip = True
            elif not word.startswith(CURSOR_FLAG + "="):
                kept.append(word)
        return shlex.join([*self.command.split(), *kept, CURSOR_FLAG, cursor])


class UsageError(Exception):
    """What was wrong, and the subcommand whose usage to show (None: unknown subcommand)."""

    def __init__(self, problem: str, spec: Spec | None = None, suggestion: str | None = None) -> None:
        super().__init__(problem)
        self.problem = problem
        self.spec = spec
        self.suggestion = suggestion


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> Any:  # argparse would print and exit
        raise UsageError(message)

    def exit(self, status: int = 0, message: str | None = None) -> Any:
        raise UsageError(message or "invalid arguments")


def normalise(text: str) -> str:
    """Undo what Slack and phones do to typed text: HTML entities, smart quotes and dashes."""
    text = html.unescape(text or "")
    for smart, plain in (("“", '"'), ("”", '"'), ("‘", "'"), ("’", "'"), ("—", "--"), ("–", "--")):
        text = text.replace(smart, plain)
    return text.strip()


def find_spec(words: list[str]) -> tuple[Spec, int]:
    """The longest run of leading words that names a subcommand (or an alias of one)."""
    for size in (3, 2, 1):
        key = " ".join(w.lower() for w in words[:size])
        if len(words) >= size and (key in SPECS or key in ALIASES):
            return SPECS[ALIASES.get(key, key)], size
    close = difflib.get_close_matches(words[0].lower(), [*SPECS, *ALIASES], n=1, cutoff=0.5)
    suggestion = ALIASES.get(close[0], close[0]) if close else None
    raise UsageError(f"unknown subcommand {words[0]!r}", None, suggestion)


def parse(text: str) -> Request:
    try:
        words = shlex.split(normalise(text))
    except ValueError as exc:
        raise UsageError(f"could not read the command: {exc}") from None
    if not words:
        return Request(HELP)
    spec, used = find_spec(words)
    try:
        return _parse_args(spec, words[used:])
    except UsageError as exc:
        raise UsageError(exc.problem, spec) from None


def _parse_args(spec: Spec, words: list[str]) -> Request:
    form = spec.form
    parser = _Parser(prog=f"/registry {spec.name}", add_help=False, allow_abbrev=False, exit_on_error=False)
    last = len(form.positional) - 1
    for i, (field, metavar) in enumerate(zip(form.positional, form.metavars, strict=True)):
        parser.add_argument(field, metavar=metavar, nargs="?" if form.optional and i == last else None)
    for flag in form.flags:
        if flag.kind in ("true", "false"):
            parser.add_argument(flag.flag, dest=flag.field, action="store_const", const=flag.kind == "true")
        elif flag.kind == "items":
            parser.add_argument(flag.flag, dest=flag.field, metavar=flag.metavar, action="extend", nargs="+")
        else:
            nargs = "+" if flag.kind == "list" else None
            parser.add_argument(flag.flag, dest=flag.field, metavar=flag.metavar or "VALUE", nargs=nargs)
    try:
        parsed = parser.parse_args(words)
    except argparse.ArgumentError as exc:
        raise UsageError(str(exc)) from None
    values = {k: v for k, v in vars(parsed).items() if v is not None} | dict(form.presets)
    if spec.op is None:
        return Request(HELP, None, values.get("topic"))
    for flag in form.flags:
        if flag.field in values:
            values[flag.field] = _convert(flag, values[flag.field])
    missing = [f.flag for f in form.flags if f.required and f.field not in values]
    if missing:
        raise UsageError(f"{', '.join(missing)} is required")
    try:
        return Request(spec.name, spec.op, spec.op.input.model_validate(values), tuple(words))
    except ValidationError as exc:
        err = InvalidInputError.from_validation(exc, name=spec.display)
        raise UsageError("; ".join(spec.in_flags(line) for line in err.lines())) from None


def _convert(flag: Flag, raw: Any) -> Any:
    if flag.kind == "int":
        try:
            return int(raw)
        except ValueError:
            raise UsageError(f"{flag.flag}: {raw!r} is not a whole number") from None
    if flag.kind == "list":
        items = [part.strip() for word in raw for part in word.split(",") if part.strip()]
        return [] if [i.lower() for i in items] == ["none"] else items
    return raw

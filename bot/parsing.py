"""Pure: the text of a ``/registry`` command → a typed request, or a usage error.

The requests are the same pydantic inputs the MCP tools use; usage text and validation
come from those models. Nothing here raises anything but ``UsageError``.
"""

from __future__ import annotations

import argparse
import difflib
import html
import shlex
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel, ValidationError

from tools.operations import (
    CreateInput,
    ListInput,
    NameInput,
    RegistryRefInput,
    ReplaceInput,
    UpdateInput,
)

FlagKind = Literal["value", "int", "list", "true", "false"]


@dataclass(frozen=True)
class Flag:
    flag: str
    field: str
    kind: FlagKind
    metavar: str = ""

    def usage(self) -> str:
        return f"[{self.flag} {self.metavar}]" if self.metavar else f"[{self.flag}]"


@dataclass(frozen=True)
class Spec:
    name: str
    summary: str
    model: type[BaseModel] | None = None
    positional: str | None = None
    metavar: str = ""
    required: bool = True
    flags: tuple[Flag, ...] = field(default_factory=tuple)
    writes: bool = False

    def usage(self) -> str:
        parts = [f"/registry {self.name}"]
        if self.positional:
            parts.append(self.metavar if self.required else f"[{self.metavar}]")
        parts += [f.usage() if f.field != "location" else f"{f.flag} {f.metavar}" for f in self.flags]
        return " ".join(parts)

    def flag_help(self) -> list[str]:
        """One line per flag, the words taken from the input model's field descriptions."""
        out = []
        for f in self.flags:
            info = self.model.model_fields.get(f.field) if self.model else None
            out.append(f"{f.flag}: {info.description if info and info.description else f.field}")
        return out

    def in_flags(self, message: str) -> str:
        """A model's message in this front's words: field names become flags."""
        message = message.removeprefix("Value error, ")
        for f in self.flags:
            message = message.replace(f.field, f.flag)
        return message

    def display(self, field_name: str) -> str:
        if field_name == self.positional:
            return self.metavar
        return next((f.flag for f in self.flags if f.field == field_name), field_name)


GC_DAYS = Flag("--gc-days", "gc_days", "list", "Mon,Thu")
GC_TIME = Flag("--gc-time", "gc_time", "value", "01:30")
ALLOW = Flag("--allow", "api_subnet_allow_list", "list", "CIDR,…")

SPECS: dict[str, Spec] = {
    s.name: s
    for s in (
        Spec("help", "show this help", positional="topic", metavar="SUBCOMMAND", required=False),
        Spec(
            "list",
            "list registries, optionally by part of the name",
            ListInput,
            "name_filter",
            "NAME-FILTER",
            required=False,
            flags=(Flag("--limit", "limit", "int", "N"),),
        ),
        Spec("get", "show one registry", RegistryRefInput, "registry", "NAME|ID"),
        Spec("locations", "list the locations a registry can be created in"),
        Spec("check", "is a registry name available?", NameInput, "name", "NAME"),
        Spec(
            "create",
            "create a registry",
            CreateInput,
            "name",
            "NAME",
            writes=True,
            flags=(
                Flag("--location", "location", "value", "LOC"),
                GC_DAYS,
                GC_TIME,
                Flag("--no-scan", "vulnerability_scanning", "false"),
                ALLOW,
            ),
        ),
        Spec(
            "update",
            "change some settings of a registry",
            UpdateInput,
            "registry",
            "NAME|ID",
            writes=True,
            flags=(
                GC_DAYS,
                GC_TIME,
                Flag("--no-gc", "clear_gc_schedule", "true"),
                Flag("--scan", "vulnerability_scanning", "true"),
                Flag("--allow", ALLOW.field, "list", "CIDR,…|none"),
            ),
        ),
        Spec(
            "replace",
            "replace all settings of a registry (what you leave out is reset)",
            ReplaceInput,
            "registry",
            "NAME|ID",
            writes=True,
            flags=(GC_DAYS, GC_TIME, Flag("--no-scan", "vulnerability_scanning", "false"), ALLOW),
        ),
        Spec("delete", "delete a registry and everything in it", RegistryRefInput, "registry", "NAME|ID", writes=True),
    )
}
ALIASES = {
    "ls": "list",
    "show": "get",
    "info": "get",
    "describe": "get",
    "rm": "delete",
    "del": "delete",
    "remove": "delete",
    "new": "create",
    "add": "create",
    "edit": "update",
    "set": "update",
    "regions": "locations",
    "location": "locations",
    "available": "check",
    "?": "help",
}


@dataclass(frozen=True)
class Request:
    command: str
    args: Any = None  # the validated input model; the topic string for help; None otherwise


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


def parse(text: str) -> Request:
    try:
        words = shlex.split(normalise(text))
    except ValueError as exc:
        raise UsageError(f"could not read the command: {exc}") from None
    if not words:
        return Request("help")
    name = ALIASES.get(words[0].lower(), words[0].lower())
    spec = SPECS.get(name)
    if spec is None:
        close = difflib.get_close_matches(name, [*SPECS, *ALIASES], n=1, cutoff=0.5)
        suggestion = ALIASES.get(close[0], close[0]) if close else None
        raise UsageError(f"unknown subcommand {words[0]!r}", None, suggestion)
    try:
        return _parse_args(spec, words[1:])
    except UsageError as exc:
        raise UsageError(exc.problem, spec) from None


def _parse_args(spec: Spec, words: list[str]) -> Request:
    parser = _Parser(prog=f"/registry {spec.name}", add_help=False, allow_abbrev=False, exit_on_error=False)
    if spec.positional:
        parser.add_argument(spec.positional, metavar=spec.metavar, nargs=None if spec.required else "?")
    for flag in spec.flags:
        if flag.kind in ("true", "false"):
            parser.add_argument(flag.flag, dest=flag.field, action="store_const", const=flag.kind == "true")
        else:
            parser.add_argument(
                flag.flag, dest=flag.field, metavar=flag.metavar, nargs="+" if flag.kind == "list" else None
            )
    try:
        parsed = parser.parse_args(words)
    except argparse.ArgumentError as exc:
        raise UsageError(str(exc)) from None
    values = {k: v for k, v in vars(parsed).items() if v is not None}
    if spec.name == "help":
        return Request("help", values.get("topic"))
    for flag in spec.flags:
        if flag.field in values:
            values[flag.field] = _convert(flag, values[flag.field])
    if spec.model is None:
        return Request(spec.name)
    try:
        return Request(spec.name, spec.model.model_validate(values))
    except ValidationError as exc:
        problems = [
            f"{spec.display(str(e['loc'][0])) if e['loc'] else spec.name}: {spec.in_flags(e['msg'])}"
            for e in exc.errors()
        ]
        raise UsageError("; ".join(problems)) from None


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

"""Pure: results, previews and errors → Slack messages (Block Kit), inside Slack's limits.

Every function returns ``{"text": fallback, "blocks": [...]}`` (or a view). Text from users
and the API is escaped for mrkdwn; long content is split across blocks, never cut silently.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from pydantic import BaseModel

from bot.parsing import SPECS, Spec
from tools.approvals import Approval
from tools.confirm import ConfirmationError, ConfirmResult, Plan
from tools.errors import InvalidInputError, RegistryError
from tools.follow import Progress, elapsed_text, progress_line
from tools.tokens import Claims
from tools.views import (
    LocationList,
    NameCheck,
    RegistryDetail,
    RegistryList,
    RegistryState,
    RegistrySummary,
    TokenCreated,
    WatchReport,
    WriteResult,
    human_bytes,
)

Message = dict[str, Any]
SECTION_LIMIT = 3000
BLOCK_LIMIT = 50
VALUE_LIMIT = 2000
METADATA_LIMIT = 3000
LINES_PER_SECTION = 10
HOME_LIMIT = 90  # a Home tab holds 100 blocks
CONFIRM_ACTION = "registry_confirm"
CANCEL_ACTION = "registry_cancel"
NEXT_ACTION = "registry_list_next"
MODAL_CALLBACK = "registry_confirm_modal"
NAME_BLOCK, NAME_ACTION = "confirm_name", "typed"


def esc(text: object) -> str:
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def fallback(text: object) -> str:
    """The notification text: shown raw by Slack clients, so ``->`` stays ``->`` (``<`` and ``&``
    are still escaped so nothing in it becomes a link or a mention)."""
    return str(text).replace("&", "&amp;").replace("<", "&lt;")


def verb(operation: str) -> str:
    """``delete_registry`` → ``Delete``."""
    return operation.split("_", 1)[0].capitalize()


def plain(text: str, limit: int = 75) -> dict[str, Any]:
    return {"type": "plain_text", "text": text if len(text) <= limit else text[: limit - 1] + "…", "emoji": True}


def section(text: str) -> dict[str, Any]:
    assert len(text) <= SECTION_LIMIT, "split long text with sections() before rendering"
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def sections(lines: Iterable[str], per_block: int = LINES_PER_SECTION) -> list[dict[str, Any]]:
    """Lines grouped into section blocks, each within the 3,000-character limit."""
    out: list[dict[str, Any]] = []
    chunk: list[str] = []
    for raw in lines:
        line = raw if len(raw) <= SECTION_LIMIT else raw[: SECTION_LIMIT - 1] + "…"
        if chunk and (len(chunk) >= per_block or len("\n".join([*chunk, line])) > SECTION_LIMIT):
            out.append(section("\n".join(chunk)))
            chunk = []
        chunk.append(line)
    if chunk:
        out.append(section("\n".join(chunk)))
    return out


def context(text: str) -> dict[str, Any]:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": text[:SECTION_LIMIT]}]}


def header(text: str) -> dict[str, Any]:
    return {"type": "header", "text": plain(text, 150)}


def message(text: str, blocks: list[dict[str, Any]]) -> Message:
    """``text`` is the notification fallback: plain words."""
    assert len(blocks) <= BLOCK_LIMIT
    return {"text": fallback(text)[:SECTION_LIMIT], "blocks": blocks}


# ---------------------------------------------------------------- help and usage


def help_message(spec: Spec | None = None, problem: str | None = None, suggestion: str | None = None) -> Message:
    blocks: list[dict[str, Any]] = []
    if problem:
        hint = f" Did you mean `/registry {suggestion}`?" if suggestion else ""
        blocks.append(section(f":warning: {esc(problem)}.{hint}"))
    if spec is not None and spec.op is not None:
        lines = [f"`{esc(spec.usage())}`", esc(spec.summary), *(f"• `{esc(line)}`" for line in spec.flag_help())]
        blocks += sections(lines)
    else:
        blocks.append(section("*Manage IONOS Container Registry registries*"))
        blocks += sections(f"`{esc(s.usage())}` {esc(s.summary)}" for s in SPECS.values())
        blocks.append(
            context(
                "Registries by name, hostname or UUID. Lists are comma-separated (`--gc-days mon,thu`, "
                "`--allow 10.0.0.0/8,192.0.2.1`; `--allow none` = unrestricted); times are UTC "
                "(`--gc-time 1:30`; 01:23 when only days are given). Deletes, replaces and risky updates ask "
                "you to type the name. `/registry help SUBCOMMAND` for its flags."
            )
        )
    return message(problem or "How to use /registry", blocks)


# ---------------------------------------------------------------- lookups


def summary_line(reg: RegistrySummary) -> str:
    host = f"`{esc(reg.hostname)}`" if reg.hostname else "_no hostname yet_"
    scan = "scan on" if reg.vulnerability_scanning else "scan off"
    return (
        f"*{esc(reg.name)}* · {esc(reg.location)} · {esc(reg.state)} · {host} · "
        f"{human_bytes(reg.storage_bytes)} · {scan} · GC {esc(reg.gc_schedule)}"
    )


def registry_list(result: RegistryList, name_filter: str | None, limit: int) -> Message:
    title = f"Registries matching “{name_filter}”" if name_filter else "Registries"
    blocks = [header(title)]
    if not result.registries:
        blocks.append(section("No registries match."))
    blocks += sections(summary_line(r) for r in result.registries)
    if result.more_available and result.next_cursor:
        value = json.dumps({"f": name_filter, "l": limit, "c": result.next_cursor}, separators=(",", ":"))
        blocks.append(context(f"{len(result.registries)} shown; more on the next page."))
        if len(value) <= VALUE_LIMIT:
            blocks.append(
                {
                    "type": "actions",
                    "block_id": "registry_list_paging",
                    "elements": [
                        {"type": "button", "action_id": NEXT_ACTION, "text": plain("Next page"), "value": value}
                    ],
                }
            )
        else:
            blocks.append(context("The next page token is too long for a button; narrow the filter."))
    else:
        blocks.append(context(f"{len(result.registries)} shown; that is all."))
    return message(f"{title}: {len(result.registries)} shown", blocks)


def registry_card(reg: RegistryDetail, intro: str | None = None) -> Message:
    fields = [
        ("Location", reg.location),
        ("State", reg.state),
        ("Hostname", reg.hostname or "not yet allocated"),
        ("Storage", human_bytes(reg.storage_bytes)),
        ("Vulnerability scanning", "on" if reg.vulnerability_scanning else "off"),
        ("Garbage collection", reg.gc_schedule),
        ("API allow list", ", ".join(reg.api_subnet_allow_list) or "unrestricted"),
        ("Created", f"{reg.created_by or '?'}, {reg.created_date:%Y-%m-%d}" if reg.created_date else "?"),
    ]
    blocks: list[dict[str, Any]] = [section(esc(intro))] if intro else []
    blocks.append(header(reg.name))
    blocks.append(
        {
            "type": "section",
            "fields": [{"type": "mrkdwn", "text": f"*{label}*\n{esc(value)[:1900]}"} for label, value in fields],
        }
    )
    modified = f" · last modified by {esc(reg.last_modified_by)}" if reg.last_modified_by else ""
    blocks.append(context(f"id `{reg.id}`{modified}"))
    return message(intro or f"Registry {reg.name}", blocks)


def locations(result: LocationList) -> Message:
    return message("Locations", [section("*Locations:* " + ", ".join(f"`{esc(loc)}`" for loc in result.locations))])


def name_check(result: NameCheck) -> Message:
    icon = {"available": ":white_check_mark:", "taken": ":no_entry:", "invalid": ":warning:"}[result.status.value]
    return message(result.message, [section(f"{icon} {esc(result.message)}")])


# ---------------------------------------------------------------- confirmation


def view(out: BaseModel, intro: str | None = None) -> Message:
    """Any operation's output, by its type; anything without a renderer is shown as its lines."""
    if isinstance(out, RegistryList):
        return registry_list(out, None, len(out.registries) or 20)
    if isinstance(out, WriteResult):
        return registry_card(out.registry, intro=intro or out.message)
    if isinstance(out, RegistryDetail):
        return registry_card(out, intro=intro)
    if isinstance(out, LocationList):
        return locations(out)
    if isinstance(out, NameCheck):
        return name_check(out)
    if isinstance(out, TokenCreated):
        return token_created(out)
    if isinstance(out, WatchReport):
        return watch_report(out)
    if isinstance(out, Approval):
        return approval_card(out)
    if isinstance(out, RegistryState):
        return message(f"{out.name}: {out.state}", [section(f"*{esc(out.name)}* · {esc(out.state)}")])
    lines = [esc(line) for line in out.lines()] if hasattr(out, "lines") else [esc(out)]
    blocks = sections(lines)
    if len(blocks) > BLOCK_LIMIT - 1:
        shown = sum(b["text"]["text"].count("\n") + 1 for b in blocks[: BLOCK_LIMIT - 1])
        blocks = [*blocks[: BLOCK_LIMIT - 1], context(f"{len(lines) - shown} more lines not shown: narrow the query.")]
    return message(intro or (out.lines()[0] if hasattr(out, "lines") else "Done"), blocks)


def token_created(out: TokenCreated) -> Message:
    """The one message that carries a password: only ever sent ephemerally, to the person who asked."""
    blocks = [section(f":key: {esc(out.message)}"), *sections(esc(line) for line in out.token.lines())]
    if out.password is not None:
        secret = out.password.get_secret_value()
        blocks.append(section(f"*Password* (shown once, only to you; store it now):\n```{esc(secret)}```"))
    blocks.append(context("Nobody else sees this message, and the password is in no log or audit record."))
    return message(out.message, blocks)


def preview(plan: Plan, button_value: str, ttl_seconds: int) -> Message:
    """The preview with a danger button (and Slack's own confirm dialog) and a cancel button."""
    name, action = plan.claims.confirm_name, verb(plan.claims.operation)
    kind = plan.claims.operation.split("_", 1)[-1].replace("_", " ")
    lines = [esc(line) for line in plan.preview.lines()]
    blocks = [header(f"{action} {kind} {name}?"), *sections(lines, per_block=20)]
    if len(button_value) > VALUE_LIMIT:
        raise ValueError("this change is too large to carry in a Slack button; use fewer allow-list entries")
    undo = " This cannot be undone." if action == "Delete" else ""
    dialog = {
        "title": plain(f"{action} {name}?", 100),
        "text": plain(f"Next you type the name to confirm.{undo}", 300),
        "confirm": plain("Continue", 30),
        "deny": plain("Back", 30),
        "style": "danger",
    }
    blocks.append(
        {
            "type": "actions",
            "block_id": "registry_confirm_actions",
            "elements": [
                {
                    "type": "button",
                    "action_id": CONFIRM_ACTION,
                    "style": "danger",
                    "text": plain(f"{action} {name}…"),
                    "value": button_value,
                    "confirm": dialog,
                },
                {"type": "button", "action_id": CANCEL_ACTION, "text": plain("Cancel"), "value": button_value},
            ],
        }
    )
    window = f"{ttl_seconds // 60} minutes" if ttl_seconds >= 120 else f"{ttl_seconds} seconds"
    blocks.append(context(f"Only you can confirm, within {window}."))
    return message(f"{action} {kind} {name}? Review the preview and confirm.", blocks)


def confirm_modal(claims: Claims, private_metadata: str) -> dict[str, Any]:
    if len(private_metadata) > METADATA_LIMIT:
        raise ValueError("confirmation metadata too large for Slack")
    action, name = verb(claims.operation), claims.confirm_name
    kind = claims.operation.split("_", 1)[-1].replace("_", " ")
    return {
        "type": "modal",
        "callback_id": MODAL_CALLBACK,
        "notify_on_close": True,
        "private_metadata": private_metadata,
        "title": plain(f"{action} {kind}", 24),
        "submit": plain(action, 24),
        "close": plain("Cancel", 24),
        "blocks": [
            section(f"To {action.lower()} *{esc(name)}*, type its name."),
            {
                "type": "input",
                "block_id": NAME_BLOCK,
                "label": plain("Name", 2000),
                "element": {"type": "plain_text_input", "action_id": NAME_ACTION, "placeholder": plain(name, 150)},
            },
        ],
    }


def outcome(result: ConfirmResult[Any]) -> Message:
    icon = {
        "executed": ":white_check_mark:",
        "created": ":white_check_mark:",
        "declined": ":leftwards_arrow_with_hook:",
        "pending_approval": ":eyes:",
    }.get(result.status, ":information_source:")
    blocks = [section(f"{icon} {esc(result.message)}")]
    if result.changes and result.status in ("executed", "created"):
        blocks += sections(f"• {esc(c.line())}" for c in result.changes)
    if isinstance(result.result, Approval):  # the requester's copy: no buttons (those are for someone else)
        blocks.append(context(f"request `{esc(result.result.id)}` · `/registry approval {esc(result.result.id)}`"))
    elif result.result is not None and result.status != "declined" and not isinstance(result.result, RegistryState):
        blocks += view(result.result)["blocks"]
    changed = [c.line() for c in result.changes] if result.status in ("executed", "created") else []
    return message("\n".join([result.message, *changed]), blocks[:BLOCK_LIMIT])


def public_note(user_id: str, claims: Claims) -> str:
    past = {"Delete": "deleted", "Replace": "replaced the settings of", "Update": "updated"}
    action = past.get(verb(claims.operation), verb(claims.operation).lower() + "d")
    kind = claims.operation.split("_", 1)[-1].replace("_", " ")
    target = (
        claims.confirm_name
        if claims.target_name in ("", claims.registry_name)
        else (f"{claims.confirm_name} in {claims.registry_name}")
    )
    return f"<@{user_id}> {action} {kind} *{esc(target)}* ({esc(claims.target_id or claims.registry_id)})."


# ---------------------------------------------------------------- four eyes

APPROVE_ACTION, REJECT_ACTION = "registry_approve", "registry_reject"


def who(actor: str) -> str:
    """``slack:U123`` → a mention; anyone else by name."""
    return f"<@{actor.split(':', 1)[1]}>" if actor.startswith("slack:") else esc(actor.split(":", 1)[-1])


def approval_card(approval: Approval) -> Message:
    """The request in the approval channel: the preview, who asked and how, and (while pending) the buttons."""
    action, kind = verb(approval.operation), approval.operation.split("_", 1)[-1].replace("_", " ")
    pending = approval.status == "pending"
    title = (
        f"Approval needed: {action} {kind} {approval.target}"
        if pending
        else f"{approval.status.capitalize()}: {action} {kind} {approval.target}"
    )
    asked = (
        f"{who(approval.requested_by)} asked *through an AI assistant* (MCP), acting for them"
        if approval.by_assistant
        else f"{who(approval.requested_by)} asked in Slack"
    )
    blocks = [header(title[:150]), *sections([esc(line) for line in approval.preview.lines()], per_block=20)]
    blocks.append(context(f"{asked} · request `{esc(approval.id)}` · expires {approval.expires_at:%Y-%m-%d %H:%M} UTC"))
    if pending:
        value = approval.id
        blocks.append(
            {
                "type": "actions",
                "block_id": "registry_approval",
                "elements": [
                    {
                        "type": "button",
                        "action_id": APPROVE_ACTION,
                        "style": "primary",
                        "text": plain("Approve"),
                        "value": value,
                        "confirm": {
                            "title": plain("Approve this change?", 100),
                            "text": plain(
                                f"{action} {kind} {approval.target}, asked by someone else. It runs at once.", 300
                            ),
                            "confirm": plain("Approve", 30),
                            "deny": plain("Back", 30),
                        },
                    },
                    {
                        "type": "button",
                        "action_id": REJECT_ACTION,
                        "style": "danger",
                        "text": plain("Reject"),
                        "value": value,
                    },
                ],
            }
        )
    else:
        decided = f"decided by {who(approval.decided_by)}" if approval.decided_by else "nobody decided in time"
        blocks.append(section(f"{esc(approval.outcome or approval.status)} ({decided})"))
    return message(title, blocks[:BLOCK_LIMIT])


# ---------------------------------------------------------------- the watch

WATCH_LINES = 12  # per kind of finding; the rest is counted, and `/registry watch` shows it all in text


def watch_report(report: WatchReport, title: str = "Registry watch") -> Message:
    """The watch's findings, by kind, new ones marked; the digest and `/registry watch` alike."""
    checked = f"{report.registries_checked} registries checked {report.checked_at:%Y-%m-%d %H:%M} UTC"
    if report.empty:
        return message(
            f"{title}: nothing to worry about", [section(f":white_check_mark: Nothing to worry about ({checked}).")]
        )
    blocks = [header(title), context(checked)]
    for heading, lines in report.sections():
        shown = [f"• {esc(line)}".replace("  [new]", " :new:") for line in lines[:WATCH_LINES]]
        if len(lines) > WATCH_LINES:
            shown.append(f"_… and {len(lines) - WATCH_LINES} more_")
        blocks += sections([f"*{esc(heading)}*", *shown], per_block=WATCH_LINES + 2)
    counts = ", ".join(f"{len(lines)} {heading.split(' ')[0].lower()}" for heading, lines in report.sections())
    return message(f"{title}: {counts}", blocks[:BLOCK_LIMIT])


# ---------------------------------------------------------------- long operations


def answer(out: BaseModel) -> Message:
    return outcome(out) if isinstance(out, ConfirmResult) else view(out)


def with_note(msg: Message, note: str) -> Message:
    """``msg`` with a context line at the end (the progress of what it shows)."""
    return {**msg, "text": f"{msg['text']}\n{note}", "blocks": [*msg["blocks"][: BLOCK_LIMIT - 1], context(note)]}


def following(out: BaseModel, progress: Progress | None, again: str) -> Message:
    """An answer about a registry that is still changing, and where it got to; updated in place."""
    if progress is None:
        note = ":hourglass_flowing_sand: IONOS is still working on it; this message updates when that changes."
    elif progress.timed_out:
        note = f":hourglass: {esc(progress_line(progress))} Check again with `{esc(again)}`."
    elif progress.done:
        icon = ":x:" if progress.failed or progress.error is not None else ":white_check_mark:"
        note = f"{icon} {esc(progress_line(progress))}"
    else:
        took = elapsed_text(progress.elapsed)
        note = f":hourglass_flowing_sand: {esc(progress.state or '?')} after {took}; still following it."
    return with_note(answer(out), note)


def home(result: RegistryList, protected: dict[str, str], at: str) -> dict[str, Any]:
    """The App Home tab: every registry at a glance, as ``/registry list`` shows them."""
    shown = result.registries[:HOME_LIMIT]
    blocks: list[dict[str, Any]] = [header("Registries")]
    blocks.append(context(f"{len(result.registries)} registries · as of {esc(at)} · `/registry help` for commands"))
    for reg in shown:
        lock = f" · :lock: protected (`{esc(protected[reg.name])}`)" if reg.name in protected else ""
        blocks.append(section(summary_line(reg) + lock))
    if not shown:
        blocks.append(section("No registries yet: `/registry create NAME --location de/fra`."))
    if len(result.registries) > len(shown) or result.more_available:
        blocks.append(context("More registries than fit here: `/registry list` pages through all of them."))
    return {"type": "home", "blocks": blocks}


# ---------------------------------------------------------------- failures


def error(err: RegistryError) -> Message:
    lines = [f":x: {esc(err.message)}"]
    detail = err.detail()
    if detail:
        lines.append(f"IONOS said: {esc(detail)}")
    if err.hint:
        lines.append(f"_Next:_ {esc(err.hint)}")
    if isinstance(err, InvalidInputError) and err.fields:
        lines = [f":x: {esc(err.message.split(':', 1)[0])}:", *(f"• {esc(line)}" for line in err.lines())]
        lines.append(f"_Next:_ {esc(err.hint)}")
    blocks = sections(lines)
    if isinstance(err, ConfirmationError) and err.current is not None:
        blocks += view(err.current)["blocks"]
    if err.request_id:
        blocks.append(context(f"request id `{esc(err.request_id)}`"))
    return message(f"{err.message}", blocks)


def refusal(text: str) -> Message:
    return message(text, [section(f":no_entry: {text}")])

"""What operations answer, by type: help, registries, tokens, the watch, the Home tab."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from bot.parsing import SPECS, Spec
from bot.render.approvals import approval_card
from bot.render.blocks import (
    BLOCK_LIMIT,
    HOME_LIMIT,
    LINES_PER_SECTION,
    Message,
    context,
    esc,
    header,
    message,
    plain,
    section,
    sections,
)
from tools.confirmation import Approval
from tools.views import (
    Finding,
    LocationList,
    NameCheck,
    RegistryDetail,
    RegistryList,
    RegistrySummary,
    TokenCreated,
    WatchReport,
    WriteResult,
    human_bytes,
)

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


def registry_list(result: RegistryList) -> Message:
    blocks = [header("Registries")]
    if not result.registries:
        blocks.append(section("No registries match."))
    blocks += sections(summary_line(r) for r in result.registries)
    more = "; more on the next page." if result.next_cursor else "; that is all."
    blocks.append(context(f"{len(result.registries)} shown{more}"))
    return message(f"Registries: {len(result.registries)} shown", blocks)


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


def view(out: BaseModel, intro: str | None = None) -> Message:
    """Any operation's output, by its type; anything without a renderer is shown as its lines."""
    if isinstance(out, RegistryList):
        return registry_list(out)
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


# ---------------------------------------------------------------- the watch

WATCH_LINES = 40  # lines of findings one message holds; the rest is paged (`/registry watch`)
FINDING_ACTION = "registry_finding"
ACTIONABLE = 3  # the first findings of each class carry their next steps (a menu each: a block each, of Slack's 50)
OPTION_VALUE_LIMIT = 150


def finding_steps(finding: Finding) -> list[tuple[str, str]]:
    """What one can do about a finding, each as the /registry command it runs (so the same rules apply)."""
    if finding.kind == "token":
        return [
            ("Extend 90 days", f"tokens update {finding.registry} {finding.subject} --expiry 90d"),
            ("Revoke…", f"tokens delete {finding.registry} {finding.subject}"),
        ]
    if finding.kind == "vulnerability":
        return [
            ("Show images", f"vulns find {finding.subject} --in {finding.registry}"),
            ("Advisory", f"vulns get {finding.subject}"),
        ]
    return [("Details", f"get {finding.registry}")]


def finding_menu(finding: Finding) -> dict[str, Any] | None:
    options = [
        {"text": plain(label), "value": command}
        for label, command in finding_steps(finding)
        if len(command) <= OPTION_VALUE_LIMIT
    ]
    return {"type": "overflow", "action_id": FINDING_ACTION, "options": options} if options else None


def watch_report(report: WatchReport, title: str = "Registry watch") -> Message:
    """The watch's findings, most urgent first, under their class headings; the digest and
    `/registry watch` alike. Never an all-clear that isn't: with nothing new, it says what stands."""
    if report.empty:
        if report.only_new and report.standing:
            text = f":information_source: {esc(report.headline())} `/registry watch` shows them."
            return message(report.headline(), [section(text)])
        return message(f"{title}: nothing to worry about", [section(f":white_check_mark: {esc(report.headline())}")])
    blocks = [header(title), context(f"{esc(report.headline())}")]
    if report.counts:
        blocks.append(context(esc(", ".join(f"{n} {t.lower()}" for t, n in report.counts.items()))))
    shown = 0
    groups = report.sections()
    for number, (heading, lines) in enumerate(groups):
        room = WATCH_LINES - shown
        if room <= 0:
            break
        marked = [f"• {esc(line)}".replace("  [new]", " :new:") for line in lines[:room]]
        # The findings' groups come first, in the findings' order; "not checked" (no finding) is last.
        is_findings = not (report.failed and number == len(groups) - 1)
        findings = report.findings[shown : shown + len(marked)] if is_findings else []
        acting = findings[:ACTIONABLE]
        shown += len(marked)
        if not acting:
            blocks += sections([f"*{esc(heading)}*", *marked], per_block=LINES_PER_SECTION)
            continue
        blocks.append(section(f"*{esc(heading)}*"))
        for finding, line in zip(acting, marked, strict=False):
            block = section(line)
            menu = finding_menu(finding)
            if menu is not None:
                block["accessory"] = menu
            blocks.append(block)
        if marked[len(acting) :]:
            blocks += sections(marked[len(acting) :], per_block=LINES_PER_SECTION)
    rest = len(report.findings) - shown
    if rest > 0 or report.next_cursor:
        more = rest + (report.found - report.offset - len(report.findings))
        blocks.append(context(f"… and {more} more, less urgent: `/registry watch` pages through them all."))
    counts = ", ".join(f"{n} {t.lower()}" for t, n in report.counts.items())
    return message(f"{title}: {counts or report.headline()}", blocks[:BLOCK_LIMIT])


PICK_ACTION = "registry_pick"  # the Home tab's type-ahead registry picker (options from bot.home)
HOME_FINDINGS = 5


def home(
    result: RegistryList, protected: dict[str, str], at: str, findings: WatchReport | None = None
) -> dict[str, Any]:
    """The App Home tab: a registry picker, the most urgent findings with their next steps, and every
    registry at a glance as ``/registry list`` shows them."""
    picker = {
        "type": "external_select",
        "action_id": PICK_ACTION,
        "placeholder": plain("Find a registry by name"),
        "min_query_length": 0,
    }
    blocks: list[dict[str, Any]] = [{"type": "actions", "elements": [picker]}]
    if findings is not None:
        blocks.append(header("Needs care"))
        for finding in findings.findings[:HOME_FINDINGS]:
            block = section(f"• {esc(finding.line())}")
            menu = finding_menu(finding)
            if menu is not None:
                block["accessory"] = menu
            blocks.append(block)
        rest = findings.found - min(len(findings.findings), HOME_FINDINGS)
        tail = f"{rest} more: `/registry watch`" if rest > 0 else esc(findings.headline())
        blocks.append(context(f"{tail} · looked at {findings.checked_at:%H:%M} UTC"))
    shown = result.registries[: HOME_LIMIT - len(blocks) - 3]
    blocks.append(header("Registries"))
    blocks.append(context(f"{len(result.registries)} registries · as of {esc(at)} · `/registry help` for commands"))
    for reg in shown:
        lock = f" · :lock: protected (`{esc(protected[reg.name])}`)" if reg.name in protected else ""
        blocks.append(section(summary_line(reg) + lock))
    if not shown:
        blocks.append(section("No registries yet: `/registry create NAME --location de/fra`."))
    if len(result.registries) > len(shown) or result.more_available:
        blocks.append(context("More registries than fit here: `/registry list` pages through all of them."))
    return {"type": "home", "blocks": blocks}

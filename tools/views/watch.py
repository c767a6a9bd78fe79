"""What the registry watch found: what to fix before it breaks, most urgent first, each marked new or not.

Findings are ordered by what matters: critical vulnerabilities, then high ones, then tokens
expired, then tokens expiring, then registries not Running, then storage growth; within a class,
protected registries first. No finding carries a secret: a token is named by registry and name,
never its credentials.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from tools.models import View
from tools.views.format import when

Kind = Literal["token", "vulnerability", "registry", "storage"]
# Classes of finding, most urgent first: a finding's ``rank`` is its index here.
CLASSES = (
    "Critical vulnerabilities with a fix",
    "High vulnerabilities with a fix",
    "Tokens expired",
    "Tokens expiring within {days} days",
    "Registries not Running",
    "Storage that grew fast",
)


class Finding(View):
    """One thing to worry about (one flat shape for every kind keeps the tool's schema small)."""

    kind: Kind
    rank: int = Field(description="Urgency: 0 critical, 1 high, 2 token expired, 3 expiring, 4 state, 5 storage")
    registry: str
    protected: bool
    subject: str
    detail: str
    due: datetime | None = None
    new: bool = Field(description="Not in the previous digest")

    def line(self) -> str:
        where = f"{self.registry} (protected)" if self.protected else self.registry
        if self.kind == "token":
            return f"token {self.subject} of {where} {self.detail}"
        if self.kind == "vulnerability":
            return f"{where}: {self.detail}"
        return f"registry {where} {self.detail}"


def order(finding: Finding) -> tuple[int, bool, float, str, str]:
    return (
        finding.rank,
        not finding.protected,
        finding.due.timestamp() if finding.due else 0.0,
        finding.registry,
        finding.subject,
    )


class WatchReport(View):
    """What to worry about now, most urgent first: everything, or (``only_new``) only what the last
    digest did not say. ``findings`` is one page; the counts are of all."""

    checked_at: datetime
    registries_checked: int
    token_days: int
    only_new: bool = False
    last_digest: datetime | None = None
    found: int = Field(default=0, description="In all")
    standing: int = Field(default=0, description="In all, new or not")
    counts: dict[str, int] = Field(default_factory=dict)
    offset: int = 0
    findings: list[Finding] = Field(default_factory=list)
    next_cursor: str | None = None
    failed: list[str] = Field(default_factory=list, description="Not checked, and why")

    @classmethod
    def of(
        cls,
        every: list[Finding],
        *,
        checked_at: datetime,
        registries_checked: int,
        token_days: int,
        failed: list[str],
        last_digest: datetime | None,
        only_new: bool = False,
        offset: int = 0,
        limit: int | None = None,
    ) -> WatchReport:
        ordered = sorted(every, key=order)
        chosen = [f for f in ordered if f.new] if only_new else ordered
        end = len(chosen) if limit is None else offset + limit
        counts: dict[str, int] = {}
        for f in chosen:
            title = CLASSES[f.rank].format(days=token_days)
            counts[title] = counts.get(title, 0) + 1
        return cls(
            checked_at=checked_at,
            registries_checked=registries_checked,
            token_days=token_days,
            only_new=only_new,
            last_digest=last_digest,
            found=len(chosen),
            standing=len(every),
            counts=counts,
            offset=offset,
            findings=chosen[offset:end],
            next_cursor=str(end) if end < len(chosen) else None,
            failed=failed,
        )

    @property
    def empty(self) -> bool:
        """Nothing to say (the digest posts nothing): no finding in this report, nothing failed."""
        return not (self.found or self.failed)

    def sections(self) -> list[tuple[str, list[str]]]:
        """This page's findings under their class headings (new ones marked), in urgency order."""
        out: list[tuple[str, list[str]]] = []
        for f in self.findings:
            title = CLASSES[f.rank].format(days=self.token_days)
            line = f"{f.line()}  [new]" if f.new and not self.only_new and f.kind != "storage" else f.line()
            if out and out[-1][0] == title:
                out[-1][1].append(line)
            else:
                out.append((title, [line]))
        if self.failed:
            out.append(("Not checked (not an all-clear for these)", list(self.failed)))
        return out

    def headline(self) -> str:
        at = when(self.checked_at)
        if self.only_new and not self.found:
            since = f"the digest at {when(self.last_digest)}" if self.last_digest else "the last digest"
            still = f"{self.standing} finding{'s' if self.standing != 1 else ''} still stand"
            return f"Nothing new since {since}; {still} (checked {at})."
        if not self.found and not self.failed:
            return f"Nothing to worry about in {self.registries_checked} registries (checked {at})."
        what = "new since the last digest" if self.only_new else "to worry about"
        return f"Registry watch: {self.found} finding(s) {what} in {self.registries_checked} registries (checked {at})"

    def lines(self) -> list[str]:
        out = [self.headline()]
        if self.counts:
            out.append("  " + ", ".join(f"{n} {title.lower()}" for title, n in self.counts.items()))
        for title, lines in self.sections():
            out += [f"{title}:", *(f"  {line}" for line in lines)]
        if self.next_cursor or self.offset:
            out.append(f"Showing {self.offset + 1}-{self.offset + len(self.findings)} of {self.found}.")
        return out

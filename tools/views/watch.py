"""What the registry watch found: what to fix before it breaks, each marked new or already reported.

No finding carries a secret: a token is named by registry and name, never its credentials.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from tools.models import View
from tools.views.format import when

Kind = Literal["token", "vulnerability", "registry", "storage"]
TITLES: dict[str, str] = {
    "token": "Tokens expired or expiring soon",
    "vulnerability": "Critical and high vulnerabilities with a fix",
    "registry": "Registries not Running",
    "storage": "Storage that grew fast",
}


class Finding(View):
    """One thing to worry about (one flat shape for every kind keeps the tool's schema small)."""

    kind: Kind
    registry: str
    subject: str = Field(description="The token, the image, the state or the size")
    detail: str
    new: bool = Field(description="Not in the previous digest")

    def line(self) -> str:
        if self.kind == "token":
            return f"token {self.subject} of {self.registry} {self.detail}"
        if self.kind == "vulnerability":
            return f"{self.detail} in {self.subject}"
        return f"registry {self.registry} {self.detail}"


class WatchReport(View):
    """Everything to worry about now, or (``only_new``) only what the last digest did not say."""

    checked_at: datetime
    registries_checked: int
    token_days: int = Field(description="Tokens expiring within this many days are reported")
    findings: list[Finding] = Field(default_factory=list)
    failed: list[str] = Field(default_factory=list, description="Registries that could not be checked, and why")

    @property
    def empty(self) -> bool:
        return not (self.findings or self.failed)

    def only_new(self) -> WatchReport:
        return self.model_copy(update={"findings": [f for f in self.findings if f.new]})

    def of(self, kind: str) -> list[Finding]:
        return [f for f in self.findings if f.kind == kind]

    def sections(self) -> list[tuple[str, list[str]]]:
        """Each kind of finding with its lines (new ones marked), the empty ones left out."""
        out = []
        for kind, title in TITLES.items():
            lines = [f"{f.line()}  [new]" if f.new and kind != "storage" else f.line() for f in self.of(kind)]
            if lines:
                out.append((title.replace("soon", f"within {self.token_days} days"), lines))
        if self.failed:
            out.append(("Not checked", list(self.failed)))
        return out

    def lines(self) -> list[str]:
        at = when(self.checked_at)
        if self.empty:
            return [f"Nothing to worry about in {self.registries_checked} registries (checked {at})."]
        out = [f"Registry watch: {self.registries_checked} registries checked {at}"]
        for title, lines in self.sections():
            out += [f"{title}:", *(f"  {line}" for line in lines)]
        return out

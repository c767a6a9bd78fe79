"""The answer to "Check images in this message": each image's vulnerability summary, and what could not
be checked, with why."""

from __future__ import annotations

from datetime import datetime

from bot.render.blocks import BLOCK_LIMIT, Message, context, esc, header, message, sections
from tools.views import ArtifactDetail, VulnerabilityList
from tools.views.format import age


def image_check(
    checked: list[tuple[str, ArtifactDetail, VulnerabilityList]],
    unresolved: list[tuple[str, str, bool]],
    now: datetime,
) -> Message:
    """One line per image: worst severity, fixable criticals and highs, findings in all, last pull; and
    each one not checked, with why (``unresolved``: given, why, whether the API does not have it)."""
    lines = []
    for given, image, fixable in checked:
        worst = image.worst_severity.value.upper() if image.worst_severity else "none"
        critical = sum(1 for v in fixable.vulnerabilities if v.severity.value == "critical")
        high = sum(1 for v in fixable.vulnerabilities if v.severity.value == "high")
        more = "+" if fixable.next_cursor else ""
        scanned = (
            f"worst *{worst}* · fixable: {critical}{more} critical, {high}{more} high · {image.vulnerabilities} in all"
            if image.vulnerabilities is not None
            else "not scanned"
        )
        lines.append(f"• `{esc(given)}` ({esc(image.digest[:19])}): {scanned} · last pull {age(image.pulled, now)}")
    for given, why, _ in unresolved:
        lines.append(f"• `{esc(given)}`: not checked: {esc(why)}")
    missing = sum(1 for *_, absent in unresolved if absent)
    other = len(unresolved) - missing
    title = f"{len(checked)} image(s) checked" + (f", {missing} not found" if missing else "")
    title += f", {other} not checked" if other else ""
    blocks = [header("Images in this message"), *sections(lines)]
    blocks.append(context("`/registry vulns IMAGE` lists every finding of one image."))
    return message(title, blocks[:BLOCK_LIMIT])

"""The App Home tab as a dashboard: a type-ahead registry picker (its options loaded as the person
types, bounded), the most urgent findings with their next steps, and every registry (:lock: where
protected). Picking a registry opens its details in a modal."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot import render
from bot.deps import BotDeps, undelivered
from bot.people import caller_of
from tools.errors import RegistryError
from tools.operations import CATALOGUE, ListInput
from tools.operations.registry_inputs import FollowRefInput
from tools.operations.watch import WatchInput
from tools.resolve import prefix_first
from tools.views import RegistryDetail, RegistryList, WatchReport

logger = logging.getLogger("bot.home")
OPTIONS = 100  # Slack shows at most 100 options in an external select
# The Home tab is opened often, by everyone: its findings come from a look at most this old (a look
# reads every image of every registry); the tab says when it looked.
FINDINGS_AGE = 300


async def publish_home(deps: BotDeps, user: str, client: AsyncWebClient) -> None:
    """The Home tab, fresh each time it is opened."""
    try:
        found = await CATALOGUE["list_registries"].call(deps.core, ListInput(limit=100), caller_of(user))
        assert isinstance(found, RegistryList)
        protected = {r.name: pattern for r in found.registries if (pattern := deps.core.confirmer.protection(r.name))}
        findings = await watched(deps, user)
        view = render.home(found, protected, datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"), findings)
    except RegistryError as exc:
        logger.warning("could not list registries for the Home tab: %s", exc)
        view = {"type": "home", "blocks": [render.section(f":x: {render.esc(exc.message)}")]}
    try:
        await client.views_publish(user_id=user, view=view)
    except Exception as exc:
        undelivered(logger, "publish the Home tab", exc)


async def watched(deps: BotDeps, user: str) -> WatchReport | None:
    """The watch's most urgent findings, or None when they cannot be had right now (the rest still shows)."""
    try:
        report = await CATALOGUE["watch_registries"].call(
            deps.core, WatchInput(limit=render.HOME_FINDINGS, max_age=FINDINGS_AGE), caller_of(user)
        )
    except RegistryError as exc:
        logger.warning("the Home tab shows no findings: %s", exc)
        return None
    assert isinstance(report, WatchReport)
    return report


def register(app: AsyncApp, deps: BotDeps) -> None:
    @app.options(render.PICK_ACTION)
    async def registry_options(ack: AsyncAck, body: dict[str, Any]) -> None:
        """Registries whose name holds what was typed, those starting with it first; at most 100."""
        typed = str(body.get("value") or "").strip().lower()
        user = (body.get("user") or {}).get("id", "")
        try:
            page = await CATALOGUE["list_registries"].call(
                deps.core, ListInput(name_filter=typed or None, limit=OPTIONS), caller_of(user)
            )
        except (RegistryError, ValueError):
            await ack(options=[])
            return
        assert isinstance(page, RegistryList)
        names = prefix_first([r.name for r in page.registries], typed)
        await ack(options=[{"text": render.plain(n), "value": n} for n in names[:OPTIONS]])

    @app.action(render.PICK_ACTION)
    async def registry_picked(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient) -> None:
        await ack()
        user = body["user"]["id"]
        name = str((body["actions"][0].get("selected_option") or {}).get("value", ""))
        try:
            detail = await CATALOGUE["get_registry"].call(deps.core, FollowRefInput(registry=name), caller_of(user))
            assert isinstance(detail, RegistryDetail)
            blocks = render.registry_card(detail)["blocks"]
        except RegistryError as exc:
            blocks = render.error(exc)["blocks"]
        modal = {
            "type": "modal",
            "title": render.plain(name or "Registry", 24),
            "close": render.plain("Close"),
            "blocks": blocks[:100],
        }
        try:
            await client.views_open(trigger_id=body["trigger_id"], view=modal)
        except Exception as exc:
            undelivered(logger, "open a registry's details", exc)

"""build_app(...) → the Slack AsyncApp with every /registry listener registered."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.authorization import AuthorizeResult
from slack_sdk.web.async_client import AsyncWebClient

from bot import commands, confirmations
from bot.commands import BotDeps

logger = logging.getLogger("bot")
# slack_sdk's webhook client logs every body it sends at DEBUG, and one reply carries a token's
# password: that logger never goes below INFO, whatever the operator's level.
QUIET = ("slack_sdk.webhook",)


def build_app(
    deps: BotDeps,
    *,
    client: AsyncWebClient,
    signing_secret: str,
    offline_identity: bool = False,
) -> AsyncApp:
    """``offline_identity``: answer Bolt's authorize step locally instead of calling ``auth.test``
    (the demo has no Slack workspace to ask)."""
    for name in QUIET:
        quiet = logging.getLogger(name)
        quiet.setLevel(max(quiet.getEffectiveLevel(), logging.INFO))
    kwargs: dict[str, Any] = {}
    if offline_identity:
        kwargs["authorize"] = _demo_identity
    app = AsyncApp(
        client=client,
        signing_secret=signing_secret,
        process_before_response=False,
        request_verification_enabled=True,
        **kwargs,
    )
    commands.register(app, deps)
    confirmations.register(app, deps)

    @app.error
    async def on_error(error: Exception, body: dict[str, Any]) -> None:
        logger.error("unhandled error in a Slack listener: %r", error)

    return app


async def _demo_identity(**_: Any) -> AuthorizeResult:
    return AuthorizeResult(
        enterprise_id=None, team_id="T0DEMO", bot_token="xoxb-demo", bot_user_id="U0DEMOBOT", bot_id="B0DEMO"
    )

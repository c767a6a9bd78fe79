"""build_app(...) → the Slack AsyncApp with every /registry listener registered."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.authorization import AuthorizeResult
from slack_sdk.web.async_client import AsyncWebClient

from bot import approvals, commands, confirmations, findings, handoffs, home, mentions, shortcuts
from bot.deps import BotDeps

logger = logging.getLogger("bot")
# slack_sdk's webhook client logs every body it sends at DEBUG, and one reply carries a token's
# password: that logger never goes below INFO, whatever the operator's level.
QUIET = ("slack_sdk.webhook",)


class TokenFromEnvironment(logging.Filter):
    """Bolt reads SLACK_BOT_TOKEN itself when given none, and then warns that the client we pass wins:
    it does, on purpose (see below), so that one start-up warning would only alarm the operator."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "`token` will be unused" not in record.getMessage()


def build_app(
    deps: BotDeps,
    *,
    client: AsyncWebClient,
    signing_secret: str,
    offline_identity: bool = False,
    identity: BotIdentity | None = None,
) -> AsyncApp:
    """``offline_identity``: answer Bolt's authorize step locally instead of calling ``auth.test``
    (the demo has no Slack workspace to ask)."""
    for name in QUIET:
        quiet = logging.getLogger(name)
        quiet.setLevel(max(quiet.getEffectiveLevel(), logging.INFO))
    bolt = logging.getLogger("slack_bolt.AsyncApp")
    if not any(isinstance(f, TokenFromEnvironment) for f in bolt.filters):
        bolt.addFilter(TokenFromEnvironment())
    # Bolt makes each request's client from the authorize result's token; the app's own client keeps
    # only where Slack is (a token there as well makes Bolt warn at every start that it is ignored).
    app = AsyncApp(
        client=AsyncWebClient(base_url=client.base_url, timeout=client.timeout),
        signing_secret=signing_secret,
        process_before_response=False,
        request_verification_enabled=True,
        authorize=_demo_identity if offline_identity else (identity or BotIdentity(client)).authorize,
    )
    commands.register(app, deps)
    confirmations.register(app, deps)
    mentions.register(app, deps)
    approvals.register(app, deps)
    handoffs.register(app, deps)
    shortcuts.register(app, deps)
    findings.register(app, deps)
    home.register(app, deps)

    @app.error
    async def on_error(error: Exception, body: dict[str, Any]) -> None:
        logger.error("unhandled error in a Slack listener: %r", error)

    return app


class BotIdentity:
    """Who the bot is in its workspace (``auth.test``), asked once and shared by every request.

    Bolt's own single-workspace authorization asks on the first request, and every request that
    arrives before the answer asks too: after a deploy, 30 concurrent commands meant 30 calls to
    Slack, each inside the 3-second ack. ``warm()`` asks before the server takes traffic.
    """

    def __init__(self, client: AsyncWebClient) -> None:
        self.client = client
        self._found: AuthorizeResult | None = None
        self._lock = asyncio.Lock()

        async def authorize(**_: Any) -> AuthorizeResult:
            return await self.lookup()

        # A plain function for Bolt: it injects arguments by the names in the signature, and a
        # bound method's signature still names ``self`` (Bolt then passes self=None).
        self.authorize = authorize

    async def lookup(self) -> AuthorizeResult:
        if self._found is None:
            async with self._lock:
                if self._found is None:
                    answer = await self.client.auth_test()
                    self._found = AuthorizeResult.from_auth_test_response(
                        auth_test_response=answer, bot_token=self.client.token
                    )
        return self._found

    async def warm(self) -> None:
        """Ask now; if Slack does not answer, the first request asks again (and says so if it fails)."""
        try:
            await self.lookup()
        except Exception as exc:
            logger.warning("could not ask Slack who this bot is yet (%s); the first request will retry", exc)


async def _demo_identity(**_: Any) -> AuthorizeResult:
    return AuthorizeResult(
        enterprise_id=None, team_id="T0DEMO", bot_token="xoxb-demo", bot_user_id="U0DEMOBOT", bot_id="B0DEMO"
    )

"""Socket Mode against a local fake: hello, a slash command envelope, its ack, and the answer."""

from __future__ import annotations

from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_sdk.web.async_client import AsyncWebClient

from bot.access import Access
from bot.app import build_app
from bot.deps import BotDeps
from tests.bot.fakes import FakeSlack
from tests.conftest import Stack


async def test_slash_command_over_socket_mode(stack: Stack) -> None:
    fake = await FakeSlack().start()
    deps = BotDeps(stack.core, Access())
    app = build_app(deps, client=AsyncWebClient(token="xoxb-test", base_url=fake.api_url), signing_secret="unused")
    handler = AsyncSocketModeHandler(app, "xapp-test-token")
    await handler.connect_async()  # type: ignore[no-untyped-call]
    try:
        payload = {
            "token": "t",
            "team_id": "T1",
            "channel_id": "C1",
            "user_id": "U1",
            "command": "/registry",
            "text": "get ml-models",
            "api_app_id": "A1",
            "response_url": fake.response_url("sock"),
            "trigger_id": "trig",
        }
        await fake.socket_envelopes.put(
            {"envelope_id": "env-1", "type": "slash_commands", "payload": payload, "accepts_response_payload": True}
        )
        acks = await fake.wait_for(lambda: [a for a in fake.socket_acks if a.get("envelope_id") == "env-1"])
        replies = await fake.wait_for(lambda: fake.responses.get("sock"))
    finally:
        await handler.close_async()  # type: ignore[no-untyped-call]
        await fake.stop()
    assert len(acks) == 1
    assert "ml-models" in str(replies[0])
    opened = [c for c in fake.calls if c.method == "apps.connections.open"]
    assert opened[0].authorization == "Bearer xapp-test-token"

"""Try /registry without a Slack workspace: `python -m bot.demo list prod`.

Signs a slash command exactly as Slack would, sends it to a running `registry-bot --demo`,
receives the answer on a local response_url and prints it as text.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from typing import Any
from urllib.parse import urlencode

import httpx
from aiohttp import web
from slack_sdk.signature import SignatureVerifier

from tools.config import SlackSettings


def as_text(reply: dict[str, Any]) -> str:
    """A Block Kit message as plain lines (sections, fields, context, button labels)."""
    lines: list[str] = []
    for block in reply.get("blocks") or []:
        kind = block.get("type")
        if kind in ("header", "section") and block.get("text"):
            lines.append(block["text"]["text"])
        for item in block.get("fields") or []:
            lines.append("  " + item["text"].replace("\n", ": ", 1))
        if kind == "context":
            lines += [e.get("text", "") for e in block.get("elements", [])]
        if kind == "actions":
            lines.append("  [" + "] [".join(e["text"]["text"] for e in block["elements"]) + "]")
    return "\n".join(lines) or str(reply.get("text", ""))


async def send(text: str, url: str, secret: str, user: str, wait: float = 15.0) -> dict[str, Any]:
    received: asyncio.Queue[dict[str, Any]] = asyncio.Queue()

    async def sink(request: web.Request) -> web.Response:
        await received.put(await request.json())
        return web.Response(text="ok")

    sink_app = web.Application()
    sink_app.router.add_post("/response", sink)
    runner = web.AppRunner(sink_app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        body = urlencode(
            {
                "token": "demo",
                "team_id": "T0DEMO",
                "channel_id": "C0DEMO",
                "user_id": user,
                "user_name": "demo",
                "command": "/registry",
                "text": text,
                "api_app_id": "A0DEMO",
                "response_url": f"http://127.0.0.1:{port}/response",
                "trigger_id": "demo.trigger",
            }
        )
        stamp = str(int(time.time()))
        headers = {
            "content-type": "application/x-www-form-urlencoded",
            "x-slack-request-timestamp": stamp,
            "x-slack-signature": SignatureVerifier(secret).generate_signature(timestamp=stamp, body=body) or "",
        }
        async with httpx.AsyncClient() as client:
            ack = await client.post(url, content=body, headers=headers)
        if ack.status_code != 200:
            raise SystemExit(f"the bot answered HTTP {ack.status_code}: {ack.text}")
        return await asyncio.wait_for(received.get(), wait)
    finally:
        await runner.cleanup()


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bot.demo", description=__doc__)
    parser.add_argument("--url", default="http://127.0.0.1:3000/slack/events")
    parser.add_argument("--user", default="U0DEMO")
    parser.add_argument("text", nargs=argparse.REMAINDER, help="what follows /registry, e.g. list prod --limit 5")
    args = parser.parse_args()
    configured = SlackSettings().slack_signing_secret
    secret = configured.get_secret_value() if configured else "demo-signing-secret"
    reply = asyncio.run(send(" ".join(args.text), args.url, secret, args.user))
    print(as_text(reply))


if __name__ == "__main__":
    main()

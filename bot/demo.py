"""Try /registry without a Slack workspace: `python -m bot.demo list prod`.

Signs a slash command exactly as Slack would, sends it to a running `registry-bot --demo`,
receives the answer on a local response_url and prints it as text. With ``--confirm NAME`` it
also finishes a confirmation the way Slack would: presses the danger button, reads the modal
the bot opened, types NAME into it and prints the outcome.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
import uuid
from typing import Any
from urllib.parse import urlencode

import httpx
from aiohttp import web
from slack_sdk.signature import SignatureVerifier

from tools.config import SlackSettings, from_environment

USER, CHANNEL = "U0DEMO", "C0DEMO"


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
    text = "\n".join(lines) or str(reply.get("text", ""))
    return text.replace("&gt;", ">").replace("&lt;", "<").replace("&amp;", "&")


class Session:
    """One conversation with the bot: a response_url sink on loopback and signed requests."""

    def __init__(self, url: str, secret: str, user: str) -> None:
        self.url, self.user = url, user
        self.verifier = SignatureVerifier(secret)
        self.received: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.response_url = ""
        self._runner: web.AppRunner | None = None
        self.http = httpx.AsyncClient(timeout=10)

    async def __aenter__(self) -> Session:
        async def sink(request: web.Request) -> web.Response:
            await self.received.put(await request.json())
            return web.Response(text="ok")

        app = web.Application()
        app.router.add_post("/response", sink)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.response_url = f"http://127.0.0.1:{port}/response"
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.http.aclose()
        if self._runner is not None:
            await self._runner.cleanup()

    async def post(self, body: str) -> httpx.Response:
        stamp = str(int(time.time()))
        headers = {
            "content-type": "application/x-www-form-urlencoded",
            "x-slack-request-timestamp": stamp,
            "x-slack-signature": self.verifier.generate_signature(timestamp=stamp, body=body) or "",
        }
        response = await self.http.post(self.url, content=body, headers=headers)
        if response.status_code != 200:
            raise SystemExit(f"the bot answered HTTP {response.status_code}: {response.text}")
        return response

    async def command(self, text: str) -> dict[str, Any]:
        fields = {"token": "demo", "team_id": "T0DEMO", "channel_id": CHANNEL, "user_id": self.user}
        fields |= {"user_name": "demo", "command": "/registry", "text": text, "api_app_id": "A0DEMO"}
        await self.post(urlencode({**fields, "response_url": self.response_url, "trigger_id": "demo.trigger"}))
        return await self.next_reply()

    async def next_reply(self, wait: float = 15.0) -> dict[str, Any]:
        return await asyncio.wait_for(self.received.get(), wait)

    async def interact(self, payload: dict[str, Any]) -> httpx.Response:
        base = {"user": {"id": self.user, "username": "demo", "team_id": "T0DEMO"}, "api_app_id": "A0DEMO"}
        return await self.post(urlencode({"payload": json.dumps({**base, "team": {"id": "T0DEMO"}, **payload})}))

    async def confirm(self, reply: dict[str, Any], typed: str) -> dict[str, Any] | str:
        """Press the danger button (past Slack's own dialog), then type ``typed`` into the modal."""
        button = next(
            (
                e
                for b in reply.get("blocks") or []
                if b["type"] == "actions"
                for e in b["elements"]
                if e["action_id"] == "registry_confirm"
            ),
            None,
        )
        if button is None:
            return "(nothing to confirm in that answer)"
        trigger = f"demo-{uuid.uuid4().hex[:8]}"
        await self.interact(
            {
                "type": "block_actions",
                "trigger_id": trigger,
                "channel": {"id": CHANNEL},
                "container": {"type": "message", "is_ephemeral": True},
                "response_url": self.response_url,
                "actions": [{"type": "button", "action_id": "registry_confirm", "value": button["value"]}],
            }
        )
        view = await self.opened_view(trigger)
        if view is None:
            return as_text(await self.next_reply())  # refused before the modal (expired, someone else…)
        state = {"values": {"confirm_name": {"typed": {"type": "plain_text_input", "value": typed}}}}
        answer = await self.interact({"type": "view_submission", "view": {**view, "id": "VDEMO", "state": state}})
        if answer.text:
            return "The dialog says: " + "; ".join(json.loads(answer.text).get("errors", {}).values())
        return await self.next_reply()

    async def opened_view(self, trigger: str, wait: float = 10.0) -> dict[str, Any] | None:
        views = self.url.replace("/slack/events", f"/_demo/slack/views/{trigger}")
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            found = await self.http.get(views)
            if found.status_code == 200:
                return dict(found.json())
            if not self.received.empty():
                return None
            await asyncio.sleep(0.05)
        return None


async def send(text: str, url: str, secret: str, user: str = USER, typed: str | None = None) -> list[dict[str, Any]]:
    """The answer to ``/registry text`` and, with ``typed``, the outcome of confirming it (for tests)."""
    async with Session(url, secret, user) as session:
        reply = await session.command(text)
        if typed is None:
            return [reply]
        outcome = await session.confirm(reply, typed)
        return [reply, outcome if isinstance(outcome, dict) else {"text": outcome}]


async def run(text: str, url: str, secret: str, user: str, typed: str | None) -> None:
    async with Session(url, secret, user) as session:
        reply = await session.command(text)
        print(as_text(reply))
        if typed is None:
            if "registry_confirm" in json.dumps(reply):
                example = text.rsplit(maxsplit=1)[-1]
                print(f"\n(add --confirm NAME to press the button and type NAME, e.g. --confirm {example})")
            return
        outcome = await session.confirm(reply, typed)
        print("\n" + (outcome if isinstance(outcome, str) else as_text(outcome)))


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bot.demo", description=__doc__)
    parser.add_argument("--url", default="http://127.0.0.1:3000/slack/events")
    parser.add_argument("--user", default=USER)
    parser.add_argument("--confirm", metavar="NAME", help="press the confirm button and type NAME in the dialog")
    parser.add_argument("text", nargs=argparse.REMAINDER, help="what follows /registry, e.g. list prod --limit 5")
    args = parser.parse_args()
    configured = from_environment(SlackSettings).slack_signing_secret
    secret = configured.get_secret_value() if configured else "demo-signing-secret"
    try:
        asyncio.run(run(" ".join(args.text), args.url, secret, args.user, args.confirm))
    except httpx.ConnectError:
        print(f"no registry-bot answers at {args.url}: start it with `make run`, then try again.", file=sys.stderr)
        raise SystemExit(1) from None
    except TimeoutError:
        print("the bot did not answer within 15 s; is it the demo (`make run`)?", file=sys.stderr)
        raise SystemExit(1) from None


if __name__ == "__main__":
    main()

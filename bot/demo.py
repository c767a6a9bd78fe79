"""Try /registry without a Slack workspace: `python -m bot.demo list prod`.

Signs a slash command exactly as Slack would, sends it to a running `registry-bot --demo`,
receives the answer on a local response_url and prints it as text, then each update the bot makes
to it. With ``--confirm NAME`` it also finishes a confirmation the way Slack would: presses the
danger button, reads the modal the bot opened, types NAME into it and prints the outcome.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import sys
import time
import uuid
from typing import Any
from urllib.parse import urlencode

import httpx
from aiohttp import web
from slack_sdk.signature import SignatureVerifier

from tools.config import SafetySettings, SlackSettings, from_environment
from tools.startup import quiet_interrupt

USER, CHANNEL = "U0DEMO", "C0DEMO"
DEFAULT_APPROVALS = "C0APPROVALS"


def approvals_channel() -> str:
    """Where the bot posts approval cards: the same REGISTRY_APPROVAL_CHANNEL the bot reads."""
    return from_environment(SafetySettings).registry_approval_channel or DEFAULT_APPROVALS


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


async def posted(session: Session, name: str) -> list[dict[str, Any]]:
    """What the bot posted in a channel, as the demo Slack stand-in kept it (nothing: an empty list)."""
    found = await session.http.get(session.url.replace("/slack/events", f"/_demo/slack/channels/{name}"))
    return list(found.json()) if found.status_code == 200 else []


async def channel(session: Session, name: str) -> int:
    """Print what the bot posted in a channel: approval requests, the watch digest, the audit lines."""
    messages = await posted(session, name)
    if not messages:
        print(f"(nothing posted in {name} yet)")
    for message in messages:
        where = f" (in the thread of {message['thread_ts']})" if message.get("thread_ts") else ""
        print(f"--- {name} {message['ts']}{where}\n{as_text(message)}")
    return 0


async def press(session: Session, verb: str, request_id: str, where: str) -> int:
    """Press Approve or Reject on the approval card for ``request_id``, as ``--as`` (another person)."""
    for message in await posted(session, where):
        for block in message.get("blocks") or []:
            for element in block.get("elements") or []:
                if element.get("value") == request_id and verb in str(element.get("action_id")):
                    await session.interact(
                        {
                            "type": "block_actions",
                            "trigger_id": f"demo-{uuid.uuid4().hex[:8]}",
                            "channel": {"id": where},
                            "container": {"type": "message", "message_ts": message["ts"]},
                            "message": {"ts": message["ts"], "blocks": message.get("blocks")},
                            "response_url": session.response_url,
                            "actions": [{"type": "button", "action_id": element["action_id"], "value": request_id}],
                        }
                    )
                    print(as_text(await session.next_reply()))
                    with contextlib.suppress(TimeoutError):
                        while True:  # a refusal comes alone; a decision replaces the card
                            print("\n" + as_text(await session.next_reply(wait=1.0)))
                    return 0
    print(f"no approval card for {request_id} in {where}: `python -m bot.demo channel {where}` shows what is there")
    return 1


FOLLOWING = ":hourglass_flowing_sand:"  # the bot is still following the registry and will update this answer


def confirm_name(reply: dict[str, Any]) -> str | None:
    """The name the dialog will ask for, from the danger button's label (``Delete ci-push…``)."""
    for block in reply.get("blocks") or []:
        for element in block.get("elements") or []:
            if element.get("action_id") == "registry_confirm":
                return str(element["text"]["text"]).rsplit(" ", 1)[-1].rstrip("…") or None
    return None


async def followed(session: Session, reply: dict[str, Any], follow: bool) -> None:
    """Print ``reply``; while it says the bot is still following the registry, print each update
    in place of it until it settles (or the bot's own bound says it stopped following)."""
    print(as_text(reply), flush=True)
    while follow and FOLLOWING in json.dumps(reply):
        reply = await session.next_reply(wait=FOLLOW_BOUND)
        print("\n(updated) " + as_text(reply), flush=True)
    with contextlib.suppress(TimeoutError):  # the mention that says it is done, when there is one
        while follow:
            print("\n" + as_text(await session.next_reply(wait=1.0)), flush=True)


async def run(text: str, url: str, secret: str, user: str, typed: str | None, follow: bool = True) -> int:
    """Exit status: 1 when a confirmation asked for did not go through (the dialog refused it)."""
    async with Session(url, secret, user) as session:
        words = text.split()
        if len(words) == 2 and words[0] == "channel":
            return await channel(session, words[1])
        if len(words) in (2, 3) and words[0] in ("approve", "reject"):
            return await press(session, words[0], words[1], words[2] if len(words) == 3 else approvals_channel())
        reply = await session.command(text)
        if typed is None:
            await followed(session, reply, follow)
            name = confirm_name(reply)
            if name is not None:
                print(f"\n(add --confirm {name} to press the button and type {name} into the dialog)")
            return 0
        print(as_text(reply), flush=True)
        outcome = await session.confirm(reply, typed)
        print()
        if isinstance(outcome, str):
            print(outcome)
            return 1
        await followed(session, outcome, follow)
        return 0


FOLLOW_BOUND = 330.0  # the bot gives up following after REGISTRY_WAIT_TIMEOUT (300 s by default) and says so
OWN_FLAGS = {"--confirm": "confirm", "--url": "url", "--as": "user", "--user": "user"}


def split(argv: list[str]) -> tuple[dict[str, str], list[str], bool]:
    """This tool's own flags, wherever they are on the line, and the words for /registry in order."""
    own: dict[str, str] = {}
    words: list[str] = []
    follow = True
    items = iter(argv)
    for word in items:
        flag, eq, value = word.partition("=")
        if flag in OWN_FLAGS:
            given = value if eq else next(items, None)
            if given is None:
                raise SystemExit(f"python -m bot.demo: {flag} needs a value")
            own[OWN_FLAGS[flag]] = given
        elif word == "--no-follow":
            follow = False
        else:
            words.append(word)
    return own, words, follow


USAGE = """usage: python -m bot.demo [--url URL] [--as USER] [--confirm NAME] [--no-follow] WORDS…
       python -m bot.demo channel CHANNEL
       python -m bot.demo approve|reject REQUEST-ID [CHANNEL] --as USER

Try /registry without a Slack workspace: `python -m bot.demo list prod`. Signs the slash command
exactly as Slack would, sends it to a running `registry-bot --demo`, and prints the answer, then
each update the bot makes to it while it follows a registry (`--no-follow`: only the first).
`channel` prints what the bot posted in a channel (approval cards, the watch digest, the audit
channel, a person's DM as D + their id without U); `approve` and `reject` press an approval card's
button (in REGISTRY_APPROVAL_CHANNEL, default C0APPROVALS) as another person.

  --confirm NAME  press the confirm button and type NAME into the dialog (anywhere on the line)
  --as USER       act as this Slack user id (default U0DEMO)
  --url URL       the bot's Slack endpoint (default http://127.0.0.1:3000/slack/events)"""


@quiet_interrupt
def main() -> None:
    argv = sys.argv[1:]
    if not argv or argv[0] in ("-h", "--help"):
        print(USAGE)
        return
    own, words, follow = split(argv)
    url = own.get("url", "http://127.0.0.1:3000/slack/events")
    configured = from_environment(SlackSettings).slack_signing_secret
    secret = configured.get_secret_value() if configured else "demo-signing-secret"
    try:
        status = asyncio.run(run(" ".join(words), url, secret, own.get("user", USER), own.get("confirm"), follow))
    except httpx.ConnectError:
        print(f"no registry-bot answers at {url}: start it with `make run`, then try again.", file=sys.stderr)
        raise SystemExit(1) from None
    except TimeoutError:
        print("the bot did not answer within 15 s; is it the demo (`make run`)?", file=sys.stderr)
        raise SystemExit(1) from None
    except BrokenPipeError:  # `python -m bot.demo watch | head`: the reader has all it wanted
        with contextlib.suppress(OSError):
            sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - so the interpreter's final flush is quiet
        raise SystemExit(0) from None
    raise SystemExit(status)


if __name__ == "__main__":
    main()

"""Confirmed changes: danger button (with Slack's confirm dialog) → type-the-name modal → execute once.

Each step checks with the core's ``Confirmer``: the plan's signature, expiry, that the
person clicking is the person who asked, protection, and at execution the registry's
fingerprint. A double submit or a replayed request finds the plan already used.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from bot import render
from bot.approvals import Courier
from bot.deps import BotDeps, undelivered
from bot.people import caller_of
from bot.progress import Where, followup
from tools.errors import ConfirmationError, RegistryError
from tools.operations import CATALOGUE

logger = logging.getLogger("bot.confirmations")


def register(app: AsyncApp, deps: BotDeps) -> None:
    flow = ConfirmFlow(deps)
    app.action(render.CONFIRM_ACTION)(flow.on_confirm)
    app.action(render.CANCEL_ACTION)(flow.on_cancel)
    app.view(render.MODAL_CALLBACK)(flow.on_submit)
    app.view_closed(render.MODAL_CALLBACK)(flow.on_closed)


class ConfirmFlow:
    """The listeners; Bolt injects their arguments by name."""

    def __init__(self, deps: BotDeps) -> None:
        self.deps = deps

    async def on_confirm(
        self, ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, respond: AsyncRespond
    ) -> None:
        confirmer = self.deps.core.confirmer
        await ack()
        user = body["user"]["id"]
        data = _loads(body["actions"][0].get("value"))
        operation, ref = _asked(data)
        try:
            claims = confirmer.validate(str(data["t"]), caller=caller_of(user), operation=operation, ref=ref)
        except (ValueError, KeyError, TypeError) as err:
            confirmer.refused_token(operation, caller_of(user), ref)
            await _tell(respond, err)
            return
        except ConfirmationError as err:
            await _tell(respond, err)
            return
        metadata = json.dumps(
            {
                "t": data["t"],
                "o": data.get("o"),
                "a": data.get("a"),
                "u": body.get("response_url"),
                "c": (body.get("channel") or {}).get("id"),
                **({"th": data["th"]} if isinstance(data.get("th"), str) else {}),
            },
            separators=(",", ":"),
        )
        try:  # first thing after the ack: the trigger_id lives 3 seconds
            await client.views_open(trigger_id=body["trigger_id"], view=render.confirm_modal(claims, metadata))
        except Exception:
            logger.exception("could not open the confirmation modal")
            await respond(
                **render.refusal("Slack did not let me open the confirmation dialog; try again."),
                replace_original=False,
            )

    async def on_cancel(self, ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond) -> None:
        confirmer = self.deps.core.confirmer
        await ack()
        user = body["user"]["id"]
        claims = confirmer.signer.verify(str(_loads(body["actions"][0].get("value")).get("t", "")))
        if claims is None or claims.actor != caller_of(user).actor:
            await respond(**render.refusal("Only the person who asked can cancel this."), replace_original=False)
            return
        result = confirmer.decline(claims, caller=caller_of(user), reason="cancelled in Slack")
        await respond(**render.change_result(result), replace_original=True)

    async def on_submit(
        self, ack: AsyncAck, body: dict[str, Any], view: dict[str, Any], client: AsyncWebClient
    ) -> None:
        confirmer = self.deps.core.confirmer
        user = body["user"]["id"]
        meta = _loads(view.get("private_metadata"))
        token = str(meta.get("t", ""))
        claims = confirmer.signer.verify(token)
        typed = (view["state"]["values"].get(render.NAME_BLOCK, {}).get(render.NAME_ACTION, {}) or {}).get("value")
        if claims is not None and not claims.name_matches(typed):
            await ack(
                response_action="errors", errors={render.NAME_BLOCK: f"Type exactly {claims.confirm_name} to confirm"}
            )
            return
        await ack()
        caller = await self.deps.asker(user, client)  # after the ack: it may ask Slack for the e-mail
        url = meta.get("u")
        op = CATALOGUE.get(claims.operation) if claims is not None else None
        if claims is None or op is None:
            operation, ref = _asked(meta)
            confirmer.refused_token(operation, caller, ref)
            await _post(url, render.refusal("That confirmation is not valid; nothing changed."), replace=False)
            return
        try:
            inp = op.input.model_validate(meta.get("a") or {})
            result = await confirmer.execute(claims, op, inp, caller=caller, typed_name=typed, require_typed_name=True)
        except ConfirmationError as err:
            if err.reason == "used":  # a double submit or a replay: the first one already answered
                return
            await _post(url, render.error(err), replace=True)
            return
        except RegistryError as err:
            await _post(url, render.error(err), replace=True)
            return
        except Exception:
            logger.exception("confirmed %s failed", claims.operation)
            await _post(url, render.refusal("Something went wrong on our side; check the audit log."), replace=True)
            return
        if result.status == "pending_approval":
            await _post(url, render.change_result(result), replace=True)
            await self._post_request(client)
            return
        follow = followup(self.deps.core, op, result, user)
        await _post(url, render.following(result, None, "") if follow else render.change_result(result), replace=True)
        where = self._where(meta, client)
        if result.executed:
            note = render.public_note(user, claims)
            await where.announce(note)
            await self.deps.post_audit(client, note)
        if follow is not None:
            await follow(where)

    async def _post_request(self, client: AsyncWebClient) -> None:
        """Post the new approval request now (any replica's courier would, within a second)."""
        approvals = self.deps.core.confirmer.approvals
        if approvals.channel:
            try:
                await Courier(self.deps, client, approvals.channel).drain()
            except Exception:
                logger.exception("could not post the approval request; the courier will")

    @staticmethod
    def _where(meta: dict[str, Any], client: AsyncWebClient) -> Where:
        """The outcome is the requester's (ephemeral, through the response_url); what is said to everyone
        goes to the thread the request came from, or to the channel."""
        url, channel, thread = meta.get("u"), meta.get("c"), meta.get("th")

        async def update(message: render.Message) -> None:
            await _post(url, message, replace=True)

        async def announce(text: str) -> None:
            if channel and thread:
                try:
                    await client.chat_postMessage(channel=channel, thread_ts=thread, text=text)
                    return
                except Exception:
                    logger.warning("could not post in the thread; saying it in the channel", exc_info=True)
            await _post(url, {"text": text, "response_type": "in_channel"}, replace=False)

        again = "@registry-ops get {}" if thread else "/registry get {}"
        # The preview, the outcome and the public note took three uses: the final state and the
        # mention take the other two.
        return Where(update, announce, again.format, between=0)

    async def on_closed(self, ack: AsyncAck, body: dict[str, Any], view: dict[str, Any]) -> None:
        confirmer = self.deps.core.confirmer
        await ack()
        meta = _loads(view.get("private_metadata"))
        claims = confirmer.signer.verify(str(meta.get("t", "")))
        user = body["user"]["id"]
        if claims is None or claims.actor != caller_of(user).actor:
            return
        result = confirmer.decline(claims, caller=caller_of(user), reason="the dialog was closed")
        await _post(meta.get("u"), render.change_result(result), replace=True)


def _asked(data: dict[str, Any]) -> tuple[str, str | None]:
    """What the person asked for, as the front knows it without trusting the token: the operation
    (when it is one of ours) and the registry its arguments name. For the audit of a refusal."""
    op = CATALOGUE.get(str(data.get("o") or ""))
    if op is None:
        return "confirm", None
    try:
        return op.name, op.target_refs(op.input.model_validate(data.get("a") or {}))[0] or None
    except ValueError:
        return op.name, None


def _loads(raw: Any) -> dict[str, Any]:
    """Hidden data from a button or a modal: a dict, or empty when it is not one (tampered)."""
    try:
        data = json.loads(raw or "{}")
    except (TypeError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


async def _tell(respond: AsyncRespond, err: Exception) -> None:
    reply = render.error(err) if isinstance(err, RegistryError) else render.refusal("That button is not valid.")
    await respond(**reply, replace_original=False)


async def _post(url: str | None, reply: dict[str, Any], *, replace: bool) -> None:
    """Answer through the command's response_url (view submissions have none of their own)."""
    if not url:
        logger.warning("no response_url to answer on")
        return
    try:
        await AsyncWebhookClient(url).send_dict({"response_type": "ephemeral", **reply, "replace_original": replace})
    except Exception as exc:
        undelivered(logger, "post to the response_url", exc)

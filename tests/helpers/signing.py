"""Requests signed as Slack signs them (v0 HMAC over the timestamp and body): the listener verifies
these exactly as it verifies Slack's."""

from __future__ import annotations

import time

from slack_sdk.signature import SignatureVerifier


def signed(body: str, secret: str, *, age: int = 0, signature: str | None = None) -> dict[str, str]:
    stamp = str(int(time.time()) - age)
    sig = (
        signature if signature is not None else SignatureVerifier(secret).generate_signature(timestamp=stamp, body=body)
    )
    return {
        "content-type": "application/x-www-form-urlencoded",
        "x-slack-request-timestamp": stamp,
        "x-slack-signature": sig or "",
    }


def signed_json(body: str, secret: str) -> dict[str, str]:
    return {**signed(body, secret), "content-type": "application/json"}

"""Confirmation tokens: HMAC-SHA256-signed claims that carry a plan across requests."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class Claims:
    """What a confirmation token carries (signed). ``target_*`` is the resource acted on (a token,
    a repository); for registry operations it is the registry itself."""

    operation: str
    registry_id: str
    registry_name: str
    fingerprint: str
    args: str
    actor: str
    expires_at: int
    nonce: str
    target_id: str = ""
    target_name: str = ""
    issued_at: int = 0

    @property
    def key(self) -> str:
        """What REGISTRY_PROTECTED and REGISTRY_APPROVAL_REQUIRED globs match: ``registry`` or
        ``registry/target`` (the same as the ``Target.protection_key`` it was planned from)."""
        if self.target_name in ("", self.registry_name):
            return self.registry_name
        return f"{self.registry_name}/{self.target_name}"

    @property
    def confirm_name(self) -> str:
        """What the person types to confirm."""
        return self.target_name or self.registry_name

    def name_matches(self, typed: str | None) -> bool:
        return (typed or "").strip() == self.confirm_name


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class TokenSigner:
    """``payload.signature``, both base64url; the payload is the claims as canonical JSON."""

    def __init__(self, key: bytes) -> None:
        self._key = key

    def __repr__(self) -> str:
        return "TokenSigner(key=**********)"

    def sign(self, claims: Claims) -> str:
        payload = json.dumps(asdict(claims), sort_keys=True, separators=(",", ":")).encode()
        return _b64(payload) + "." + _b64(self._digest(payload))

    def verify(self, token: str) -> Claims | None:
        """The claims when the signature is valid, else None (never raises on garbage)."""
        try:
            body, _, sig = token.strip().partition(".")
            payload = _unb64(body)
            if not hmac.compare_digest(_unb64(sig), self._digest(payload)):
                return None
            return Claims(**json.loads(payload))
        except (ValueError, TypeError, binascii.Error):
            return None

    def _digest(self, payload: bytes) -> bytes:
        return hmac.new(self._key, payload, hashlib.sha256).digest()

"""What a change to a token would do: field by field, and which changes can cut someone off
(disabling it, a shorter life, fewer scopes). The rules are pure functions of the token and the
request; the preparers read the target and hand the engine one ``Change``."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from functools import partial

from tools.client import RegistryClient
from tools.confirmation import Applied, Change, ConfirmResult, Pinned
from tools.confirmation.previews import FieldChange, Preview, Target, digest
from tools.models import Registry, ScopeSpec, Token, TokenPatch, TokenSpec
from tools.operations.token_inputs import (
    ReplaceTokenInput,
    TokenRefInput,
    UpdateTokenInput,
    parse_expiry,
    scope_specs,
)
from tools.resolve import resolve, resolve_token
from tools.views import TokenDetail, day

STATUS, EXPIRY, SCOPES = "status", "expiry", "scopes"


def token_target(registry: Registry, token: Token) -> Target:
    props = token.properties
    state = [
        token.id,
        props.name,
        props.status,
        str(props.expiry_date),
        [s.text() for s in props.scopes or []],
        str(token.metadata.last_modified_date),
    ]
    return Target("token", registry.id, registry.name, token.id, token.name, digest(state), registry.name)


def pairs(scopes: list[str]) -> set[tuple[str, str]]:
    return {(name, action) for s in scopes for name, _, actions in [s.partition(":")] for action in actions.split(",")}


def token_diff(
    token: Token,
    status: str | None,
    expiry: datetime | None,
    expiry_given: bool,
    scopes: list[ScopeSpec] | None,
    now: datetime,
) -> tuple[list[FieldChange], list[str]]:
    """Field changes (current -> new) and why they can cut someone off."""
    props, changes, risks = token.properties, [], []
    current_status = props.status or "enabled"
    if status is not None and status != current_status:
        changes.append(FieldChange(field=STATUS, current=current_status, new=status))
        if status == "disabled":
            risks.append(f"disables {token.name}: every client using it is cut off at once")
    old = props.expiry_date
    if expiry_given and expiry != old:
        changes.append(FieldChange(field=EXPIRY, current=day(old), new=day(expiry)))
        if expiry is not None and (old is None or expiry < old):
            risks.append(
                f"expires {token.name} {'at once' if expiry <= now else 'on ' + day(expiry)}: "
                "clients using it stop working then"
            )
    if scopes is not None:
        current = [s.text() for s in props.scopes or []]
        wanted = [s.text() for s in scopes]
        if sorted(current) != sorted(wanted):
            changes.append(FieldChange(field=SCOPES, current=" ".join(current) or "none", new=" ".join(wanted)))
            removed = sorted(pairs(current) - pairs(wanted))
            if removed:
                risks.append("removes access: " + ", ".join(f"{n}:{a}" for n, a in removed))
    return changes, risks


def token_facts(token: Token) -> list[str]:
    props = token.properties
    scopes = " ".join(s.text() for s in props.scopes or []) or "none"
    return [
        f"status {props.status or 'enabled'}, expires {day(props.expiry_date)}, scopes {scopes}",
        f"created by {token.metadata.created_by or '?'}",
    ]


# ---------------------------------------------------------------- changes a person may have to confirm


async def load(client: RegistryClient, inp: TokenRefInput, pinned: Pinned | None) -> tuple[Registry, Token]:
    if pinned is not None:
        registry = await client.registries.get(pinned.registry_id)
        return registry, await client.tokens.get(registry.id, pinned.target_id)
    registry = await resolve(client, inp.registry)
    return registry, await resolve_token(client, registry, inp.token)


def token_change(
    registry: Registry,
    token: Token,
    diff: tuple[list[FieldChange], list[str]],
    send: Callable[[], Awaitable[Token]],
    *,
    replace: bool,
    now: datetime,
) -> Change:
    """An update (PATCH) or a replacement (PUT) of a token, for the engine: the preview, and one call
    to ``send``. A replacement resets what is not given, so it is always a risk."""
    changes, risks = diff
    detail = TokenDetail.of_registry(registry.name, token, now)
    if replace:
        title = f"REPLACE token {token.name} of {registry.name}: full replacement (PUT)"
        unchanged = f"Nothing would change in token {token.name}; nothing was sent."
        risks = ["a full replacement (PUT): what is not given is reset", *risks]
    else:
        title = f"UPDATE token {token.name} of {registry.name} ({token.id})"
        unchanged = f"Nothing to change: token {token.name} already is as asked; nothing was sent."
    done = None if changes else ConfirmResult[TokenDetail](status="unchanged", message=unchanged, result=detail)

    async def apply() -> Applied:
        sent = await send()
        shown = TokenDetail.of_registry(registry.name, sent, now)
        return Applied(f"{'Replaced' if replace else 'Updated'} token {sent.name} of {registry.name}.", shown)

    preview = Preview(title=title, facts=token_facts(token), changes=changes, warnings=[])
    return Change(token_target(registry, token), preview, apply, risks, changes, done, current=detail)


async def prepare_update_token(
    client: RegistryClient, inp: UpdateTokenInput, pinned: Pinned | None, now: datetime
) -> Change:
    registry, token = await load(client, inp, pinned)
    expiry = parse_expiry(inp.expiry, now) if inp.expiry is not None else None
    scopes = scope_specs(inp.scopes) if inp.scopes is not None else None
    changes, risks = token_diff(token, inp.status, expiry, inp.expiry is not None, scopes, now)
    fields = {c.field for c in changes}
    body = {
        key: value
        for key, field, value in (
            ("status", STATUS, inp.status),
            ("expiry_date", EXPIRY, expiry),
            ("scopes", SCOPES, scopes),
        )
        if field in fields
    }
    send = partial(client.tokens.update, registry.id, token.id, TokenPatch.model_validate(body))
    return token_change(registry, token, (changes, risks), send, replace=False, now=now)


async def prepare_replace_token(
    client: RegistryClient, inp: ReplaceTokenInput, pinned: Pinned | None, now: datetime
) -> Change:
    registry, token = await load(client, inp, pinned)
    expiry = parse_expiry(inp.expiry, now) if inp.expiry is not None else None
    scopes = scope_specs(inp.scopes)
    changes, risks = token_diff(token, inp.status, expiry, True, scopes, now)
    if token.properties.expiry_date is not None and expiry is None:
        for change in changes:
            if change.field == EXPIRY:
                change.note = "reset: it never expires"
    spec = TokenSpec(name=token.name, scopes=scopes, expiry_date=expiry, status=inp.status)
    send = partial(client.tokens.replace, registry.id, token.id, spec)
    return token_change(registry, token, (changes, risks), send, replace=True, now=now)


async def prepare_delete_token(
    client: RegistryClient, inp: TokenRefInput, pinned: Pinned | None, now: datetime
) -> Change:
    registry, token = await load(client, inp, pinned)
    username = token.properties.credentials.username if token.properties.credentials else None
    preview = Preview(
        title=f"DELETE token {token.name} of {registry.name} ({token.id})",
        facts=token_facts(token),
        changes=[],
        warnings=[
            f"Every client logging in as {username or token.name} loses access to {registry.name} at once.",
            "This cannot be undone: a new token gets a new password.",
        ],
    )

    async def apply() -> Applied:
        await client.tokens.delete(registry.id, token.id)
        return Applied(f"Deleted token {token.name} of {registry.name}; it no longer works.")

    detail = TokenDetail.of_registry(registry.name, token, now)
    return Change(token_target(registry, token), preview, apply, list(preview.warnings), [], current=detail)

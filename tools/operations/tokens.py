"""Token operations: list, show, create (the password is a secret shown once), and the changes that can
cut someone off (disable, shorter expiry, fewer scopes), replace and delete, confirmed."""

from __future__ import annotations

from dataclasses import replace

from tools.audit import Outcome, audited
from tools.errors import RegistryError
from tools.models import TokenSpec
from tools.operations.catalogue import AnyOperation, Flag, Kind, Operation, Resource, Services, SlackForm
from tools.operations.token_changes import (
    EXPIRY,
    SCOPES,
    prepare_delete_token,
    prepare_replace_token,
    prepare_update_token,
)
from tools.operations.token_inputs import (
    CreateTokenInput,
    ListTokensInput,
    ReplaceTokenInput,
    TokenRefInput,
    UpdateTokenInput,
    parse_expiry,
    scope_specs,
    token_refs,
)
from tools.people import Caller
from tools.resolve import resolve, resolve_token
from tools.views import TokenCreated, TokenDetail, TokenList, TokenSummary

RESOURCE = Resource(name="tokens", toolset="tokens")


async def list_tokens(core: Services, inp: ListTokensInput, caller: Caller) -> TokenList:
    """Every token is read (a registry has tens, not thousands), so the expired and expiring counts
    are of all of them, with "soon" the watch's window; then one page is shown."""
    registry, now, days = await resolve(core.client, inp.registry), core.now(), core.watch.token_days
    every = [TokenSummary.of(t, now, days) async for t in core.client.tokens.iter(registry.id)]
    offset = int(inp.cursor or 0)
    end = offset + inp.limit
    return TokenList(
        registry=registry.name,
        tokens=every[offset:end],
        total=len(every),
        expired=sum(t.expiry == "expired" for t in every),
        expiring_soon=sum(t.expiry == "expiring soon" for t in every),
        soon_days=days,
        offset=offset,
        next_cursor=str(end) if end < len(every) else None,
        checked_at=now,
    )


async def get_token(core: Services, inp: TokenRefInput, caller: Caller) -> TokenDetail:
    registry = await resolve(core.client, inp.registry)
    token = await resolve_token(core.client, registry, inp.token)
    return TokenDetail.of_registry(registry.name, token, core.now(), core.watch.token_days)


async def create_token(core: Services, inp: CreateTokenInput, caller: Caller) -> TokenCreated:
    """Additive, so it runs at once. The answer holds the password as a secret for the front to hand over."""
    try:
        registry = await resolve(core.client, inp.registry)
    except RegistryError as exc:
        core.audit.record(
            caller,
            "create_token",
            Outcome.FAILED,
            registry_name=inp.registry,
            resource=f"token:{inp.name}",
            detail=str(exc),
        )
        raise
    now = core.now()
    spec = TokenSpec(
        name=inp.name, scopes=scope_specs(inp.scopes), expiry_date=parse_expiry(inp.expiry, now) if inp.expiry else None
    )
    with audited(
        core.audit,
        "create_token",
        caller,
        registry_id=registry.id,
        registry_name=registry.name,
        resource=f"token:{inp.name}",
        fields=[SCOPES, EXPIRY],
    ):
        token = await core.client.tokens.create(registry.id, spec)
    detail = TokenDetail.of_registry(registry.name, token, now)
    return TokenCreated(
        message=f"Created token {token.name} in {registry.name}; log in with username {detail.username or token.name}.",
        token=detail,
        password=token.password,
    )


# ---------------------------------------------------------------- declarations

REF = ("registry", "token")
METAVARS = ("REGISTRY", "TOKEN")
SCOPE = Flag(
    field="scopes",
    flag="--scope",
    kind="items",
    metavar="REPO-GLOB:ACTIONS",
    help="e.g. team/*:pull,push (repeat for more)",
)
EXPIRES = Flag(
    field="expiry", flag="--expiry", kind="value", metavar="90d", help="12h, 90d, 2w, 1y, a date (2027-01-31) or never"
)

OPERATIONS: tuple[AnyOperation, ...] = (
    Operation(
        name="list_tokens",
        resource=RESOURCE,
        kind=Kind.READ,
        input=ListTokensInput,
        output=TokenList,
        summary="List a registry's tokens: status, expiry (expired, expiring soon), scopes.",
        method="GET",
        slack=SlackForm(
            words=("tokens", "list"),
            positional=("registry",),
            metavars=("REGISTRY",),
            flags=(
                Flag(
                    field="limit", flag="--limit", kind="int", metavar="N", help="tokens per page, 1-100 (default 20)"
                ),
            ),
            aliases=("tokens",),
            help="who can push and pull, and which tokens expire",
        ),
        title="List tokens",
        run=list_tokens,
        refs=(),
    ),
    Operation(
        name="get_token",
        resource=RESOURCE,
        kind=Kind.READ,
        input=TokenRefInput,
        output=TokenDetail,
        summary="Show one token by name or UUID (never its password).",
        method="GET",
        slack=SlackForm(
            words=("tokens", "get"), positional=REF, metavars=METAVARS, aliases=("token",), help="one token"
        ),
        title="Show a token",
        run=get_token,
        refs=(),
    ),
    Operation(
        name="create_token",
        resource=RESOURCE,
        kind=Kind.WRITE,
        input=CreateTokenInput,
        output=TokenCreated,
        summary="Create a token (scopes team/*:pull,push, expiry 90d). Its password goes to the person, not to you.",
        method="POST",
        slack=SlackForm(
            words=("tokens", "create"),
            positional=("registry", "name"),
            metavars=("REGISTRY", "NAME"),
            flags=(replace(SCOPE, required=True), EXPIRES),
            aliases=("tokens new",),
            help="a new token; its password is shown only to you, once",
        ),
        title="Create a token",
        run=create_token,
        refs=(),
    ),
    Operation(
        name="update_token",
        resource=RESOURCE,
        kind=Kind.WRITE,
        input=UpdateTokenInput,
        output=TokenDetail,
        summary="Change a token's status, expiry or scopes; cutting access needs confirmation.",
        method="PATCH",
        slack=SlackForm(
            words=("tokens", "update"),
            positional=REF,
            metavars=METAVARS,
            flags=(
                Flag(
                    field="status", flag="--status", kind="value", metavar="enabled|disabled", help="turn it on or off"
                ),
                EXPIRES,
                replace(SCOPE, help="the whole new scope list, e.g. team/*:pull (repeat for more)"),
            ),
            help="change a token's status, expiry or scopes; cutting access asks you to confirm",
        ),
        title="Update a token",
        prepare=prepare_update_token,
        refs=REF,
        target_refs=token_refs,
        more_slack=(
            SlackForm(
                words=("tokens", "disable"),
                positional=REF,
                metavars=METAVARS,
                help="turn a token off (asks you to confirm)",
                presets=(("status", "disabled"),),
            ),
            SlackForm(
                words=("tokens", "enable"),
                positional=REF,
                metavars=METAVARS,
                help="turn a token back on",
                presets=(("status", "enabled"),),
            ),
        ),
    ),
    Operation(
        name="replace_token",
        resource=RESOURCE,
        kind=Kind.CONFIRMED,
        input=ReplaceTokenInput,
        output=TokenDetail,
        summary="Replace a token's settings (PUT): scopes, expiry (left out: never expires) and status.",
        method="PUT",
        slack=SlackForm(
            words=("tokens", "replace"),
            positional=REF,
            metavars=METAVARS,
            flags=(replace(SCOPE, required=True), EXPIRES),
            help="replace a token's scopes and expiry (what you leave out is reset)",
        ),
        title="Replace a token",
        prepare=prepare_replace_token,
        refs=REF,
        target_refs=token_refs,
    ),
    Operation(
        name="delete_token",
        resource=RESOURCE,
        kind=Kind.CONFIRMED,
        input=TokenRefInput,
        output=TokenDetail,
        summary="Delete (revoke) a token: every client using it loses access at once.",
        method="DELETE",
        slack=SlackForm(
            words=("tokens", "delete"),
            positional=REF,
            metavars=METAVARS,
            aliases=("tokens revoke", "tokens rm"),
            help="revoke a token (asks you to confirm)",
        ),
        title="Delete a token",
        prepare=prepare_delete_token,
        refs=REF,
        target_refs=token_refs,
    ),
)

"""Finding what a person means: a registry by name (any case), hostname or UUID; a repository or an
image inside it by the reference they paste; a token by name or UUID."""

from __future__ import annotations

import difflib

from tools.client import RegistryClient
from tools.errors import InvalidInputError, NotFoundError, given_text
from tools.models import (
    DIGEST_LENGTH,
    Artifact,
    Registry,
    Repository,
    Token,
    check_registry_name,
    is_registry_id,
)
from tools.references import ImageRef, RepositoryRef, without_scheme

HOST_SUFFIX = ".ionos.com"


def registry_name_of(ref: str) -> tuple[str, str | None]:
    """``(name, hostname)`` for what a person typed: ``Prod-Images`` → ``prod-images``;
    ``prod-images.cr.de-fra.ionos.com`` (or its ``https://`` URL) → ``prod-images`` and that hostname."""
    text = ref.strip().lower()
    if without_scheme(text) != text:  # a pasted URL: its host is the registry
        text = without_scheme(text).partition("/")[0]
    text = text.rstrip(".")
    if "." not in text:
        return text, None
    name, _, rest = text.partition(".")
    if not (rest.startswith("cr.") and rest.endswith(HOST_SUFFIX)):
        raise InvalidInputError.for_field(
            "registry", f"{ref!r} is not a registry hostname (expected NAME.cr.REGION.ionos.com)"
        )
    return name, text


async def resolve(client: RegistryClient, ref: str) -> Registry:
    """The registry ``ref`` names; NotFoundError suggests close names."""
    ref = ref.strip()
    if is_registry_id(ref):
        return await client.registries.get(ref)
    name, hostname = registry_name_of(ref)
    try:
        check_registry_name(name)
    except ValueError:
        raise InvalidInputError.for_field(
            "registry", f"must be a registry name, hostname or UUID (given {given_text(ref)})"
        ) from None
    found = await client.registries.find(name)
    if found is not None:
        host = (found.properties.hostname or "").lower()
        if hostname is None or not host or host == hostname:
            return found
        raise NotFoundError(f"no registry has the hostname {hostname}", status=404, hint=f"{found.name} is {host}.")
    close = await closest_names(client, name)
    hint = f"Did you mean {', '.join(close)}?" if close else "List registries to see what exists."
    raise NotFoundError(f"no registry is named {name!r}", status=404, hint=hint)


async def closest_names(client: RegistryClient, name: str, limit: int = 3) -> list[str]:
    names = [r.name async for r in client.registries.iter(page_size=1000)]
    return difflib.get_close_matches(name, names, n=limit, cutoff=0.6)


async def resolve_repository(client: RegistryClient, ref: RepositoryRef) -> tuple[Registry, Repository]:
    registry = await resolve(client, ref.registry)
    try:
        return registry, await client.repositories.get(registry.id, ref.repository)
    except NotFoundError:
        names = [r.name async for r in client.repositories.iter(registry.id)]
        close = difflib.get_close_matches(ref.repository, names, n=3, cutoff=0.5)
        hint = (
            f"Did you mean {', '.join(f'{registry.name}/{n}' for n in close)}?"
            if close
            else (f"{registry.name} has: {', '.join(names[:10]) or 'no repositories'}.")
        )
        raise NotFoundError(f"{registry.name} has no repository {ref.repository!r}", status=404, hint=hint) from None


async def resolve_image(client: RegistryClient, ref: ImageRef) -> tuple[Registry, Artifact]:
    """The artifact an image reference names; a tag is resolved to its digest."""
    registry, repository = await resolve_repository(client, ref)
    if ref.digest and len(ref.digest) == DIGEST_LENGTH:
        return registry, await client.artifacts.get(registry.id, repository.name, ref.digest)
    if ref.digest:
        return registry, await by_digest_prefix(client, registry, repository, ref.digest)
    tags: list[str] = []
    async for artifact in client.artifacts.iter(registry.id, repository.name):
        if ref.tag in artifact.tags:
            return registry, artifact
        tags += artifact.tags
    close = difflib.get_close_matches(ref.tag or "", tags, n=3, cutoff=0.5)
    hint = f"Did you mean {', '.join(close)}?" if close else f"Tags there: {', '.join(tags[:15]) or 'none'}."
    raise NotFoundError(f"{registry.name}/{repository.name} has no image tagged {ref.tag!r}", status=404, hint=hint)


async def by_digest_prefix(client: RegistryClient, registry: Registry, repository: Repository, prefix: str) -> Artifact:
    """The one image whose digest starts with ``prefix`` (the short form the fronts print)."""
    found = [a async for a in client.artifacts.iter(registry.id, repository.name) if a.digest.startswith(prefix)]
    if len(found) == 1:
        return found[0]
    where = f"{registry.name}/{repository.name}"
    if not found:
        raise NotFoundError(f"{where} has no image whose digest starts {prefix}", status=404)
    shown = ", ".join(a.digest[:19] for a in found[:5])
    raise InvalidInputError.for_field("image", f"{prefix} matches {len(found)} images in {where} ({shown}): give more")


async def resolve_token(client: RegistryClient, registry: Registry, ref: str) -> Token:
    """A token of ``registry`` by UUID or by name (names are compared exactly, then case-insensitively)."""
    ref = ref.strip()
    if is_registry_id(ref):
        return await client.tokens.get(registry.id, ref)
    tokens = [t async for t in client.tokens.iter(registry.id)]
    found = [t for t in tokens if t.name == ref] or [t for t in tokens if t.name.lower() == ref.lower()]
    if len(found) == 1:
        return found[0]
    if found:
        ids = ", ".join(t.id for t in found)
        raise InvalidInputError.for_field("token", f"{len(found)} tokens are named {ref!r}; give its id ({ids})")
    close = difflib.get_close_matches(ref, [t.name for t in tokens], n=3, cutoff=0.5)
    hint = (
        f"Did you mean {', '.join(close)}?"
        if close
        else f"{registry.name} has: {', '.join(t.name for t in tokens) or 'no tokens'}."
    )
    raise NotFoundError(f"{registry.name} has no token named {ref!r}", status=404, hint=hint)


def prefix_first(names: list[str], typed: str) -> list[str]:
    """Names holding what was typed, those that start with it first, each group in order (type-ahead)."""
    low = typed.lower()
    held = sorted(n for n in names if low in n.lower())
    return [n for n in held if n.lower().startswith(low)] + [n for n in held if not n.lower().startswith(low)]

"""Finding the registry a person means: a name (any case), a hostname, or a UUID."""

from __future__ import annotations

import difflib

from tools.client import RegistryClient
from tools.errors import InvalidInputError, NotFoundError
from tools.models import Registry, check_registry_name, is_registry_id

HOST_SUFFIX = ".ionos.com"


def registry_name_of(ref: str) -> tuple[str, str | None]:
    """``(name, hostname)`` for what a person typed: ``Prod-Images`` → ``prod-images``;
    ``prod-images.cr.de-fra.ionos.com`` → ``prod-images`` and that hostname."""
    text = ref.strip().lower().rstrip(".")
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
        return await client.get_registry(ref)
    name, hostname = registry_name_of(ref)
    try:
        check_registry_name(name)
    except ValueError:
        raise InvalidInputError.for_field("registry", "must be a registry name, hostname or UUID") from None
    found = await client.find_registry(name)
    if found is not None:
        host = (found.properties.hostname or "").lower()
        if hostname is None or not host or host == hostname:
            return found
        raise NotFoundError(f"no registry has the hostname {hostname}", status=404, hint=f"{found.name} is {host}.")
    close = await closest_names(client, name)
    hint = f"Did you mean {', '.join(close)}?" if close else "List registries to see what exists."
    raise NotFoundError(f"no registry is named {name!r}", status=404, hint=hint)


async def closest_names(client: RegistryClient, name: str, limit: int = 3) -> list[str]:
    names = [r.name async for r in client.iter_registries(page_size=1000)]
    return difflib.get_close_matches(name, names, n=limit, cutoff=0.6)

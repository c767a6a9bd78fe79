"""Image and repository references as people paste them, parsed without any request.

``prod-images.cr.de-fra.ionos.com/team/app:1.4.2``, ``…/team/app@sha256:…``, ``prod-images/team/app:1.4.2``
and ``<registry UUID>/team/app`` all name a registry, a repository and (for images) a tag or a
digest. A scheme (``https://``) is ignored; an image with neither tag nor digest means ``latest``.
"""

from __future__ import annotations

from dataclasses import dataclass

from tools.errors import InvalidInputError
from tools.models import check_digest_prefix, check_repository_name, check_tag

DEFAULT_TAG = "latest"


@dataclass(frozen=True)
class RepositoryRef:
    registry: str  # a name, hostname or UUID, as given (resolved later)
    repository: str

    def text(self) -> str:
        return f"{self.registry}/{self.repository}"


@dataclass(frozen=True)
class ImageRef(RepositoryRef):
    tag: str | None = None
    digest: str | None = None

    def text(self) -> str:
        suffix = f"@{self.digest}" if self.digest else f":{self.tag or DEFAULT_TAG}"
        return f"{self.registry}/{self.repository}{suffix}"


SCHEMES = ("https://", "http://", "docker://", "oci://")


def without_scheme(text: str) -> str:
    """What a person pasted, without the ``https://`` (or ``docker://``, ``oci://``) in front."""
    cleaned = text.strip()
    for scheme in SCHEMES:
        if cleaned.lower().startswith(scheme):
            return cleaned[len(scheme) :]
    return cleaned


def _split(text: str, field: str) -> tuple[str, str]:
    cleaned = without_scheme(text)
    registry, slash, rest = cleaned.partition("/")
    if not slash or not registry or not rest:
        raise InvalidInputError.for_field(
            field, f"{text.strip()!r} must be REGISTRY/REPOSITORY (e.g. prod-images/team/app, or the hostname form)"
        )
    return registry, rest


def _repository(value: str, field: str) -> str:
    try:
        return check_repository_name(value)
    except ValueError as exc:
        raise InvalidInputError.for_field(field, f"repository {value!r} {exc}") from None


def parse_repository(text: str, field: str = "repository") -> RepositoryRef:
    registry, rest = _split(text, field)
    return RepositoryRef(registry, _repository(rest.rstrip("/"), field))


def parse_image(text: str, field: str = "image") -> ImageRef:
    registry, rest = _split(text, field)
    rest, at, digest = rest.partition("@")
    name, tag = rest, None
    last = rest.rsplit("/", 1)[-1]
    if ":" in last:
        name, _, tag = rest.rpartition(":")
    try:
        if at:
            check_digest_prefix(digest)
        if tag is not None:
            check_tag(tag)
    except ValueError as exc:
        raise InvalidInputError.for_field(field, f"{text.strip()!r}: {exc}") from None
    return ImageRef(registry, _repository(name, field), None if at else (tag or DEFAULT_TAG), digest or None)

"""Inputs of the repository, image and vulnerability operations. Images are named by the reference
people paste (``prod-images/team/app:1.4.2``, the hostname form, or ``…@sha256:…``)."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import AfterValidator, Field

from tools.errors import InvalidInputError
from tools.models import InputModel, SeverityInput, VulnerabilityId
from tools.operations.registry_inputs import DEFAULT_LIMIT, Limit, RegistryRef
from tools.references import ImageRef, RepositoryRef, parse_image, parse_repository


def _parsed(parse: Any) -> Any:
    def check(value: str) -> str:
        try:
            parse(value)
        except InvalidInputError as err:
            raise ValueError(err.fields[0].problem if err.fields else str(err)) from None
        return value.strip()

    return AfterValidator(check)


def offset_of(cursor: str | None) -> int:
    return int(cursor) if cursor else 0


def _cursor(value: str) -> str:
    if not value.isdigit():
        raise ValueError("must be the next_cursor of the previous page")
    return value


RepositoryArg = Annotated[
    str, _parsed(parse_repository), Field(max_length=512, description="REGISTRY/REPOSITORY, e.g. prod-images/team/app")
]
ImageArg = Annotated[
    str, _parsed(parse_image), Field(max_length=600, description="Image, e.g. prod-images/team/app:1.4.2 or …@sha256:…")
]
OffsetCursor = Annotated[
    Annotated[str, AfterValidator(_cursor), Field(max_length=12)] | None, Field(description="next_cursor")
]
Severity = Annotated[SeverityInput | None, Field(description="critical, high, medium, low")]


class ListRepositoriesInput(InputModel):
    registry: RegistryRef
    name_filter: Annotated[str | None, Field(max_length=256, description="Part of the name")] = None
    severity: Annotated[
        SeverityInput | None, Field(description="Only repositories whose worst image is at least this severe")
    ] = None
    limit: Limit = DEFAULT_LIMIT
    cursor: OffsetCursor = None


class RepositoryInput(InputModel):
    repository: RepositoryArg

    def ref(self) -> RepositoryRef:
        return parse_repository(self.repository)


class ListImagesInput(RepositoryInput):
    limit: Limit = DEFAULT_LIMIT
    cursor: OffsetCursor = None


class ImageInput(InputModel):
    image: ImageArg

    def ref(self) -> ImageRef:
        return parse_image(self.image)


class ListVulnerabilitiesInput(ImageInput):
    severity: Annotated[SeverityInput | None, Field(description="At least this severity")] = None
    fixable: Annotated[bool | None, Field(description="Only fixable (true) or unfixable (false)")] = None
    limit: Limit = DEFAULT_LIMIT
    cursor: OffsetCursor = None


class VulnerabilityInput(InputModel):
    vulnerability_id: VulnerabilityId


class SweepInput(InputModel):
    vulnerability_id: VulnerabilityId
    registries: Annotated[list[RegistryRef] | None, Field(max_length=200, description="Only these (default: all)")] = (
        None
    )
    max_images: Annotated[int, Field(ge=1, le=1000, description="Images listed per page (all are counted)")] = 100
    cursor: OffsetCursor = None


def repository_refs(inp: Any) -> tuple[str, str | None]:
    ref = parse_repository(inp.repository)
    return ref.registry, ref.repository

"""Image and repository references as people paste them: property-tested parsing, then resolution."""

from __future__ import annotations

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.conftest import Stack
from tools.errors import InvalidInputError, NotFoundError
from tools.references import ImageRef, parse_image, parse_repository
from tools.resolve import resolve, resolve_image, resolve_repository

COMPONENT = st.from_regex(r"[a-z0-9]{1,8}([._-][a-z0-9]{1,5}){0,2}", fullmatch=True)
REPOSITORY = st.lists(COMPONENT, min_size=1, max_size=4).map("/".join)
REGISTRY_NAME = st.from_regex(r"[a-z][a-z0-9-]{1,20}[a-z0-9]", fullmatch=True)
HOST = st.builds(
    lambda n, loc: f"{n}.cr.{loc}.ionos.com", REGISTRY_NAME, st.sampled_from(["de-fra", "de-txl", "es-vit"])
)
UUID = st.uuids().map(str)
REGISTRY = st.one_of(REGISTRY_NAME, HOST, UUID)
TAG = st.from_regex(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,20}", fullmatch=True)
DIGEST = st.from_regex(r"[0-9a-f]{64}", fullmatch=True).map(lambda h: "sha256:" + h)


@given(registry=REGISTRY, repository=REPOSITORY, tag=TAG)
def test_tagged_references_round_trip(registry: str, repository: str, tag: str) -> None:
    ref = parse_image(f"{registry}/{repository}:{tag}")
    assert ref == ImageRef(registry, repository, tag, None)
    assert parse_image(ref.text()) == ref


@given(registry=REGISTRY, repository=REPOSITORY, digest=DIGEST, tag=st.one_of(st.none(), TAG))
def test_digest_references_win_over_tags(registry: str, repository: str, digest: str, tag: str | None) -> None:
    pasted = f"{registry}/{repository}{':' + tag if tag else ''}@{digest}"
    ref = parse_image(pasted)
    assert (ref.registry, ref.repository, ref.digest, ref.tag) == (registry, repository, digest, None)


@given(registry=REGISTRY, repository=REPOSITORY, scheme=st.sampled_from(["", "https://", "docker://", "  "]))
def test_untagged_means_latest_and_schemes_are_ignored(registry: str, repository: str, scheme: str) -> None:
    ref = parse_image(f"{scheme}{registry}/{repository}")
    assert (ref.registry, ref.repository, ref.tag) == (registry, repository, "latest")
    assert parse_repository(f"{scheme}{registry}/{repository}").repository == repository


@given(text=st.text(max_size=120))
def test_anything_else_is_a_clear_error_never_a_crash(text: str) -> None:
    for parse, field in ((parse_image, "image"), (parse_repository, "repository")):
        problems: list[str] = []
        try:
            parse(text)
        except InvalidInputError as err:
            problems = [p.field for p in err.fields]
        assert problems in ([], [field])


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("app", "must be REGISTRY/REPOSITORY"),
        ("prod-images/Team/App:1", "repository 'Team/App'"),
        ("prod-images/team/app@sha256:xyz", "must be a digest"),
        ("prod-images/team/app:bad tag", "must be a tag"),
    ],
)
def test_malformed_references_name_the_problem(text: str, problem: str) -> None:
    with pytest.raises(InvalidInputError, match=problem):
        parse_image(text)


@pytest.mark.parametrize(
    "pasted",
    [
        "prod-images/team/app:1.4.2",
        "Prod-Images/team/app:1.4.2",
        "prod-images.cr.de-fra.ionos.com/team/app:1.4.2",
        "https://prod-images.cr.de-fra.ionos.com/team/app:1.4.2",
    ],
)
async def test_tags_resolve_to_digests(stack: Stack, pasted: str) -> None:
    registry, artifact = await resolve_image(stack.client, parse_image(pasted))
    assert registry.name == "prod-images"
    assert "1.4.2" in artifact.tags
    by_digest = await resolve_image(stack.client, parse_image(f"prod-images/team/app@{artifact.digest}"))
    assert by_digest[1].digest == artifact.digest


async def test_what_is_not_there_is_not_found_with_a_hint(stack: Stack) -> None:
    with pytest.raises(NotFoundError) as info:
        await resolve_image(stack.client, parse_image("prod-images/team/app:1.4.3"))
    assert "1.4.2" in info.value.hint
    with pytest.raises(NotFoundError) as info:
        await resolve_repository(stack.client, parse_repository("prod-images/team/ap"))
    assert "prod-images/team/app" in info.value.hint


async def raw_push(stack: Stack, **body: object) -> dict[str, object]:
    """The emulator's push hook over plain HTTP, as a ``docker push`` would leave an image."""
    transport = httpx.ASGITransport(app=stack.emulator)
    async with httpx.AsyncClient(transport=transport, base_url="http://emulator") as http:
        answer = await http.post("/_emulator/artifacts", json={"registry": "prod-images", **body})
        answer.raise_for_status()
        data: dict[str, object] = answer.json()
        return data


async def test_a_short_digest_as_the_fronts_print_it_resolves_within_its_repository(stack: Stack) -> None:
    pushed = await raw_push(stack, repository="team/app", tags=["short-digest"])
    digest = str(pushed["digest"])
    _, artifact = await resolve_image(stack.client, parse_image(f"prod-images/team/app@{digest[:19]}"))
    assert artifact.digest == digest
    assert "short-digest" in artifact.tags


async def test_an_ambiguous_short_digest_lists_the_candidates(stack: Stack) -> None:
    shared = "sha256:" + "ab12" * 3
    first = await raw_push(stack, repository="team/twins", tags=["one"], digest=shared + "0" * 52)
    second = await raw_push(stack, repository="team/twins", tags=["two"], digest=shared + "1" * 52)
    with pytest.raises(InvalidInputError) as info:
        await resolve_image(stack.client, parse_image(f"prod-images/team/twins@{shared}"))
    assert "matches 2 images" in str(info.value)
    assert str(first["digest"])[:19] in str(info.value)
    assert str(second["digest"])[:19] in str(info.value)
    with pytest.raises(InvalidInputError, match="first 12 or more"):
        parse_image("prod-images/team/twins@sha256:ab12ab")  # too short to be a reference


@pytest.mark.parametrize(
    "pasted",
    [
        "https://prod-images.cr.de-fra.ionos.com",
        "https://prod-images.cr.de-fra.ionos.com/",
        "http://PROD-IMAGES.cr.de-fra.ionos.com/v2/",
    ],
)
async def test_a_pasted_registry_url_names_the_registry(stack: Stack, pasted: str) -> None:
    assert (await resolve(stack.client, pasted)).name == "prod-images"

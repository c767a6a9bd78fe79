"""Repositories, images, vulnerabilities and the sweep through the catalogue, as both fronts run them."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import Stack
from tools.audit import Outcome
from tools.confirmation import Plan
from tools.confirmation.protection import Coverage
from tools.errors import ConfirmationError, InvalidInputError, NotFoundError
from tools.models import Severity
from tools.operations import CATALOGUE
from tools.operations.image_inputs import (
    ImageInput,
    ListImagesInput,
    ListRepositoriesInput,
    ListVulnerabilitiesInput,
    RepositoryInput,
    SweepInput,
    VulnerabilityInput,
)
from tools.people import Caller

ALICE = Caller("slack:U1", "test")


async def run(stack: Stack, name: str, inp: Any) -> Any:
    op = CATALOGUE[name]
    assert op.run is not None
    return await op.run(stack.core, inp, ALICE)


async def test_repositories_list_with_pulls_pushes_and_worst_severity(stack: Stack) -> None:
    out = await run(stack, "list_repositories", ListRepositoriesInput(registry="Prod-Images", limit=2))
    assert out.registry == "prod-images"
    assert len(out.repositories) == 2
    assert out.next_cursor == "2"
    rest = await run(stack, "list_repositories", ListRepositoriesInput(registry="prod-images", cursor=out.next_cursor))
    names = [r.name for r in out.repositories + rest.repositories]
    assert "team/app" in names
    assert rest.next_cursor is None
    line = out.repositories[0].line()
    for part in ("images", "pulls", "pushed", "pulled", "worst"):
        assert part in line


async def test_one_repository_and_its_images(stack: Stack) -> None:
    repo = await run(stack, "get_repository", RepositoryInput(repository="prod-images.cr.de-fra.ionos.com/team/app"))
    assert (repo.registry, repo.name) == ("prod-images", "team/app")
    images = await run(stack, "list_images", ListImagesInput(repository="prod-images/team/app"))
    assert any("1.4.2" in i.tags for i in images.images)
    assert "Images in prod-images/team/app" in images.lines()[0]


async def test_an_image_by_the_reference_people_paste(stack: Stack) -> None:
    image = await run(stack, "get_image", ImageInput(image="prod-images.cr.de-fra.ionos.com/team/app:1.4.2"))
    assert image.reference.startswith("prod-images.cr.de-fra.ionos.com/team/app@sha256:")
    assert image.worst_severity is Severity.CRITICAL
    assert (image.vulnerabilities or 0) >= 1


async def test_an_images_vulnerabilities_worst_first_with_fixes(stack: Stack) -> None:
    out = await run(stack, "list_vulnerabilities", ListVulnerabilitiesInput(image="prod-images/team/app:1.4.2"))
    ranks = [v.severity.rank for v in out.vulnerabilities]
    assert ranks == sorted(ranks)
    log4shell = next(v for v in out.vulnerabilities if v.id == "CVE-2021-44228")
    assert log4shell.fix == "2.17.1"
    assert "fix: 2.17.1" in log4shell.line()
    high = await run(
        stack, "list_vulnerabilities", ListVulnerabilitiesInput(image="prod-images/team/app:1.4.2", severity="HIGH")
    )
    assert all(v.severity.rank <= Severity.HIGH.rank for v in high.vulnerabilities)
    unfixable = await run(
        stack, "list_vulnerabilities", ListVulnerabilitiesInput(image="prod-images/team/app:1.4.2", fixable=False)
    )
    assert all(v.fixable is False for v in unfixable.vulnerabilities)
    assert sum(out.counts.values()) >= len(out.vulnerabilities)


async def test_one_advisory(stack: Stack) -> None:
    advisory = await run(stack, "get_vulnerability", VulnerabilityInput(vulnerability_id="cve-2021-44228"))
    assert advisory.id == "CVE-2021-44228"
    assert advisory.severity is Severity.CRITICAL
    assert advisory.package == "org.apache.logging.log4j:log4j-core"
    assert advisory.references


async def test_the_sweep_finds_every_image_with_a_cve_across_registries(stack: Stack) -> None:
    out = await run(stack, "find_vulnerable_images", SweepInput(vulnerability_id="CVE-2021-44228"))
    registries = {i.registry for i in out.images}
    assert len(registries) >= 2, "one CVE present in several registries"
    assert out.registries_searched == 12
    assert out.fix == "2.17.1"
    assert any("/team/app@sha256:" in i.reference and "1.4.2" in i.tags for i in out.images)
    # Each registry is followed to its last page: the images found are exactly what the emulator holds.
    expected = sum(
        1
        for content in stack.emulator.content.by_registry.values()
        for repo in content.repositories.values()
        for a in repo.artifacts.values()
        if "CVE-2021-44228" in a.vulnerabilities
        and stack.emulator.backend._by_id[
            next(k for k, v in stack.emulator.content.by_registry.items() if v is content)
        ].scanning
    )
    assert len(out.images) == expected
    narrowed = await run(
        stack, "find_vulnerable_images", SweepInput(vulnerability_id="CVE-2021-44228", registries=["prod-images"])
    )
    assert {i.registry for i in narrowed.images} <= {"prod-images"}
    assert narrowed.registries_searched == 1


async def test_the_sweep_is_bounded_and_reports_registries_it_could_not_search(stack: Stack) -> None:
    capped = await run(stack, "find_vulnerable_images", SweepInput(vulnerability_id="CVE-2021-44228", max_images=1))
    assert len(capped.images) == 1
    assert capped.next_cursor == "1"
    assert capped.found > 1, "every image is counted, not only the one listed"
    from tools.emulator.faults import Fault

    stack.emulator.hooks.faults.append(Fault(count=1000, status=500, method="GET"))
    with pytest.raises(Exception, match="500"):
        await run(stack, "find_vulnerable_images", SweepInput(vulnerability_id="CVE-2021-44228"))


async def test_bad_references_are_refused_before_any_request(stack: Stack) -> None:
    with pytest.raises(ValueError, match="must be REGISTRY/REPOSITORY"):
        ImageInput(image="CVE-2021-44228")
    with pytest.raises(NotFoundError, match=r"no image tagged .9\.9\.9."):
        await run(stack, "get_image", ImageInput(image="prod-images/team/app:9.9.9"))
    with pytest.raises(InvalidInputError):
        await run(stack, "list_repositories", ListRepositoriesInput(registry="Not A Registry"))


# ---------------------------------------------------------------- the confirmed repository delete

DELETE = CATALOGUE["delete_repository"]


async def test_deleting_a_repository_shows_its_blast_radius_then_runs_once(stack: Stack) -> None:
    inp = RepositoryInput(repository="ci-cache/team/app")
    plan = await stack.confirmer.start(DELETE, inp, ALICE)
    assert isinstance(plan, Plan)
    text = plan.preview.text()
    for fact in (
        "DELETE repository ci-cache/team/app",
        "images",
        "pulls in all",
        "last pulled",
        "worst critical (in ",
        "cannot be undone",
    ):
        assert fact in text
    assert plan.claims.confirm_name == "team/app"
    done = await stack.confirmer.execute(
        plan.claims, DELETE, inp, caller=ALICE, typed_name="team/app", require_typed_name=True
    )
    assert done.status == "executed"
    with pytest.raises(NotFoundError):
        await run(stack, "get_repository", inp)
    record = stack.records[-1]
    assert (record.operation, record.outcome, record.resource) == (
        "delete_repository",
        Outcome.EXECUTED,
        "repository:team/app",
    )


async def test_a_repository_delete_token_is_bound_to_that_repository(stack: Stack) -> None:
    plan = await stack.confirmer.start(DELETE, RepositoryInput(repository="ci-cache/team/app"), ALICE)
    assert isinstance(plan, Plan)
    with pytest.raises(ConfirmationError, match="is for team/app, not team/worker"):
        await stack.confirmer.execute(
            plan.claims, DELETE, RepositoryInput(repository="ci-cache/team/worker"), caller=ALICE
        )
    done = await stack.confirmer.execute(
        plan.claims, DELETE, RepositoryInput(repository="ci-cache.cr.es-vit.ionos.com/team/app"), caller=ALICE
    )
    assert done.status == "executed", "the same repository, named by hostname"


async def test_a_repository_changed_since_the_preview_is_refused(stack: Stack) -> None:
    plan = await stack.confirmer.start(DELETE, RepositoryInput(repository="ci-cache/team/app"), ALICE)
    assert isinstance(plan, Plan)
    registry = stack.registry_named("ci-cache")
    assert registry is not None
    stack.emulator.content.push(registry.id, "team/app", ["hotfix"], [], "someone@example.com")
    with pytest.raises(ConfirmationError, match="changed since the preview"):
        await stack.confirmer.execute(
            plan.claims, DELETE, RepositoryInput(repository="ci-cache/team/app"), caller=ALICE
        )


@pytest.mark.parametrize(
    ("pattern", "protected", "free"),
    [
        ("prod-*", "prod-images/team/app", "sandbox/team/app"),
        ("ci-cache/team/*", "ci-cache/team/worker", "sandbox/team/app"),
        ("*/team/app", "ci-cache/team/app", "ci-cache/team/worker"),
    ],
)
async def test_protection_patterns_can_name_a_repository(stack: Stack, pattern: str, protected: str, free: str) -> None:
    stack.confirmer.protected = Coverage((pattern,))
    with pytest.raises(ConfirmationError, match="protected"):
        await stack.confirmer.start(DELETE, RepositoryInput(repository=protected), ALICE)
    assert isinstance(await stack.confirmer.start(DELETE, RepositoryInput(repository=free), ALICE), Plan)
    assert [r.outcome for r in stack.records] == [Outcome.DENIED]

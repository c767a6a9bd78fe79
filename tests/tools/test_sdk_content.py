# mypy: disable-error-code="union-attr,arg-type,operator,index,misc"
# (the SDK types every response field Optional; a None here fails the test anyway)
"""The official SDK's Tokens, Repositories, Artifacts and Vulnerabilities APIs against the emulator."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import ionoscloud_container_registry as sdk
import pytest
from ionoscloud_container_registry.rest import ApiException

from tests.conftest import TOKEN
from tests.helpers.servers import LiveServer


@pytest.fixture
def api(live: LiveServer) -> sdk.ApiClient:
    return sdk.ApiClient(sdk.Configuration(host=live.url + "/containerregistries", token=TOKEN))


def registry_id(api: sdk.ApiClient, name: str = "prod-images") -> str:
    [found] = sdk.RegistriesApi(api).registries_get(filter_name=name).items
    return str(found.id)


def test_tokens_full_lifecycle(api: sdk.ApiClient) -> None:
    tokens, rid = sdk.TokensApi(api), registry_id(api)
    before = tokens.registries_tokens_get(rid, limit="100")
    assert before.total == len(before.items) >= 1
    expiry = (datetime.now(UTC) + timedelta(days=30)).replace(microsecond=0)
    scope = sdk.Scope(type="repository", name="team/*", actions=["pull", "push"])
    created = tokens.registries_tokens_post(
        rid,
        sdk.PostTokenInput(properties=sdk.PostTokenProperties(name="sdk-token", scopes=[scope], expiry_date=expiry)),
    )
    assert created.properties.credentials.password, "POST is the one answer with the password"
    fetched = tokens.registries_tokens_find_by_id(rid, created.id)
    assert fetched.properties.name == "sdk-token"
    assert fetched.properties.credentials.password is None, "never again"
    assert fetched.properties.expiry_date == expiry
    patched = tokens.registries_tokens_patch(rid, created.id, sdk.PatchTokenInput(status="disabled"))
    assert patched.properties.status == "disabled"
    replaced = tokens.registries_tokens_put(
        rid,
        created.id,
        sdk.PutTokenInput(properties=sdk.PostTokenProperties(name="sdk-token", scopes=[scope], status="enabled")),
    )
    assert replaced.properties.expiry_date is None, "PUT resets what it does not give"
    assert replaced.properties.credentials.password is None
    tokens.registries_tokens_delete(rid, created.id)
    with pytest.raises(ApiException) as info:
        tokens.registries_tokens_find_by_id(rid, created.id)
    assert info.value.status == 404


def test_token_paging_and_conflicts(api: sdk.ApiClient) -> None:
    tokens, rid = sdk.TokensApi(api), registry_id(api)
    scope = sdk.Scope(type="repository", name="*", actions=["pull"])
    for i in range(5):
        tokens.registries_tokens_post(
            rid, sdk.PostTokenInput(properties=sdk.PostTokenProperties(name=f"paged-{i}", scopes=[scope]))
        )
    first = tokens.registries_tokens_get(rid, offset="0", limit="3")
    rest = tokens.registries_tokens_get(rid, offset="3", limit="100")
    assert len(first.items) == 3
    assert first.links.next
    assert first.total == len(first.items) + len(rest.items)
    with pytest.raises(ApiException) as info:
        tokens.registries_tokens_post(
            rid, sdk.PostTokenInput(properties=sdk.PostTokenProperties(name="paged-0", scopes=[scope]))
        )
    assert info.value.status == 409


def test_repositories_artifacts_and_vulnerabilities(api: sdk.ApiClient) -> None:
    rid = registry_id(api)
    repos = sdk.RepositoriesApi(api).registries_repositories_get(rid, limit=100)
    names = [r.properties.name for r in repos.items]
    assert "team/app" in names
    app = sdk.RepositoriesApi(api).registries_repositories_find_by_name(rid, "team/app")
    assert app.metadata.artifact_count >= 2
    assert app.metadata.last_severity
    artifacts = sdk.ArtifactsApi(api).registries_repositories_artifacts_get(rid, "team/app", limit=100)
    tagged = next(a for a in artifacts.items if "1.4.2" in (a.properties.tags or []))
    one = sdk.ArtifactsApi(api).registries_repositories_artifacts_find_by_digest(rid, "team/app", tagged.id)
    assert one.metadata.vuln_total_count >= 1
    vulns = sdk.ArtifactsApi(api).registries_repositories_artifacts_vulnerabilities_get(
        rid, "team/app", tagged.id, filter_fixable=True
    )
    assert "CVE-2021-44228" in [v.id for v in vulns.items]
    assert all(v.properties.fixable for v in vulns.items)
    advisory = sdk.VulnerabilitiesApi(api).vulnerabilities_find_by_id("CVE-2021-44228")
    assert advisory.properties.severity == "Critical"
    assert advisory.properties.affects[0].name.endswith("log4j-core")
    hit = sdk.ArtifactsApi(api).registries_artifacts_get(rid, filter_vulnerability_id="CVE-2021-44228")
    assert tagged.id in [a.id for a in hit.items]
    severe = sdk.RepositoriesApi(api).registries_repositories_get(rid, filter_vulnerability_severity="critical")
    assert all(r.metadata.last_severity == "Critical" for r in severe.items)


def test_repository_delete_and_the_push_hook(api: sdk.ApiClient, live: LiveServer) -> None:
    rid = registry_id(api, "ci-cache")
    pushed = httpx.post(
        live.url + "/_emulator/artifacts",
        json={
            "registry": "ci-cache",
            "repository": "scratch/tool",
            "tags": ["v1"],
            "vulnerabilities": ["CVE-2024-3094"],
        },
    ).json()
    listed = sdk.ArtifactsApi(api).registries_repositories_artifacts_get(rid, "scratch/tool")
    assert [a.id for a in listed.items] == [pushed["digest"]]
    sdk.RepositoriesApi(api).registries_repositories_delete(rid, "scratch/tool")
    with pytest.raises(ApiException) as info:
        sdk.RepositoriesApi(api).registries_repositories_find_by_name(rid, "scratch/tool")
    assert info.value.status == 404

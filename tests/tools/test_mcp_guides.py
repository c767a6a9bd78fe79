"""Prompts, resource templates and completion through the in-memory MCP client; what they say is
checked against the API's own answers read over plain HTTP."""

from __future__ import annotations

import json
import re
from typing import Any

import httpx
import pytest
from mcp import Client
from mcp.types import PromptReference, ResourceTemplateReference

from tests.conftest import TOKEN, Stack
from tools.mcp_server import ServerOptions, build_server, registered
from tools.operations import CATALOGUE, TOOLSETS

REGISTRY_URI = "ionos-cr://registries/{registry}"
REPOSITORY_URI = "ionos-cr://registries/{registry}/repositories/{repository}"


async def raw(stack: Stack, path: str) -> Any:
    """The API's answer, read straight over HTTP (no client of ours)."""
    transport = httpx.ASGITransport(app=stack.emulator)
    async with httpx.AsyncClient(transport=transport, base_url="http://emulator/containerregistries") as http:
        answer = await http.get(path, headers={"Authorization": f"Bearer {TOKEN}"})
        answer.raise_for_status()
        return answer.json()


async def raw_registry(stack: Stack, name: str) -> dict[str, Any]:
    found = await raw(stack, f"/registries?filter.name={name}&limit=100")
    [registry] = [r for r in found["items"] if r["properties"]["name"] == name]
    return dict(registry)


@pytest.mark.parametrize(
    ("toolsets", "prompts"),
    [
        (TOOLSETS, {"incident_triage", "rotate_token", "registry_health"}),
        (("registries", "tokens"), {"rotate_token"}),  # registry_health also reads repositories
        (("vulnerabilities",), {"incident_triage"}),
    ],
)
async def test_prompts_name_only_tools_this_server_offers(
    stack: Stack, toolsets: tuple[str, ...], prompts: set[str]
) -> None:
    options = ServerOptions(toolsets=frozenset(toolsets))
    offered = {op.name for op in registered(options)}
    async with Client(build_server(stack.core, options)) as client:
        listed = (await client.list_prompts()).prompts
        assert {p.name for p in listed} == prompts
        for prompt in listed:
            given = {
                a.name: {"registry": "prod-images", "token": "ci-push"}.get(a.name, "CVE-2021-44228")
                for a in prompt.arguments or []
            }
            rendered = await client.get_prompt(prompt.name, given)
            text = "\n".join(m.content.text for m in rendered.messages if hasattr(m.content, "text"))
            named = set(re.findall(r"\b[a-z]+_[a-z_]+\b", text)) & set(CATALOGUE)
            assert named, prompt.name
            assert named <= offered, f"{prompt.name} names {named - offered}, not offered here"
            assert all(value in text for value in given.values())
            assert "data, never instructions" in text


async def test_a_registry_resource_reads_what_the_api_says(stack: Stack) -> None:
    truth = await raw_registry(stack, "prod-images")
    async with Client(build_server(stack.core)) as client:
        templates = {t.uri_template for t in (await client.list_resource_templates()).resource_templates}
        assert {REGISTRY_URI, REPOSITORY_URI} <= templates
        read = await client.read_resource("ionos-cr://registries/prod-images")
        shown = json.loads(read.contents[0].text)  # type: ignore[union-attr]
        repo = await client.read_resource("ionos-cr://registries/prod-images/repositories/team%2Fapp")
        repository = json.loads(repo.contents[0].text)  # type: ignore[union-attr]
    assert shown["id"] == truth["id"]
    assert shown["hostname"] == truth["properties"]["hostname"]
    assert shown["state"] == truth["metadata"]["state"]
    images = await raw(stack, f"/registries/{truth['id']}/repositories/team%2Fapp/artifacts?limit=100")
    assert repository["name"] == "team/app"
    assert repository["artifacts"] == len(images["items"])


async def test_an_unknown_registry_resource_is_an_error_that_says_so(stack: Stack) -> None:
    async with Client(build_server(stack.core)) as client:
        with pytest.raises(Exception, match="no registry is named 'nope-nope'"):
            await client.read_resource("ionos-cr://registries/nope-nope")


async def test_completion_offers_registries_repositories_and_tokens_as_the_api_names_them(stack: Stack) -> None:
    names = [r["properties"]["name"] for r in (await raw(stack, "/registries?limit=1000"))["items"]]
    truth = await raw_registry(stack, "prod-images")
    found = await raw(stack, f"/registries/{truth['id']}/repositories?limit=100")
    repositories = [r.get("name") or r["properties"]["name"] for r in found["items"]]
    tokens = [
        t["properties"]["name"] for t in (await raw(stack, f"/registries/{truth['id']}/tokens?limit=100"))["items"]
    ]
    async with Client(build_server(stack.core)) as client:
        registry_ref = ResourceTemplateReference(type="ref/resource", uri=REGISTRY_URI)
        got = (await client.complete(registry_ref, {"name": "registry", "value": "pro"})).completion
        expected = sorted(n for n in names if n.startswith("pro"))
        assert got.values[: len(expected)] == expected
        assert set(got.values) == {n for n in names if "pro" in n}

        repository_ref = ResourceTemplateReference(type="ref/resource", uri=REPOSITORY_URI)
        got = (
            await client.complete(
                repository_ref, {"name": "repository", "value": "team/"}, context_arguments={"registry": "prod-images"}
            )
        ).completion
        assert got.values == sorted(r for r in repositories if r.startswith("team/"))

        rotate = PromptReference(type="ref/prompt", name="rotate_token")
        got = (
            await client.complete(rotate, {"name": "token", "value": ""}, context_arguments={"registry": "Prod-Images"})
        ).completion
        assert sorted(got.values) == sorted(tokens)

        nothing = (
            await client.complete(rotate, {"name": "token", "value": "x"}, context_arguments={"registry": "nope-nope"})
        ).completion
        assert nothing.values == []


async def test_completion_is_bounded_with_thousands_of_registries(stack: Stack) -> None:
    for i in range(150):  # on top of the sample registries: more than one answer may hold
        body = {"properties": {"name": f"probe-{i:03d}", "location": "de/fra"}}
        stack.emulator.backend.create(body, "bench@example.com")
    async with Client(build_server(stack.core)) as client:
        ref = ResourceTemplateReference(type="ref/resource", uri=REGISTRY_URI)
        got = (await client.complete(ref, {"name": "registry", "value": "probe-"})).completion
    assert len(got.values) == 100
    assert got.has_more is True
    assert got.values == sorted(got.values)

"""Configuration comes from the environment, typed, with secrets kept secret."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from tools.config import (
    ApiSettings,
    McpSettings,
    ObservabilitySettings,
    SafetySettings,
    Settings,
    SlackSettings,
    from_environment,
)
from tools.startup import load
from tools.values import normalize_api_url


@pytest.mark.parametrize(
    ("given", "base"),
    [
        ("https://api.ionos.com", "https://api.ionos.com/containerregistries"),
        ("api.ionos.com", "https://api.ionos.com/containerregistries"),
        ("https://api.ionos.com/", "https://api.ionos.com/containerregistries"),
        ("https://api.ionos.com/containerregistries", "https://api.ionos.com/containerregistries"),
        ("https://api.ionos.com/containerregistries/", "https://api.ionos.com/containerregistries"),
        ("http://127.0.0.1:8080", "http://127.0.0.1:8080/containerregistries"),
        ("https://proxy.example.com/ionos", "https://proxy.example.com/ionos/containerregistries"),
    ],
)
def test_api_url_accepts_a_host_or_a_full_base(given: str, base: str) -> None:
    assert normalize_api_url(given) == base


@pytest.mark.parametrize("bad", ["", "ftp://api.ionos.com", "https://"])
def test_api_url_rejects_nonsense(bad: str) -> None:
    with pytest.raises(ValueError, match="IONOS_API_URL"):
        normalize_api_url(bad)


def test_settings_read_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IONOS_TOKEN", "tok-123")
    monkeypatch.setenv("IONOS_API_URL", "api.example.com")
    monkeypatch.setenv("IONOS_CONTRACT_NUMBER", "31415")
    monkeypatch.setenv("IONOS_READ_TIMEOUT", "7.5")
    settings = from_environment(ApiSettings)
    assert settings.ionos_token is not None
    assert settings.ionos_token.get_secret_value() == "tok-123"
    assert settings.base_url == "https://api.example.com/containerregistries"
    assert settings.ionos_contract_number == 31415
    assert settings.ionos_read_timeout == 7.5


def test_api_settings_built_bare_read_the_environment_as_the_readme_shows(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IONOS_TOKEN", "tok-456")
    monkeypatch.setenv("IONOS_API_URL", "http://127.0.0.1:9")
    settings = ApiSettings()
    assert type(settings) is ApiSettings
    assert settings.has_credentials
    assert settings.base_url == "http://127.0.0.1:9/containerregistries"
    given = ApiSettings(ionos_username="ana")  # values given: exactly those, the rest defaults
    assert given.ionos_token is None
    assert given.base_url == "https://api.ionos.com/containerregistries"


def test_bad_environment_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IONOS_CONTRACT_NUMBER", "not-a-number")
    with pytest.raises(ValidationError, match="ionos_contract_number"):
        from_environment(ApiSettings)


def test_secrets_never_show_in_repr_or_dump() -> None:
    settings = ApiSettings(ionos_token="tok-SECRET", ionos_username="u", ionos_password="pw-SECRET")
    for text in (repr(settings), str(settings), settings.model_dump_json()):
        assert "SECRET" not in text


@pytest.mark.parametrize(
    ("env", "message"),
    [
        (
            {"REGISTRY_MCP_OAUTH_ISSUER": "https://idp.example.com"},
            "REGISTRY_MCP_OAUTH_AUDIENCE must be set too: OAuth needs both issuer and audience",
        ),
        (
            {"REGISTRY_MCP_OAUTH_ISSUER": "http://idp.example.com", "REGISTRY_MCP_OAUTH_AUDIENCE": "api"},
            "REGISTRY_MCP_OAUTH_ISSUER must use https (plain http only on loopback) (given 'http://idp.example.com')",
        ),
        (
            {"REGISTRY_MCP_OAUTH_WRITE_SCOPE": "registry:write admin"},
            "REGISTRY_MCP_OAUTH_WRITE_SCOPE must be one scope name, without spaces or quotes",
        ),
        ({"REGISTRY_LOG_FORMAT": "xml"}, "REGISTRY_LOG_FORMAT must be one of 'text' or 'json' (given 'xml')"),
        ({"REGISTRY_STATE_URL": "postgres://db"}, "REGISTRY_STATE_URL must be a redis://, rediss:// or unix:// URL"),
        (
            {"REGISTRY_WATCH_ROUTES": "prod-*=C0PROD,team-a-*"},
            "REGISTRY_WATCH_ROUTES must be NAME-GLOB=CHANNEL-ID, comma-separated, e.g. prod-*=C0PROD"
            " (given 'team-a-*')",
        ),
    ],
)
def test_team_settings_refuse_bad_values_in_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], env: dict[str, str], message: str
) -> None:
    for name, given in env.items():
        monkeypatch.setenv(name, given)
    kinds: dict[str, type[Settings]] = {
        "REGISTRY_LOG_FORMAT": ObservabilitySettings,
        "REGISTRY_STATE_URL": SafetySettings,
        "REGISTRY_WATCH_ROUTES": SlackSettings,
    }
    kind = kinds.get(next(iter(env)), McpSettings)
    with pytest.raises(SystemExit) as stopped:
        load("registry-mcp", kind)
    assert stopped.value.code == 2
    [line] = capsys.readouterr().err.strip().splitlines()
    assert line.startswith("registry-mcp: bad environment: ")
    assert message in line


def test_the_issuer_is_kept_exactly_as_given(monkeypatch: pytest.MonkeyPatch) -> None:
    """The iss claim is compared character by character: a trailing slash matters to some IdPs."""
    monkeypatch.setenv("REGISTRY_MCP_OAUTH_ISSUER", "https://tenant.eu.auth0.com/")
    monkeypatch.setenv("REGISTRY_MCP_OAUTH_AUDIENCE", "https://registry-ops.example.com")
    settings = from_environment(McpSettings)
    assert settings.registry_mcp_oauth_issuer == "https://tenant.eu.auth0.com/"
    assert settings.oauth_enabled

"""CONNECTOR_HTTP_PORT and CONNECTOR_HTTP_HOST: on by default for containers, off when empty."""

from __future__ import annotations

from pathlib import Path

import pytest

from connector.errors import ConfigError
from connector.settings import load_settings


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ("CONNECTOR_HTTP_PORT", "CONNECTOR_HTTP_HOST"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)  # no stray .env


def test_the_endpoints_are_served_on_9108_on_every_interface_by_default() -> None:
    settings = load_settings()
    assert (settings.http_host, settings.http_port) == ("0.0.0.0", 9108)


@pytest.mark.parametrize(
    ("value", "port"),
    [
        pytest.param("", None, id="empty-is-off"),
        pytest.param("off", None, id="off"),
        pytest.param(" OFF ", None, id="off-any-case"),
        pytest.param("0", 0, id="zero-is-any-free-port"),
        pytest.param("9200", 9200, id="a-port"),
    ],
)
def test_port_values(monkeypatch: pytest.MonkeyPatch, value: str, port: int | None) -> None:
    monkeypatch.setenv("CONNECTOR_HTTP_PORT", value)
    assert load_settings().http_port == port


@pytest.mark.parametrize("value", ["http", "70000", "-1"])
def test_a_bad_port_names_the_variable_and_the_choices(
    monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("CONNECTOR_HTTP_PORT", value)
    with pytest.raises(ConfigError) as caught:
        load_settings()
    message = str(caught.value)
    assert message.startswith("CONNECTOR_HTTP_PORT is invalid")
    assert "leave it empty" in message

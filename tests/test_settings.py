from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from connector.errors import ConfigError
from connector.settings import DEFAULT_BASE_URL, load_settings


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in (
        "HUBSPOT_ACCESS_TOKEN",
        "HUBSPOT_BASE_URL",
        "CONNECTOR_STATE_URL",
        "CONNECTOR_SYNC_INTERVAL_MINUTES",
        "CONNECTOR_LOG_LEVEL",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)  # no stray .env


def test_defaults_match_the_documented_ones() -> None:
    settings = load_settings()
    assert settings.base_url == DEFAULT_BASE_URL
    assert settings.state_url.startswith("sqlite:///")
    assert settings.rules_file == Path("config/rules.yaml")
    assert settings.access_token is None


def test_environment_and_dotenv_are_read(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / ".env").write_text(
        "CONNECTOR_SYNC_INTERVAL_MINUTES=7\nHUBSPOT_ACCESS_TOKEN=pat-x\n"
    )
    monkeypatch.setenv("HUBSPOT_BASE_URL", "http://127.0.0.1:8090/")
    settings = load_settings()
    assert settings.sync_interval_minutes == 7
    assert settings.base_url == "http://127.0.0.1:8090"
    assert settings.require_token() == "pat-x"


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        pytest.param(
            "CONNECTOR_SYNC_INTERVAL_MINUTES", "soon", "CONNECTOR_SYNC_INTERVAL_MINUTES", id="int"
        ),
        pytest.param("HUBSPOT_BASE_URL", "api.hubapi.com", "https://api.hubapi.com", id="url"),
        pytest.param("CONNECTOR_STATE_URL", "mysql://x", "postgresql+psycopg", id="state"),
        pytest.param("CONNECTOR_LOG_LEVEL", "LOUD", "CONNECTOR_LOG_LEVEL", id="level"),
        pytest.param("CONNECTOR_HUBSPOT_TIMEZONE", "Mars/Olympus", "America/New_York", id="zone"),
    ],
)
def test_bad_setting_is_one_line_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, expected: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError) as caught:
        load_settings()
    message = str(caught.value)
    assert "\n" not in message
    assert name in message
    assert expected in message


def test_missing_token_says_how_to_get_one() -> None:
    with pytest.raises(ConfigError, match=r"HUBSPOT_ACCESS_TOKEN.*private app"):
        load_settings().require_token()


def test_cli_exits_2_with_one_line_on_bad_setting(tmp_path: Path) -> None:
    env = {"CONNECTOR_SYNC_INTERVAL_MINUTES": "0", "PATH": "/usr/bin:/bin"}
    done = subprocess.run(
        [sys.executable, "-m", "connector", "status"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "CONNECTOR_SYNC_INTERVAL_MINUTES" in lines[0]


def test_the_portal_time_zone_sets_the_daily_reset(monkeypatch: pytest.MonkeyPatch) -> None:
    from zoneinfo import ZoneInfo

    from connector.hubspot import HubSpotGateway

    monkeypatch.setenv("HUBSPOT_ACCESS_TOKEN", "pat-x")
    monkeypatch.setenv("CONNECTOR_HUBSPOT_TIMEZONE", "Asia/Tokyo")
    gateway = HubSpotGateway.from_settings(load_settings())
    assert gateway.limiter.daily_reset_zone == ZoneInfo("Asia/Tokyo")

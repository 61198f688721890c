"""Run the `connector` CLI in-process against a sandbox, with settings from the environment."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from connector.cli import main
from connector.sandbox import Sandbox
from connector.settings import load_settings
from connector.state import StateStore
from connector.sync.services import Services
from connector.sync.setup import run_setup_steps

REPO = Path(__file__).resolve().parents[2]


@dataclass
class CliResult:
    code: int
    out: str
    err: str


@dataclass
class Connector:
    sandbox: Sandbox
    state_url: str
    run: Callable[..., CliResult]

    def store(self) -> StateStore:
        return StateStore.connect(self.state_url)


@pytest.fixture(name="make_connector")
def _make_connector(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> Callable[..., Connector]:
    def make(sandbox: Sandbox, *, lag_seconds: int = 0, **env: str) -> Connector:
        state_url = f"sqlite:///{tmp_path / 'state.sqlite3'}"
        values = {
            "HUBSPOT_BASE_URL": sandbox.base_url,
            "HUBSPOT_ACCESS_TOKEN": sandbox.token,
            "CONNECTOR_STATE_URL": state_url,
            "CONNECTOR_RULES_FILE": str(REPO / "config" / "rules.yaml"),
            "CONNECTOR_SLA_FILE": str(REPO / "config" / "sla.yaml"),
            "CONNECTOR_SEARCH_LAG_SECONDS": str(lag_seconds),
            "CONNECTOR_LOG_FORMAT": "json",
            "CONNECTOR_READ_TIMEOUT": "10",
            "CONNECTOR_REQUESTS_PER_10S": "1000",
            "CONNECTOR_SEARCH_PER_SECOND": "50",
            **env,
        }
        for name, value in values.items():
            monkeypatch.setenv(name, value)
        monkeypatch.chdir(tmp_path)

        def run(*args: str) -> CliResult:
            code = main(list(args))
            captured = capsys.readouterr()
            return CliResult(code, captured.out, captured.err)

        return Connector(sandbox, state_url, run)

    return make


def sandbox_env(sandbox: Sandbox, state: Path) -> dict[str, str]:
    """The settings that point the connector at `sandbox`, with its state in `state`."""
    return {
        "HUBSPOT_BASE_URL": sandbox.base_url,
        "HUBSPOT_ACCESS_TOKEN": sandbox.token,
        "CONNECTOR_STATE_URL": f"sqlite:///{state}",
        "CONNECTOR_RULES_FILE": str(REPO / "config" / "rules.yaml"),
        "CONNECTOR_SLA_FILE": str(REPO / "config" / "sla.yaml"),
        "CONNECTOR_SEARCH_LAG_SECONDS": "0",
        # The sandbox runs at the unlimited tier: the client-side limiter would only add sleeps.
        "CONNECTOR_REQUESTS_PER_10S": "1000",
        "CONNECTOR_SEARCH_PER_SECOND": "50",
    }


def ready_services(
    sandbox: Sandbox, state: Path, monkeypatch: pytest.MonkeyPatch, *, setup: bool = True
) -> Services:
    """Services built from settings aimed at `sandbox`, with the score properties created."""
    for name, value in sandbox_env(sandbox, state).items():
        monkeypatch.setenv(name, value)
    services = Services.from_settings(load_settings())
    if setup:
        run_setup_steps(
            services.gateway, rules=services.rules, names=services.names, group="g", create=True
        )
    return services

"""`connector suggest` on a portal (the sandbox over loopback), through the CLI: it reads the
leads as `review` does, writes its candidate and calibration locally, and nothing to HubSpot."""

from __future__ import annotations

from pathlib import Path

import pytest

from connector.cli import main
from connector.rules import load_rules
from tests.conftest import MakeSandbox
from tests.review.conftest import writes_received
from tests.sync.conftest import sandbox_env


def test_portal_suggest_writes_a_candidate_and_nothing_to_hubspot(
    make_sandbox: MakeSandbox,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    sandbox = make_sandbox(contacts=400)
    for name, value in sandbox_env(sandbox, tmp_path / "state.sqlite3").items():
        monkeypatch.setenv(name, value)
    target = tmp_path / "candidate.yaml"
    code = main(["suggest", "--since", "2000-01-01", "--propose", "--write", str(target)])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert "Review of 400 leads" in captured.out
    assert "on folds the fit did not see" in captured.out
    assert writes_received(sandbox) == {}
    candidate = load_rules(target)
    assert candidate.spec.fit.baseline is not None
    assert "leads," in target.read_text("utf-8")  # evidence comments

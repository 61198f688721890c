"""`connector review` on a portal (the sandbox over loopback), through the CLI: reads only."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from connector.cli import main
from tests.conftest import MakeSandbox
from tests.review.conftest import writes_received
from tests.sync.conftest import sandbox_env


def test_portal_review_writes_the_report_and_nothing_to_hubspot(
    make_sandbox: MakeSandbox,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    sandbox = make_sandbox(contacts=400)
    for name, value in sandbox_env(sandbox, tmp_path / "state.sqlite3").items():
        monkeypatch.setenv(name, value)
    out = tmp_path / "review"
    code = main(["review", "--since", "2000-01-01", "--out", str(out)])
    printed = capsys.readouterr().out
    assert code == 0
    assert "Review of 400 leads" in printed
    assert writes_received(sandbox) == {}
    summary = json.loads((out / "summary.json").read_text("utf-8"))
    assert summary["leads"] == 400
    assert summary["funnel"]["steps"][0]["stage"] == "lead"  # the portal dates its stages
    assert 'aria-label="Funnel"' in (out / "report.html").read_text("utf-8")
    rows = (out / "scores.csv").read_text("utf-8").splitlines()
    assert len(rows) == 401 and rows[0] == "id,score,grade,label,outcome,probability"

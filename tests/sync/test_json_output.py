"""`sync --format json`: a script reads the run and a dry run's changes from stdout alone."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from tests.conftest import MakeSandbox


def test_a_dry_run_in_json_carries_the_same_changes_as_the_csv(
    make_sandbox: MakeSandbox, make_connector: Any
) -> None:
    sandbox = make_sandbox(contacts=150)
    connector = make_connector(sandbox, lag_seconds=0)

    as_json = connector.run("sync", "--dry-run", "--format", "json")
    as_csv = connector.run("sync", "--dry-run", "--format", "csv")

    assert as_json.code == 0, as_json.err
    report = json.loads(as_json.out)  # stdout is one JSON document, nothing else
    assert report["status"] == "ok"
    assert report["summary"]["dry_run"] is True
    assert report["summary"]["pulled"] == 150
    rows = list(csv.DictReader(io.StringIO(as_csv.out)))
    # The same changes, column for column (two runs a moment apart: time stamps differ).
    assert [list(change) for change in report["changes"]] == [list(row) for row in rows]
    key = ("action", "id", "property", "current")
    assert [tuple(c[k] for k in key) for c in report["changes"]] == [
        tuple(r[k] for k in key) for r in rows
    ]
    assert any(change["action"] == "update contact" for change in report["changes"])


def test_a_real_run_in_json_reports_its_summary(
    make_sandbox: MakeSandbox, make_connector: Any
) -> None:
    sandbox = make_sandbox(contacts=60)
    connector = make_connector(sandbox, lag_seconds=0)
    assert connector.run("setup").code == 0

    result = connector.run("sync", "--format", "json")

    assert result.code == 0, result.err
    report = json.loads(result.out)
    assert report["changes"] == []
    assert report["summary"]["written"] == 60
    store = connector.store()
    try:
        assert store.recent_runs("default", 1)[0].id == report["run_id"]
    finally:
        store.close()

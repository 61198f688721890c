"""What a run prints: its one-line summary, and a dry run's report of every change.

Shared by `connector sync` and the scheduler of `connector run`.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from connector.sync.backlog_command import capacity_phrase
from connector.sync.dry_run import REPORT_HEADERS
from connector.sync.output import table, write_csv
from connector.sync.rules_change import rescore_line
from connector.sync.rules_preview import preview
from connector.sync.run import RunResult
from connector.sync.search_lag import lag_line


def print_result(result: RunResult, *, fmt: str, limit: int) -> None:
    """The run's one-line summary, and a dry run's report.

    With `fmt="csv"` stdout carries the CSV and nothing else (`> out.csv` gives a clean file):
    the summary goes to stderr, as log lines do.
    """
    s = result.summary
    if fmt == "json":
        print(json.dumps(_as_json(result), default=str))
        return
    summary_stream = sys.stderr if fmt == "csv" else sys.stdout
    if result.status == "skipped":
        print(
            f"run skipped: {s.get('reason', 'another worker holds this portal')}",
            file=summary_stream,
        )
        return
    dry = bool(s.get("dry_run"))
    print(
        f"run {result.run_id}: {result.status} — pulled {s['pulled']}, scored {s['scored']}, "
        f"changed {s['changed']}, {'would write' if dry else 'written'} {s['written']}, "
        f"failed {s['failed']}, {'would create' if dry else 'created'} "
        f"{s.get('handoffs_created', 0)} tasks, "
        f"{s['api_calls']} API calls in {s['duration_seconds']} s"
        + (
            f", {s['unreadable_values']} unreadable values scored as unknown "
            "(by property: connector status)"
            if s.get("unreadable_values")
            else ""
        )
        + (" (dry run: nothing was sent)" if dry else ""),
        file=summary_stream,
    )
    withdrawn = s.get("handoffs_withdrawn")
    withdrawn_line = (
        f"{withdrawn} open handoff task(s) {'would be' if dry else 'were'} marked "
        "no longer qualified, with a note saying why"
        if withdrawn
        else None
    )
    notes = (
        rescore_line(s),
        lag_line(s),
        capacity_phrase(s.get("handoff_capacity")),
        withdrawn_line,
    )
    for note in notes:
        if note:
            print(note, file=summary_stream)
    if not s.get("dry_run"):
        return
    if "rules_changed_from" in s or s.get("rules_rescore_read"):
        # A new rules file: what publishing it would move, before the change-by-change table.
        for line in preview(result.changes).lines():
            print(line, file=summary_stream)
    rows = [change.row() for change in result.changes]
    if fmt == "csv":
        write_csv(sys.stdout, REPORT_HEADERS, rows)
    else:
        print(table(REPORT_HEADERS, rows[:limit]))
        if len(rows) > limit:
            print(f"… {len(rows) - limit} more changes (use --format csv for all)")


def _as_json(result: RunResult) -> dict[str, Any]:
    """The run for a script: its id, status and summary, and a dry run's changes as objects
    keyed like the CSV's columns."""
    return {
        "run_id": result.run_id,
        "status": result.status,
        "summary": dict(result.summary),
        "changes": [
            dict(zip(REPORT_HEADERS, change.row(), strict=True)) for change in result.changes
        ],
    }

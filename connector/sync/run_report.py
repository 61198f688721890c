"""What a run prints: its one-line summary, and a dry run's report of every change.

Shared by `connector sync` and the scheduler of `connector run`.
"""

from __future__ import annotations

import sys

from connector.sync.dry_run import REPORT_HEADERS
from connector.sync.output import table, write_csv
from connector.sync.run import RunResult


def print_result(result: RunResult, *, fmt: str, limit: int) -> None:
    """The run's one-line summary, and a dry run's report.

    With `fmt="csv"` stdout carries the CSV and nothing else (`> out.csv` gives a clean file):
    the summary goes to stderr, as log lines do.
    """
    s = result.summary
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
    if not s.get("dry_run"):
        return
    rows = [change.row() for change in result.changes]
    if fmt == "csv":
        write_csv(sys.stdout, REPORT_HEADERS, rows)
    else:
        print(table(REPORT_HEADERS, rows[:limit]))
        if len(rows) > limit:
            print(f"… {len(rows) - limit} more changes (use --format csv for all)")

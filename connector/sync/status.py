"""`connector status`: cursor, recent runs and what they could not do, dead letters.

Everything shown comes from the state store, so it works while HubSpot is unreachable; the exit
code lets a cron job or a platform check alert on a failed run.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime
from typing import Any

from connector.errors import EXIT_FAILED, EXIT_OK
from connector.settings import Settings
from connector.state import Cursor, DeadLetter, RunRecord, StateStore
from connector.sync.output import table


def _now() -> datetime:
    return datetime.now(UTC)


def run_status(args: argparse.Namespace, settings: Settings) -> int:
    """Cursor, recent runs and dead letters; exit 1 when the newest run failed or was
    interrupted, so a cron job or health check can alert on it."""
    store = StateStore.connect(settings.state_url)
    try:
        now = _now()
        cursor = store.get_cursor(settings.portal)
        runs = store.recent_runs(settings.portal, args.runs)
        letters = store.dead_letters(settings.portal, 10)
        total = store.count_dead_letters(settings.portal)
    finally:
        store.close()
    last = runs[0] if runs else None
    unhealthy = last is not None and _unhealthy(last)
    if args.json:
        print(json.dumps(_status_json(settings.portal, now, cursor, runs, letters, total)))
    else:
        _print_status(settings.portal, now, cursor, runs, letters, total)
    if unhealthy and last is not None:
        why = last.summary.get("error") or last.summary.get("reason") or "no reason recorded"
        print(f"connector: the last run ({last.id}) {last.status}: {why}", file=sys.stderr)
        return EXIT_FAILED
    return EXIT_OK


def _unhealthy(run: RunRecord) -> bool:
    """Whether the newest run should make `status` exit 1: it failed, or it was left unfinished
    (a crash, a kill, a state-store outage: the next start recorded why). A run stopped on
    request (SIGTERM on deploy) or by another worker taking the portal is not an alert."""
    return run.status == "failed" or (run.status == "interrupted" and "reason" in run.summary)


def _status_json(
    portal: str,
    now: datetime,
    cursor: Cursor | None,
    runs: list[RunRecord],
    letters: list[DeadLetter],
    total: int,
) -> dict[str, Any]:
    def stamp(value: datetime | None) -> str | None:
        return value.isoformat() if value is not None else None

    last = runs[0] if runs else None
    return {
        "portal": portal,
        "healthy": last is None or not _unhealthy(last),
        "cursor": None
        if cursor is None
        else {
            "ts": stamp(cursor.ts),
            "lag_seconds": round((now - cursor.ts).total_seconds(), 3),
            "backfill_done": cursor.backfill_done,
        },
        "runs": [
            {
                "id": r.id,
                "started_at": stamp(r.started_at),
                "finished_at": stamp(r.finished_at),
                "status": r.status,
                "dry_run": r.dry_run,
                "error": r.summary.get("error") or r.summary.get("reason"),
                "summary": dict(r.summary),
            }
            for r in runs
        ],
        "dead_letters": {
            "total": total,
            "recent": [
                {
                    "contact_id": d.contact_id,
                    "category": d.category,
                    "attempts": d.attempts,
                    "next_attempt_at": stamp(d.next_attempt_at),
                    "reason": d.message,
                }
                for d in letters
            ],
        },
    }


def _print_status(
    portal: str,
    now: datetime,
    cursor: Cursor | None,
    runs: list[RunRecord],
    letters: list[DeadLetter],
    total: int,
) -> None:
    if cursor is None:
        print(f"portal {portal}: never synced (the first run will backfill)")
    else:
        lag = (now - cursor.ts).total_seconds()
        backfill = "done" if cursor.backfill_done else "running"
        print(
            f"portal {portal}: cursor {cursor.ts.isoformat()} "
            f"(lag {lag / 60:.1f} min; backfill {backfill})"
        )
    if runs:
        rows = [
            (
                r.id,
                r.started_at.isoformat(timespec="seconds"),
                r.status,
                "yes" if r.dry_run else "",
                r.summary.get("pulled", ""),
                r.summary.get("written", ""),
                r.summary.get("failed", ""),
                r.summary.get("api_calls", ""),
                r.summary.get("duration_seconds", ""),
            )
            for r in runs
        ]
        headers = ("run", "started", "status", "dry", "pulled", "written", "failed", "calls", "s")
        print(table(headers, rows))
        for line in _run_notes(runs):
            print(line)
    print(f"dead letters: {total}")
    if letters:
        print(
            table(
                ("contact", "category", "attempts", "next attempt", "reason"),
                [
                    (
                        d.contact_id,
                        d.category,
                        d.attempts,
                        d.next_attempt_at.isoformat(timespec="seconds"),
                        d.message,
                    )
                    for d in letters
                ],
            )
        )


def _run_notes(runs: list[RunRecord]) -> list[str]:
    """Why runs did not finish "ok", and what the newest run could not read, by property.

    Both come from the stored summary, which is redacted like a log line (no PII to hide here).
    """
    notes = []
    for r in runs:
        why = r.summary.get("reason") or r.summary.get("error")
        if r.status in ("interrupted", "failed") and why:
            notes.append(f"run {r.id} {r.status}: {why}")
    newest = next((r for r in runs if "unreadable_by_property" in r.summary), None)
    if newest is not None:
        pairs = newest.summary["unreadable_by_property"]
        shown = ", ".join(f"{name} {count}" for name, count in pairs) or "none"
        notes.append(f"unreadable values in run {newest.id} (scored as unknown): {shown}")
    return notes

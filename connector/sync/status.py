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
from connector.run_health import HEALTH_LOOKBACK, needs_attention, newest_real_run
from connector.settings import Settings
from connector.state import Cursor, DeadLetter, RunRecord, StateStore
from connector.sync.backfill import BackfillPosition, load_position
from connector.sync.backlog_command import capacity_lines, last_capacity, waiting_counts
from connector.sync.capacity_bar import capacity_json, capacity_line, stored_capacity_bar
from connector.sync.output import table
from connector.sync.rules_change import RulesProgress, stored_progress
from connector.sync.search_lag import lag_line


def _now() -> datetime:
    return datetime.now(UTC)


def run_status(args: argparse.Namespace, settings: Settings) -> int:
    """Cursor, recent runs and dead letters; exit 1 when the newest real run failed or was left
    unfinished, so a cron job or health check can alert on it (a dry run does not count)."""
    store = StateStore.connect(settings.state_url)
    try:
        now = _now()
        cursor = store.get_cursor(settings.portal)
        position = load_position(store, settings.portal) if cursor is None else None
        # Enough history to find the newest real run behind an admin's dry runs.
        history = store.recent_runs(settings.portal, max(args.runs, HEALTH_LOOKBACK))
        letters = store.dead_letters(settings.portal, 10)
        total = store.count_dead_letters(settings.portal)
        rules = stored_progress(store, settings.portal)
        waiting = waiting_counts(store, settings.portal)
        bar = stored_capacity_bar(store, settings.portal)
    finally:
        store.close()
    runs = history[: args.runs]
    last = newest_real_run(history)
    unhealthy = last is not None and needs_attention(last)
    # Handoff capacity: what waits now, and the shortfalls of the last real run.
    capacity = last_capacity([r for r in history if not r.dry_run])
    if args.json:
        status = _status_json(
            settings.portal, now, cursor, runs, letters, total, healthy=not unhealthy
        )
        handoffs = {"handoffs": {**waiting, "last_run_capacity": capacity}}
        bar_json = {"handoff_bar": capacity_json(bar)}
        backfill = {"backfill": _backfill_json(position)}
        print(
            json.dumps(
                {**status, **backfill, **_rules_and_lag_json(rules, runs), **handoffs, **bar_json}
            )
        )
    else:
        _print_status(settings.portal, now, cursor, position, runs, letters, total)
        for line in _rules_and_lag_lines(rules, runs) + capacity_lines(capacity, waiting):
            print(line)
        if (bar_line := capacity_line(bar)) is not None:
            print(bar_line)
    if unhealthy and last is not None:
        why = last.summary.get("error") or last.summary.get("reason") or "no reason recorded"
        print(f"connector: the last run ({last.id}) {last.status}: {why}", file=sys.stderr)
        return EXIT_FAILED
    return EXIT_OK


def _status_json(
    portal: str,
    now: datetime,
    cursor: Cursor | None,
    runs: list[RunRecord],
    letters: list[DeadLetter],
    total: int,
    *,
    healthy: bool,
) -> dict[str, Any]:
    def stamp(value: datetime | None) -> str | None:
        return value.isoformat() if value is not None else None

    return {
        "portal": portal,
        "healthy": healthy,
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
    position: BackfillPosition | None,
    runs: list[RunRecord],
    letters: list[DeadLetter],
    total: int,
) -> None:
    if cursor is None and position is not None:
        print(f"portal {portal}: {_backfill_line(position)}")
    elif cursor is None:
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


def _backfill_line(position: BackfillPosition) -> str:
    """A first backfill that stopped midway (a stop, a kill, a run limit): where it resumes."""
    read = [
        f"ids up to {position.list_top} listed" if position.list_top is not None else None,
        f"ids from {position.search_bottom} searched"
        if position.search_bottom is not None
        else None,
    ]
    done = "; ".join(r for r in read if r) or "nothing written yet"
    return (
        f"backfill in progress up to {position.until.isoformat(timespec='seconds')} "
        f"({done}); the next run resumes it"
    )


def _backfill_json(position: BackfillPosition | None) -> dict[str, Any] | None:
    if position is None:
        return None
    return {
        "in_progress": True,
        "until": position.until.isoformat(),
        "listed_up_to_id": position.list_top,
        "searched_down_to_id": position.search_bottom,
        "line": _backfill_line(position),
    }


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


def _last_real_run(runs: list[RunRecord]) -> RunRecord | None:
    """The newest run that was not a dry run and counted the contacts waiting for the lag."""
    return newest_real_run([r for r in runs if "lag_waiting" in r.summary])


def _rules_and_lag_json(rules: RulesProgress | None, runs: list[RunRecord]) -> dict[str, Any]:
    lagged = _last_real_run(runs)
    return {
        "rules": None
        if rules is None
        else {
            "version": rules.version,
            "previous": rules.previous,
            "rescore_done": rules.done,
            "rescore_total": rules.total,
            "rescore_finished": rules.finished,
            "since": rules.started_at.isoformat(),
            "finished_at": rules.finished_at.isoformat() if rules.finished_at else None,
            "line": rules.line(),
        },
        "search_lag": None
        if lagged is None
        else {
            "run": lagged.id,
            "waiting": lagged.summary["lag_waiting"],
            "window_seconds": lagged.summary.get("lag_window_seconds"),
        },
    }


def _rules_and_lag_lines(rules: RulesProgress | None, runs: list[RunRecord]) -> list[str]:
    """The rules in force (and a re-score's progress), and what the last run left to the next."""
    lines = [rules.line()] if rules is not None else []
    lagged = _last_real_run(runs)
    if lagged is not None:
        said = lag_line(dict(lagged.summary))
        lines.append(
            f"run {lagged.id}: {said}" if said else f"run {lagged.id}: no contact waits for the lag"
        )
    return lines

"""Handlers for `connector setup | sync | run | status | explain`."""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

from connector.errors import EXIT_CONFIG, EXIT_FAILED, EXIT_OK, ConfigError
from connector.hubspot_facts import BATCH_MAX_INPUTS
from connector.logging import get_logger
from connector.rules import LeadInput, evaluate, load_rules
from connector.settings import Settings
from connector.state import Cursor, DeadLetter, RunRecord, StateStore
from connector.sync.output import table
from connector.sync.run_report import print_result
from connector.sync.services import Services, build_run
from connector.sync.setup import OWN, run_setup_steps

log = get_logger(__name__)


def _now() -> datetime:
    return datetime.now(UTC)


def run_setup(args: argparse.Namespace, settings: Settings) -> int:
    services = Services.from_settings(settings)
    try:
        report = run_setup_steps(
            services.gateway,
            rules=services.rules,
            names=services.names,
            group=settings.property_group,
            create=not args.check,
        )
    finally:
        services.close()
    for line in report.lines():
        print(line)
    if report.missing_inputs:
        rules_inputs = [kind for kind in report.missing_inputs if kind != OWN]
        fix = (
            "fix the names in the rules file or create those properties in HubSpot"
            if rules_inputs
            else "run `connector setup` (without --check) to create them"
        )
        print(f"connector: properties are missing (listed above); {fix}", file=sys.stderr)
        return EXIT_CONFIG
    return EXIT_OK


@contextmanager
def stop_on_sigterm() -> Iterator[threading.Event]:
    """An event SIGTERM sets (what a platform sends on deploy) instead of killing the process:
    the run finishes the page it is on, commits, and is recorded "interrupted"."""
    stop = threading.Event()

    def on_signal(signum: int, _frame: object) -> None:
        log.info("stop_requested", signal=signal.Signals(signum).name)
        stop.set()

    if threading.current_thread() is not threading.main_thread():
        yield stop  # only the main thread may handle signals (e.g. a test's worker thread)
        return
    previous = signal.signal(signal.SIGTERM, on_signal)
    try:
        yield stop
    finally:
        signal.signal(signal.SIGTERM, previous)


def run_sync(args: argparse.Namespace, settings: Settings) -> int:
    with stop_on_sigterm() as stop:
        services = Services.for_runs(settings, dry_run=args.dry_run)
        try:
            result = build_run(services, dry_run=args.dry_run, clock=_now, stop=stop).execute()
        finally:
            services.close()
    print_result(result, fmt=args.format, limit=args.limit)
    if result.status == "failed":
        print(f"connector: run failed: {result.summary.get('error')}", file=sys.stderr)
        return EXIT_FAILED
    if result.status == "lease_lost":
        # Another worker holds the portal now; this run stopped without writing more.
        print(f"connector: run stopped: {result.summary.get('error')}", file=sys.stderr)
        return EXIT_FAILED
    return EXIT_OK


def run_scheduler(args: argparse.Namespace, settings: Settings) -> int:
    from connector.sync.scheduler import serve

    return serve(settings, dry_run=args.dry_run)


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


def run_explain(args: argparse.Namespace, settings: Settings) -> int:
    from connector.hubspot import HubSpotGateway

    rules = load_rules(settings.rules_file)
    settings.require_token()
    gateway = HubSpotGateway.from_settings(settings)
    found = gateway.read_contacts([args.contact_id], sorted(rules.contact_properties))
    if not found:
        raise ConfigError(f"contact {args.contact_id} was not found in HubSpot")
    contact = found[0]
    company_id = (contact.get("associatedcompanyid") or "").strip()
    companies = (
        gateway.read_companies([company_id], sorted(rules.company_properties)) if company_id else []
    )
    decision = evaluate(
        LeadInput(
            contact_id=contact.id,
            contact=contact.properties,
            company=companies[0].properties if companies else None,
        ),
        rules=rules,
        now=_now(),
        prior=None,
    )
    print(f"contact {contact.id}: {decision.score}/100 {decision.label}")
    print(decision.full_reasons)
    return EXIT_OK


def run_sla(args: argparse.Namespace, settings: Settings) -> int:
    from connector.sync.sla_report import TASK_PROPERTIES, summarise

    services = Services.from_settings(settings)
    try:
        now = _now()
        handoffs = services.store.handoffs_between(
            settings.portal, now - timedelta(days=args.days), now + timedelta(seconds=1)
        )
        task_ids = sorted({h.task_id for h in handoffs if h.task_id})
        tasks = {}
        for start in range(0, len(task_ids), BATCH_MAX_INPUTS):
            chunk = task_ids[start : start + BATCH_MAX_INPUTS]
            for task in services.gateway.read_tasks(chunk, TASK_PROPERTIES):
                tasks[task.id] = task
        rows = summarise(handoffs, tasks, calendar=services.sla.build_calendar(), now=now)
    finally:
        services.close()
    print(f"SDR handoffs in the last {args.days} days: {len(handoffs)}")
    if rows:
        print(
            table(
                (
                    "owner",
                    "handoffs",
                    "touched",
                    "median h to touch",
                    "open",
                    "overdue",
                    "breached",
                ),
                [
                    (
                        r.owner_id,
                        r.handoffs,
                        r.touched,
                        "" if r.median_hours_to_touch is None else f"{r.median_hours_to_touch:.1f}",
                        r.open,
                        r.overdue,
                        r.breached,
                    )
                    for r in rows
                ],
            )
        )
        print("(time to first touch in business hours of the SLA calendar)")
    return EXIT_OK

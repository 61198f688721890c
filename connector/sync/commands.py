"""Handlers for `connector setup | sync | run`; `status` lives in status.py, `explain` and `sla` in
inspect_commands.py."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from connector.errors import EXIT_CONFIG, EXIT_FAILED, EXIT_OK
from connector.logging import get_logger
from connector.settings import Settings
from connector.sync.run_report import print_result
from connector.sync.services import Services, build_run
from connector.sync.setup import OWN

log = get_logger(__name__)


def _now() -> datetime:
    return datetime.now(UTC)


def run_setup(args: argparse.Namespace, settings: Settings) -> int:
    services = Services.from_settings(settings)
    try:
        report = services.set_up_portal(create=not args.check)
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
    if report.bad_values:
        print(
            "connector: the rules compare properties with values HubSpot does not offer "
            "(listed above); fix them in the rules file",
            file=sys.stderr,
        )
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

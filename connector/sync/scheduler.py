"""`connector run`: sync on an interval until stopped.

APScheduler 3.x with the in-memory job store (its persistent stores cannot be shared between
processes; our own state lives in the state store): one job, `max_instances=1` so two runs never
overlap, `coalesce=True` so runs missed while one was slow collapse into one. SIGTERM (what a
Procfile platform sends on deploy) and Ctrl-C set a stop flag: the current run finishes the page it
is on, writes and commits, then the process exits.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from datetime import UTC, datetime, timedelta
from types import FrameType

from apscheduler.schedulers import SchedulerNotRunningError
from apscheduler.schedulers.blocking import BlockingScheduler

from connector.errors import EXIT_OK, ConnectorError
from connector.logging import get_logger
from connector.settings import Settings
from connector.sync.run_report import print_result
from connector.sync.services import Services, build_run

log = get_logger(__name__)


def serve(settings: Settings, *, dry_run: bool) -> int:
    services = Services.for_runs(settings, dry_run=dry_run)
    stop = threading.Event()
    scheduler = BlockingScheduler(timezone=UTC)
    failures = 0

    def tick() -> None:
        nonlocal failures
        if stop.is_set():
            return
        try:
            run = build_run(services, dry_run=dry_run, clock=lambda: datetime.now(UTC), stop=stop)
            result = run.execute()
            print_result(result, fmt="table", limit=20)
            failures = failures + 1 if result.status == "failed" else 0
        except ConnectorError as exc:
            failures += 1
            log.error("sync_run_crashed", error=str(exc), consecutive_failures=failures)
        # A stop request is handled by `_shutdown_when_idle` alone: stopping the scheduler here
        # as well raced it and printed SchedulerNotRunningError's traceback into the log.

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        log.info("stop_requested", signal=signal.Signals(signum).name)
        stop.set()
        # Between runs nothing is in flight: stop at once. During a run, `tick` stops after it.
        threading.Thread(target=_shutdown_when_idle, args=(scheduler,), daemon=True).start()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    interval = timedelta(minutes=settings.sync_interval_minutes)
    scheduler.add_job(
        tick,
        "interval",
        seconds=interval.total_seconds(),
        next_run_time=datetime.now(UTC),
        max_instances=1,
        coalesce=True,
        misfire_grace_time=int(interval.total_seconds()),
        id="sync",
    )
    log.info("scheduler_started", interval_minutes=settings.sync_interval_minutes, dry_run=dry_run)
    try:
        scheduler.start()
    finally:
        services.close()
    log.info("scheduler_stopped")
    return EXIT_OK


def _shutdown_when_idle(scheduler: BlockingScheduler) -> None:
    # Waits for a running job to finish its page and commit. A second signal finds the
    # scheduler stopping already.
    with contextlib.suppress(SchedulerNotRunningError):
        scheduler.shutdown(wait=True)

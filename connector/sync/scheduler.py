"""`connector run`: sync on an interval until stopped.

APScheduler 3.x with the in-memory job store (its persistent stores cannot be shared between
processes; our own state lives in the state store): one job, `max_instances=1` so two runs never
overlap, `coalesce=True` so runs missed while one was slow collapse into one. SIGTERM (what a
Procfile platform sends on deploy) and Ctrl-C set a stop flag: the current run finishes the page it
is on, writes and commits, then the process exits.

Beside the scheduler, `connector/ops` serves `/healthz`, `/readyz` and `/metrics` on
`CONNECTOR_HTTP_PORT`; each finished run updates the metrics in one place, `Worker.run_once`.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from types import FrameType

from apscheduler.schedulers import SchedulerNotRunningError
from apscheduler.schedulers.blocking import BlockingScheduler

from connector.errors import EXIT_OK, ConfigError, ConnectorError
from connector.logging import get_logger
from connector.ops import OpsApp, OpsServer, ReachabilityProbe, Readiness, WorkerMetrics
from connector.settings import Settings
from connector.sync.run import RunResult
from connector.sync.run_report import print_result
from connector.sync.services import Services, build_run

log = get_logger(__name__)

#: How many recent runs the worker reads at start-up to find the last successful one.
_HISTORY_ON_START = 50


def _now() -> datetime:
    return datetime.now(UTC)


class Worker:
    """One tick of `connector run`: a run, the line it prints, and the metrics it feeds."""

    def __init__(
        self,
        services: Services,
        *,
        dry_run: bool,
        metrics: WorkerMetrics,
        stop: threading.Event,
        clock: Callable[[], datetime] = _now,
    ) -> None:
        self._services = services
        self._dry_run = dry_run
        self.metrics = metrics
        self._stop = stop
        self._clock = clock
        self._failures = 0

    def seed_metrics(self) -> None:
        """What a restarted worker knows from the state store: when a run last succeeded, the
        cursor, and the dead letters waiting. A store that does not answer leaves them unset."""
        store, portal = self._services.store, self._services.settings.portal
        try:
            runs = store.recent_runs(portal, _HISTORY_ON_START)
            cursor = store.get_cursor(portal)
        except ConnectorError:
            return
        finished = [r.finished_at for r in runs if r.status == "ok" and r.finished_at]
        self.metrics.seed(
            last_success=max(finished) if finished else None,
            cursor=cursor.ts if cursor else None,
        )
        self._count_dead_letters()

    def run_once(self) -> RunResult | None:
        """One run unless a stop was requested; None when it did not run or raised."""
        if self._stop.is_set():
            return None
        try:
            self._services.recheck_portal_if_stale(check_own=not self._dry_run, now=self._clock())
            run = build_run(
                self._services, dry_run=self._dry_run, clock=self._clock, stop=self._stop
            )
            result = run.execute()
        except ConnectorError as exc:
            self._failures += 1
            log.error("sync_run_crashed", error=str(exc), consecutive_failures=self._failures)
            self.metrics.record_crash()
            return None
        except Exception:
            # A bug: APScheduler logs its traceback and keeps the schedule; ops must see it too.
            self._failures += 1
            self.metrics.record_crash()
            raise
        self._failures = self._failures + 1 if result.status == "failed" else 0
        self.metrics.record_run(result.status, result.summary, finished_at=self._clock())
        self._count_dead_letters()
        # Printed last: once the line is out, /metrics already counts the run.
        print_result(result, fmt="table", limit=20)
        return result

    def _count_dead_letters(self) -> None:
        store, portal = self._services.store, self._services.settings.portal
        with contextlib.suppress(ConnectorError):  # the next run reports the outage
            self.metrics.set_dead_letters(store.count_dead_letters(portal))


def start_ops_server(services: Services, metrics: WorkerMetrics) -> OpsServer | None:
    """`/healthz`, `/readyz` and `/metrics` on the configured port; None when it is off."""
    settings = services.settings
    if settings.http_port is None:
        return None
    readiness = Readiness(
        store=services.store,
        portal=settings.portal,
        hubspot=ReachabilityProbe(settings.base_url),
        last_outcome=lambda: metrics.last_outcome,
    )
    app = OpsApp(metrics, readiness)
    try:
        server = OpsServer(app, host=settings.http_host, port=settings.http_port)
    except OSError as exc:
        raise ConfigError(
            f"cannot serve health and metrics on {settings.http_host}:{settings.http_port} "
            f"({exc.strerror or type(exc).__name__}): set CONNECTOR_HTTP_PORT to a free port, "
            "or leave it empty to serve none"
        ) from None
    return server.start()


def serve(settings: Settings, *, dry_run: bool) -> int:
    services = Services.for_runs(settings, dry_run=dry_run)
    stop = threading.Event()
    scheduler = BlockingScheduler(timezone=UTC)
    worker = Worker(services, dry_run=dry_run, metrics=WorkerMetrics(), stop=stop)
    try:
        worker.seed_metrics()
        ops = start_ops_server(services, worker.metrics)
    except BaseException:
        services.close()
        raise

    def tick() -> None:
        worker.run_once()
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
        if ops is not None:
            ops.stop()
        services.close()
    log.info("scheduler_stopped")
    return EXIT_OK


def _shutdown_when_idle(scheduler: BlockingScheduler) -> None:
    # Waits for a running job to finish its page and commit. A second signal finds the
    # scheduler stopping already.
    with contextlib.suppress(SchedulerNotRunningError):
        scheduler.shutdown(wait=True)

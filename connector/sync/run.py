"""One sync run, as stages that read top to bottom.

For every page: **pull** it, **score** its contacts, **plan writes** (the diff), **hand off** the
contacts that cross the handoff condition, **write**, and **commit** the cursor as far as
everything before it is written. After the window, the contacts due for a decay re-score or a
dead-letter retry go through the same stages; then the hand-off stage creates the remaining
tasks and escalates breaches, and the run is recorded.

Whether HubSpot or the state store really change is not this module's business: a dry run hands
it a port and a store that record instead (`services.build_run` chooses them).
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import structlog

from connector.errors import AuthError, ConfigError, ConnectorError
from connector.logging import get_logger
from connector.rules import RuleSet
from connector.rules.sla_config import SlaConfig
from connector.state import Cursor
from connector.sync.backfill import BackfillPosition, save_position
from connector.sync.checkpoints import CheckpointTracker
from connector.sync.dry_run import PlannedChange
from connector.sync.fence import Fence, LeaseLost
from connector.sync.ports import HubSpotPort, SyncState
from connector.sync.properties import ScoreProperties
from connector.sync.rules_change import DEFAULT_RESCORE_PER_RUN
from connector.sync.search_lag import count_waiting
from connector.sync.sources import Page
from connector.sync.stages import Stages, StageSettings

#: How long a worker's hold on a portal lasts without renewal; renewed at every commit (every
#: page) and every write (the fence), so only a dead or stuck worker lets it lapse and another
#: worker takes the portal over. `CONNECTOR_LEASE_TTL_SECONDS` sets another.
LEASE_TTL = timedelta(minutes=5)

log = get_logger(__name__)


@dataclass(frozen=True, slots=True)
class SyncOptions:
    portal: str
    names: ScoreProperties
    lag: timedelta
    #: Only recorded (run history, summary): the port and store decide what a run changes.
    dry_run: bool = False
    write_threads: int = 2
    lease_ttl: timedelta = LEASE_TTL
    #: Contacts a rules-change re-score reads per run (`CONNECTOR_RESCORE_PER_RUN`).
    rescore_per_run: int = DEFAULT_RESCORE_PER_RUN


@dataclass(slots=True)
class RunResult:
    run_id: int | None
    status: str
    summary: dict[str, Any]
    #: A dry run's report: what a real run would have changed.
    changes: list[PlannedChange] = field(default_factory=list)
    error: ConnectorError | None = None


def _ms(value: datetime) -> datetime:
    return value.replace(microsecond=value.microsecond // 1000 * 1000)


def _dead_local_process(worker_id: str) -> bool:
    """True when the worker id names a process on this host that no longer exists."""
    host, _, rest = worker_id.partition(":")
    pid_text = rest.partition(":")[0]
    if host != socket.gethostname() or not pid_text.isdigit():
        return False
    try:
        os.kill(int(pid_text), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


class SyncRun:
    """Runs once; `stop` (e.g. set by SIGTERM) ends it after the current page, committed."""

    def __init__(
        self,
        *,
        port: HubSpotPort,
        store: SyncState,
        rules: RuleSet,
        sla: SlaConfig,
        options: SyncOptions,
        clock: Callable[[], datetime],
        stop: threading.Event | None = None,
    ) -> None:
        self._port = port
        self._store = store
        self._rules = rules
        self._sla = sla
        self._opt = options
        self._clock = clock
        self._stop = stop or threading.Event()
        self._worker = f"{socket.gethostname()}:{os.getpid()}:{id(self):x}"
        self._cursor_after: datetime | None = None
        self._had_cursor = False
        self._fence = Fence(
            store,
            portal=options.portal,
            worker=self._worker,
            ttl=options.lease_ttl,
            clock=clock,
            expires_at=datetime.min.replace(tzinfo=UTC),  # no lease yet: not held
        )

    def execute(self) -> RunResult:
        # Every log line of the run, from any module, says which portal it is about.
        with structlog.contextvars.bound_contextvars(portal=self._opt.portal):
            now = _ms(self._clock())
            # Several workers may share one PostgreSQL state store: one worker per portal.
            if not self._take_lease(now):
                holder = self._store.lease_holder(self._opt.portal)
                until = holder.expires_at.isoformat(timespec="seconds") if holder else "?"
                worker = holder.worker_id if holder else "?"
                reason = f"another worker ({worker}) holds it until {until}"
                log.info("sync_run_skipped", reason=reason)
                return RunResult(None, "skipped", {"status": "skipped", "reason": reason})
            try:
                # Runs left "running" by a killed process are ours to close while we hold the lease.
                self._store.interrupt_unfinished_runs(self._opt.portal, finished_at=now)
                return self._recorded_run(now)
            finally:
                self._store.release_lease(self._opt.portal, self._worker)

    def _take_lease(self, now: datetime) -> bool:
        portal, ttl = self._opt.portal, self._opt.lease_ttl
        # Every write of the run is fenced from here on (see fence.py).
        self._fence = Fence(
            self._store,
            portal=portal,
            worker=self._worker,
            ttl=ttl,
            clock=self._clock,
            expires_at=now + ttl,
        )
        if self._store.acquire_lease(portal, worker_id=self._worker, now=now, ttl=ttl):
            return True
        holder = self._store.lease_holder(portal)
        if holder is None or not _dead_local_process(holder.worker_id):
            return False
        # A process on this host that was killed (SIGKILL, OOM) cannot renew or release: take
        # its portal over at once instead of waiting for the lease to lapse.
        log.warning("lease_taken_from_dead_worker", worker=holder.worker_id)
        self._store.release_lease(portal, holder.worker_id)
        return self._store.acquire_lease(portal, worker_id=self._worker, now=now, ttl=ttl)

    def _recorded_run(self, now: datetime) -> RunResult:
        began = time.monotonic()
        opt = self._opt
        self._port.reset_stats()  # a long-running worker reuses the gateway across runs
        run_id = self._store.start_run(opt.portal, started_at=now, dry_run=opt.dry_run)
        # Every line a dry run logs says so: its "handoff_created" events create nothing.
        with structlog.contextvars.bound_contextvars(run_id=run_id, dry_run=opt.dry_run):
            settings = StageSettings(
                opt.portal, opt.names, opt.write_threads, rescore_per_run=opt.rescore_per_run
            )
            stages = Stages.build(
                self._port,
                self._store,
                self._rules,
                self._sla,
                settings,
                now,
                self._stop,
                self._fence,
            )
            status: str = "ok"
            error: ConnectorError | None = None
            try:
                self._run_stages(stages, now)
                if self._stop.is_set():
                    status = "interrupted"
            except LeaseLost as exc:
                # Another worker may own the portal now: nothing queued is sent, nothing is
                # committed; what was written before stays, and the next holder re-scores it.
                status, error = "lease_lost", exc
                stages.writer.abandon()
            except ConnectorError as exc:
                status, error = "failed", exc
                try:
                    stages.writer.flush()
                    self._commit(stages.tracker, backfill_done=self._had_cursor)
                except ConnectorError:
                    pass  # the cursor stays at the last point known to be fully written
            finally:
                stages.writer.close()
            if self._fence.lost and status != "lease_lost":
                status = "lease_lost"  # noticed on the failure path, which then wrote nothing
            summary = self._summary(stages, now, began, status, error)
            # The run history knows ok, failed and interrupted: a lost lease is an interruption,
            # and its summary says which.
            recorded = "interrupted" if status == "lease_lost" else status
            self._store.finish_run(
                run_id, finished_at=_ms(self._clock()), status=recorded, summary=summary
            )
            # A failed run is what ops alerts on: error level (a lost lease or a stop, warning).
            level = {"failed": log.error, "lease_lost": log.warning}.get(status, log.info)
            level("sync_run_finished", **summary)
        if isinstance(error, ConfigError | AuthError):
            # Recorded in the run history, and still a configuration problem for the caller.
            raise error
        return RunResult(run_id, status, summary, error=error)

    def _run_stages(self, stages: Stages, now: datetime) -> None:
        cursor = self._store.get_cursor(self._opt.portal)
        self._cursor_after = cursor.ts if cursor else None
        self._had_cursor = cursor is not None
        until = now - self._opt.lag
        # Counted before this run writes anything (its own writes would count too).
        stages.lag = count_waiting(self._port, until=until, now=now)
        stages.rules_change.begin(first_run=cursor is None)
        if cursor is not None and not self._stop.is_set():
            # The queue first: its crossings waited longest, so they take the run's cap first.
            self._pages(stages, stages.handoff.drain(stages.properties, now), now)
            stages.flush(now)
        if cursor is None:
            window = stages.pull.backfill(until)
        else:
            window = stages.pull.window(cursor.ts + timedelta(milliseconds=1), until)
        self._pages(stages, window, now)
        stages.flush(now)  # every pulled contact's memory is saved before the revisit
        if not self._stop.is_set():
            self._pages(stages, stages.pull.due(now), now)
            stages.flush(now)
        if not self._stop.is_set():
            stages.rules_change.walk(
                lambda records: self._pages(stages, [Page(records, None, current=True)], now),
                lambda: self._settle(stages, now),
            )
        self._commit(stages.tracker)
        if not self._stop.is_set():
            stages.handoff.finish(now)

    def _pages(self, stages: Stages, pages: Iterable[Page], now: datetime) -> None:
        for page in pages:
            seq = stages.tracker.open_page(page.checkpoint)
            stages.pulled += len(page.records)
            if page.records:
                if page.current:
                    stages.fresh.trust((r.id for r in page.records), read_at=page.read_at)
                stages.know_stage_order(page.records)
                stages.tracker.hold(seq, len(page.records))
                stages.score.take(seq, page.records)
                stages.process(stages.score.score_ready(), now)
            self._commit(stages.tracker)
            if self._stop.is_set():
                break

    def _settle(self, stages: Stages, now: datetime) -> None:
        """Finish every write fed so far (a rules-change walk saves its position after)."""
        stages.flush(now)
        if not self._fence.renew():
            raise LeaseLost("lost the portal's lease to another worker; stopping this run")

    def _commit(self, tracker: CheckpointTracker, *, backfill_done: bool = True) -> None:
        """Move the cursor to the newest checkpoint whose contacts are all written."""
        point = tracker.committable()
        if isinstance(point, BackfillPosition):
            # A backfill reads by id: its position, not a cursor, is what is safe to keep.
            if not self._fence.renew():
                raise LeaseLost("lost the portal's lease to another worker; stopping this run")
            save_position(self._store, self._opt.portal, point)
            return
        if point is None or (self._cursor_after is not None and point <= self._cursor_after):
            return
        stamp = _ms(self._clock())
        if not self._fence.renew():
            raise LeaseLost("lost the portal's lease to another worker; stopping this run")
        cursor = Cursor(ts=point, backfill_done=backfill_done, updated_at=stamp)
        self._store.save_cursor(self._opt.portal, cursor)
        self._cursor_after = point

    def _summary(
        self,
        stages: Stages,
        now: datetime,
        began: float,
        status: str,
        error: ConnectorError | None,
    ) -> dict[str, Any]:
        stats = self._port.stats()
        writer, handoffs = stages.writer, stages.handoff.counts()
        cursor = self._cursor_after
        lag = (now - cursor).total_seconds() if cursor else None
        summary: dict[str, Any] = {
            "status": status,
            "dry_run": self._opt.dry_run,
            "pulled": stages.pulled,
            "scored": stages.score.scored,
            **stages.score.counts(),
            "changed": writer.changed,
            "written": writer.written,
            "failed": writer.failed,
            "unchanged": writer.unchanged,
            "companies_read": stages.companies.reads,
            "api_calls": stats.total_calls,
            "api_calls_by_endpoint": dict(stats.calls_by_endpoint),
            "api_calls_by_status": dict(stats.calls_by_status),
            # The cross product is what /metrics serves (connector_hubspot_calls_total).
            "api_calls_by_endpoint_status": {
                endpoint: dict(statuses)
                for endpoint, statuses in stats.calls_by_endpoint_status.items()
            },
            "retries": stats.retries,
            "rate_limited": stats.rate_limited,
            "duration_seconds": round(time.monotonic() - began, 3),
            "cursor": cursor.isoformat() if cursor else None,
            "cursor_lag_seconds": round(lag, 3) if lag is not None else None,
            **stages.pull.counts(),
            "handoffs_unassigned": handoffs.unassigned,
            "handoffs_planned": handoffs.planned,
            "handoffs_created": handoffs.created,
            "handoffs_escalated": handoffs.escalated,
            "handoffs_withdrawn": handoffs.withdrawn,
            "handoffs_parked": handoffs.parked,
            "handoffs_waiting": handoffs.waiting,
            "handoffs_association_dropped": handoffs.associations_dropped,
            **stages.fresh.counts(),
            "stage_order_read": stages.order_read,
            "handoff_capacity": stages.handoff.capacity(now),
            **stages.rules_change.summary(),
            **(stages.lag.summary() if stages.lag is not None else {}),
        }
        if stages.pull.backfill_method:
            summary["backfill_method"] = stages.pull.backfill_method
        if error is not None:
            summary["error"] = f"{type(error).__name__}: {error}"
        return summary

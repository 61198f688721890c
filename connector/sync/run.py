"""One sync run: pull the window, score, write back, re-score what decay changed, retry dead
letters, commit the cursor, record the run. The only place that sequences those steps."""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from connector.errors import AuthError, ConfigError, ConnectorError
from connector.hubspot.models import CrmRecord
from connector.logging import get_logger
from connector.rules import RuleSet
from connector.state import Cursor, StateStore
from connector.sync.backfill import BackfillMethod, choose_backfill
from connector.sync.pipeline import BATCH_MAX, ChangeRow, DecisionHook, Pipeline
from connector.sync.ports import HubSpotPort
from connector.sync.progress import Progress
from connector.sync.properties import ScoreProperties
from connector.sync.pull import ModifiedContactsPull

#: Where a first run starts: before HubSpot existed, so every contact is in the window.
EPOCH = datetime(2000, 1, 1, tzinfo=UTC)
#: How long a worker's hold on a portal lasts without renewal; renewed at every commit (every
#: page), so only a dead or stuck worker lets it lapse and another worker takes the portal over.
LEASE_TTL = timedelta(minutes=5)
#: At most this many decay re-scores and dead-letter retries per run, to keep runs bounded.
RESCORE_LIMIT = 20_000
DEAD_LETTER_LIMIT = 2_000

log = get_logger(__name__)


@dataclass(frozen=True, slots=True)
class SyncOptions:
    portal: str
    names: ScoreProperties
    lag: timedelta
    dry_run: bool = False
    write_threads: int = 2
    backfill: str = "auto"  # auto | search | list
    burst_per_second: float = 10.0
    search_per_second: float = 5.0


@dataclass(slots=True)
class RunResult:
    run_id: int | None
    status: str
    summary: dict[str, Any]
    changes: list[ChangeRow] = field(default_factory=list)
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


def _chunks(ids: Sequence[str], size: int) -> Iterator[list[str]]:
    for start in range(0, len(ids), size):
        yield list(ids[start : start + size])


class SyncRun:
    """Runs once; `stop` (e.g. set by SIGTERM) ends it after the current page, committed."""

    def __init__(
        self,
        *,
        port: HubSpotPort,
        store: StateStore,
        rules: RuleSet,
        options: SyncOptions,
        clock: Callable[[], datetime],
        stop: threading.Event | None = None,
        on_decisions: DecisionHook | None = None,
        after_writes: Callable[[datetime], Mapping[str, int]] | None = None,
        between_pages: Callable[[datetime], None] | None = None,
    ) -> None:
        self._port = port
        self._store = store
        self._rules = rules
        self._opt = options
        self._clock = clock
        self._stop = stop or threading.Event()
        self._on_decisions = on_decisions
        self._after_writes = after_writes
        self._between_pages = between_pages
        self._cursor_after: datetime | None = None
        self._backfill_method: str | None = None
        self._worker = f"{socket.gethostname()}:{os.getpid()}:{id(self):x}"
        self._extra_counts: dict[str, int] = {}

    def execute(self) -> RunResult:
        now = _ms(self._clock())
        opt = self._opt
        # Several workers may share one PostgreSQL state store: one portal, one worker at a time.
        if not self._take_lease(now):
            holder = self._store.lease_holder(opt.portal)
            until = holder.expires_at.isoformat(timespec="seconds") if holder else "?"
            reason = (
                f"another worker ({holder.worker_id if holder else '?'}) holds it until {until}"
            )
            log.info("sync_run_skipped", portal=opt.portal, reason=reason)
            return RunResult(None, "skipped", {"status": "skipped", "reason": reason})
        try:
            # Runs left "running" by a killed process are ours to close while we hold the lease.
            self._store.interrupt_unfinished_runs(opt.portal, finished_at=now)
            return self._execute(now)
        finally:
            self._store.release_lease(opt.portal, self._worker)

    def _take_lease(self, now: datetime) -> bool:
        portal = self._opt.portal
        if self._store.acquire_lease(portal, worker_id=self._worker, now=now, ttl=LEASE_TTL):
            return True
        holder = self._store.lease_holder(portal)
        if holder is None or not _dead_local_process(holder.worker_id):
            return False
        # A process on this host that was killed (SIGKILL, OOM) cannot renew or release: take
        # its portal over at once instead of waiting for the lease to lapse.
        log.warning("lease_taken_from_dead_worker", portal=portal, worker=holder.worker_id)
        self._store.release_lease(portal, holder.worker_id)
        return self._store.acquire_lease(portal, worker_id=self._worker, now=now, ttl=LEASE_TTL)

    def _execute(self, now: datetime) -> RunResult:
        began = time.monotonic()
        opt = self._opt
        self._port.reset_stats()  # a long-running worker reuses the gateway across runs
        run_id = self._store.start_run(opt.portal, started_at=now, dry_run=opt.dry_run)
        cursor = self._store.get_cursor(opt.portal)
        self._cursor_after = cursor.ts if cursor else None
        until = now - opt.lag
        properties = sorted(set(self._rules.contact_properties) | set(opt.names.all()))
        pipeline = Pipeline(
            port=self._port,
            store=self._store,
            rules=self._rules,
            names=opt.names,
            portal=opt.portal,
            now=now,
            dry_run=opt.dry_run,
            write_threads=opt.write_threads,
            on_decisions=self._on_decisions,
            dead_letters_exist=self._store.count_dead_letters(opt.portal) > 0,
        )
        status, error = "ok", None
        pull_stats: dict[str, int] = {}
        try:
            if cursor is None:
                pull_stats = self._backfill(pipeline, properties, until, now)
            else:
                pull_stats = self._incremental(pipeline, properties, cursor.ts, until, now)
            if not self._stop.is_set():
                pipeline.flush()  # every pulled contact's memory is saved before revisiting
                self._revisit(pipeline, properties, now)
            pipeline.flush()
            self._commit(pipeline, backfill_done=True)
            if self._after_writes is not None and not self._stop.is_set():
                self._extra_counts.update(self._after_writes(now))
            if self._stop.is_set():
                status = "interrupted"
        except ConnectorError as exc:
            status, error = "failed", exc
            try:
                pipeline.flush()
                self._commit(pipeline, backfill_done=cursor is not None)
            except ConnectorError:
                pass  # the cursor stays at the last point known to be fully written
        finally:
            pipeline.close()
        summary = self._summary(pipeline, pull_stats, now, began, status, error)
        self._store.finish_run(
            run_id, finished_at=_ms(self._clock()), status=status, summary=summary
        )
        log.info("sync_run_finished", run_id=run_id, **summary)
        if isinstance(error, ConfigError | AuthError):
            # Recorded in the run history, and still a configuration problem for the caller.
            raise error
        return RunResult(run_id, status, summary, pipeline.changes, error)

    # -- pulling ---------------------------------------------------------------------------------

    def _incremental(
        self,
        pipeline: Pipeline,
        properties: list[str],
        cursor_ts: datetime,
        until: datetime,
        now: datetime,
    ) -> dict[str, int]:
        pull = ModifiedContactsPull(
            self._port,
            since=cursor_ts + timedelta(milliseconds=1),
            until=until,
            properties=properties,
        )
        progress: Progress | None = None
        for page in pull:
            if progress is None:
                progress = Progress(label="sync", total=page.total_hint)
            pipeline.feed(page.records, page.checkpoint)
            progress.advance(len(page.records))
            self._commit(pipeline, backfill_done=True)
            self._after_page(now)
            if self._stop.is_set():
                break
        if progress is not None:
            progress.finish()
        return {
            "search_calls": pull.stats.search_calls,
            "dropped_outside_window": pull.stats.dropped_outside_window,
            "boundary_duplicates": pull.stats.duplicates_dropped,
            "millisecond_drains": pull.stats.drains,
        }

    def _backfill(
        self, pipeline: Pipeline, properties: list[str], until: datetime, now: datetime
    ) -> dict[str, int]:
        method = self._opt.backfill
        if method == "auto":
            # One search call with limit 1 tells the portal's size for the arithmetic.
            probe = self._port.search_contacts_modified(
                since=EPOCH, until=until, properties=["hs_object_id"], limit=1
            )
            estimate = choose_backfill(
                contacts=probe.total,
                write_share=1.0,
                burst_per_second=self._opt.burst_per_second,
                search_per_second=self._opt.search_per_second,
            )
            method = estimate.method.value
        self._backfill_method = method
        if method == BackfillMethod.SEARCH.value:
            stats = self._incremental(
                pipeline, properties, EPOCH - timedelta(milliseconds=1), until, now
            )
            return stats
        progress = Progress(label="backfill", total=None)
        after: str | None = None
        calls = 0
        while not self._stop.is_set():
            page = self._port.list_contacts(properties=properties, after=after)
            calls += 1
            # List pages carry no time order, so no page moves the cursor; the end of the
            # list does: everything modified before `until` was on it.
            records = [r for r in page.results if r.updated_at is None or r.updated_at <= until]
            pipeline.feed(records, None)
            progress.advance(len(records))
            self._after_page(now)
            if page.next_after is None:
                pipeline.feed([], until)
                break
            after = page.next_after
        progress.finish()
        return {"list_calls": calls}

    def _revisit(self, pipeline: Pipeline, properties: list[str], now: datetime) -> None:
        """Contacts whose score changes with time alone, and records HubSpot rejected before."""
        due = self._store.due_for_rescore(self._opt.portal, now=now, limit=RESCORE_LIMIT)
        letters = self._store.due_dead_letters(self._opt.portal, now=now, limit=DEAD_LETTER_LIMIT)
        ids = list(dict.fromkeys([*due, *(d.contact_id for d in letters)]))
        # Contacts this run already scored (modified and due at once) are not scored twice.
        scored_now = {
            cid
            for cid, m in self._store.get_memory(self._opt.portal, ids).items()
            if m.scored_at >= now
        }
        ids = [i for i in ids if i not in scored_now and i not in pipeline.changed_ids]
        for chunk in _chunks(ids, BATCH_MAX):
            if self._stop.is_set():
                return
            records: list[CrmRecord] = self._port.read_contacts(chunk, properties)
            found = {r.id for r in records}
            gone = [i for i in chunk if i not in found]
            if gone and not self._opt.dry_run:
                # Deleted or merged in HubSpot: nothing left to score.
                self._store.resolve_dead_letters(self._opt.portal, gone)
                self._store.forget_memory(self._opt.portal, gone)
            pipeline.feed(records, None)
            self._after_page(now)

    # -- bookkeeping -----------------------------------------------------------------------------

    def _after_page(self, now: datetime) -> None:
        if self._between_pages is not None and not self._stop.is_set():
            self._between_pages(now)

    def _commit(self, pipeline: Pipeline, *, backfill_done: bool) -> None:
        point = pipeline.tracker.committable()
        if point is None or self._opt.dry_run:
            return
        if self._cursor_after is not None and point <= self._cursor_after:
            return
        stamp = _ms(self._clock())
        if not self._store.renew_lease(
            self._opt.portal, worker_id=self._worker, now=stamp, ttl=LEASE_TTL
        ):
            raise ConnectorError("lost the portal's lease to another worker; stopping this run")
        self._store.save_cursor(
            self._opt.portal, Cursor(ts=point, backfill_done=backfill_done, updated_at=stamp)
        )
        self._cursor_after = point

    def _summary(
        self,
        pipeline: Pipeline,
        pull_stats: dict[str, int],
        now: datetime,
        began: float,
        status: str,
        error: ConnectorError | None,
    ) -> dict[str, Any]:
        stats = self._port.stats()
        counters = pipeline.counters
        lag = (now - self._cursor_after).total_seconds() if self._cursor_after else None
        summary: dict[str, Any] = {
            "status": status,
            "dry_run": self._opt.dry_run,
            "pulled": counters.pulled,
            "scored": counters.scored,
            "changed": counters.changed,
            "written": counters.written,
            "failed": counters.failed,
            "unchanged": counters.unchanged,
            "companies_read": counters.companies_read,
            "api_calls": stats.total_calls,
            "api_calls_by_endpoint": dict(stats.calls_by_endpoint),
            "api_calls_by_status": dict(stats.calls_by_status),
            "retries": stats.retries,
            "rate_limited": stats.rate_limited,
            "duration_seconds": round(time.monotonic() - began, 3),
            "cursor": self._cursor_after.isoformat() if self._cursor_after else None,
            "cursor_lag_seconds": round(lag, 3) if lag is not None else None,
            **pull_stats,
            **self._extra_counts,
        }
        if self._backfill_method:
            summary["backfill_method"] = self._backfill_method
        if error is not None:
            summary["error"] = f"{type(error).__name__}: {error}"
        return summary

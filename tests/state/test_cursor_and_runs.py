from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from connector.state import Cursor, StateStore

T0 = datetime(2026, 3, 1, 12, 0, 0, 123_456, tzinfo=UTC)


def test_no_cursor_before_first_save(store: StateStore) -> None:
    assert store.get_cursor("p1") is None


def test_cursor_round_trips_exactly_to_the_microsecond(store: StateStore) -> None:
    store.save_cursor("p1", Cursor(ts=T0, backfill_done=False, updated_at=T0))
    got = store.get_cursor("p1")
    assert got == Cursor(ts=T0, backfill_done=False, updated_at=T0)
    assert got is not None and got.ts.tzinfo is UTC


def test_cursor_moves_forward_and_may_stay(store: StateStore) -> None:
    store.save_cursor("p1", Cursor(ts=T0, backfill_done=False, updated_at=T0))
    later = T0 + timedelta(milliseconds=1)
    store.save_cursor("p1", Cursor(ts=later, backfill_done=False, updated_at=later))
    # Same ts again (nothing new this run) is allowed and may flip backfill_done.
    store.save_cursor("p1", Cursor(ts=later, backfill_done=True, updated_at=later))
    assert store.get_cursor("p1") == Cursor(ts=later, backfill_done=True, updated_at=later)


def test_cursor_never_moves_backwards(store: StateStore) -> None:
    store.save_cursor("p1", Cursor(ts=T0, backfill_done=True, updated_at=T0))
    earlier = T0 - timedelta(microseconds=1)
    with pytest.raises(ValueError, match="backwards"):
        store.save_cursor("p1", Cursor(ts=earlier, backfill_done=True, updated_at=T0))
    assert store.get_cursor("p1") == Cursor(ts=T0, backfill_done=True, updated_at=T0)


def test_cursors_are_per_portal(store: StateStore) -> None:
    store.save_cursor("p1", Cursor(ts=T0, backfill_done=True, updated_at=T0))
    earlier = T0 - timedelta(days=1)
    store.save_cursor("p2", Cursor(ts=earlier, backfill_done=False, updated_at=T0))
    assert store.get_cursor("p2") == Cursor(ts=earlier, backfill_done=False, updated_at=T0)
    assert store.get_cursor("p1") == Cursor(ts=T0, backfill_done=True, updated_at=T0)


def test_other_time_zones_are_stored_as_utc(store: StateStore) -> None:
    paris = timezone(timedelta(hours=1))
    local = datetime(2026, 3, 1, 13, 0, 0, 123_456, tzinfo=paris)
    store.save_cursor("p1", Cursor(ts=local, backfill_done=False, updated_at=local))
    got = store.get_cursor("p1")
    assert got is not None
    assert got.ts == T0 and got.ts.utcoffset() == timedelta(0)


def test_naive_datetimes_are_refused(store: StateStore) -> None:
    naive = datetime(2026, 3, 1, 12, 0)
    with pytest.raises(Exception, match="naive datetime"):
        store.save_cursor("p1", Cursor(ts=naive, backfill_done=False, updated_at=naive))
    assert store.get_cursor("p1") is None


def test_run_lifecycle(store: StateStore) -> None:
    run_id = store.start_run("p1", started_at=T0, dry_run=True)
    (running,) = store.recent_runs("p1", 10)
    assert (running.id, running.status, running.finished_at, running.dry_run) == (
        run_id,
        "running",
        None,
        True,
    )
    summary = {"pulled": 10, "written": 7, "calls": {"search": 1}, "lag_s": 1.5}
    store.finish_run(run_id, finished_at=T0 + timedelta(seconds=3), status="ok", summary=summary)
    (done,) = store.recent_runs("p1", 10)
    assert done.status == "ok"
    assert done.finished_at == T0 + timedelta(seconds=3)
    assert dict(done.summary) == summary


def test_recent_runs_newest_first_limited_and_per_portal(store: StateStore) -> None:
    ids = [
        store.start_run("p1", started_at=T0 + timedelta(minutes=i), dry_run=False) for i in range(5)
    ]
    store.start_run("p2", started_at=T0 + timedelta(hours=1), dry_run=False)
    runs = store.recent_runs("p1", 3)
    assert [r.id for r in runs] == ids[::-1][:3]
    assert all(r.portal == "p1" for r in runs)


def test_finish_run_rejects_unknown_status_and_id(store: StateStore) -> None:
    run_id = store.start_run("p1", started_at=T0, dry_run=False)
    with pytest.raises(ValueError, match="status"):
        store.finish_run(run_id, finished_at=T0, status="running", summary={})
    with pytest.raises(KeyError):
        store.finish_run(run_id + 1000, finished_at=T0, status="ok", summary={})


def test_interrupt_unfinished_runs(store: StateStore) -> None:
    dead = store.start_run("p1", started_at=T0, dry_run=False)
    ok = store.start_run("p1", started_at=T0 + timedelta(minutes=1), dry_run=False)
    store.finish_run(ok, finished_at=T0 + timedelta(minutes=2), status="ok", summary={})
    other = store.start_run("p2", started_at=T0, dry_run=False)
    assert store.interrupt_unfinished_runs("p1", finished_at=T0 + timedelta(hours=1)) == 1
    by_id = {r.id: r for r in store.recent_runs("p1", 10)}
    assert by_id[dead].status == "interrupted"
    assert by_id[dead].finished_at == T0 + timedelta(hours=1)
    assert by_id[ok].status == "ok"
    assert store.recent_runs("p2", 1)[0].id == other
    assert store.recent_runs("p2", 1)[0].status == "running"


def test_run_summary_stores_datetimes_durations_and_sets(store: StateStore) -> None:
    run_id = store.start_run("p1", started_at=T0, dry_run=False)
    summary = {
        "cursor": T0,
        "duration": timedelta(seconds=2.5),
        "endpoints": {"search", "batch_update"},
        "nested": {"lag": timedelta(minutes=5)},
    }
    store.finish_run(run_id, finished_at=T0, status="failed", summary=summary)
    (run,) = store.recent_runs("p1", 1)
    assert run.status == "failed"
    assert dict(run.summary) == {
        "cursor": T0.isoformat(),
        "duration": 2.5,
        "endpoints": ["batch_update", "search"],
        "nested": {"lag": 300.0},
    }

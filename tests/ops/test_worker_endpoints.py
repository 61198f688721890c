"""`connector run`'s endpoints after real runs on the sandbox: /metrics counts exactly what the run
summaries say, /healthz answers, /readyz follows the state store and the last run."""

from __future__ import annotations

import shutil
from collections import Counter
from typing import Any

import pytest

from connector.sandbox import FaultConfig
from connector.sync.run import RunResult, SyncRun
from tests.conftest import MakeSandbox
from tests.ops.conftest import RunningWorker, get, samples


def _one(page: dict[Any, float], name: str, **labels: str) -> float:
    return page[(name, frozenset(labels.items()))]


def _calls(page: dict[Any, float]) -> dict[tuple[str, str], float]:
    return {
        (dict(labels)["endpoint"], dict(labels)["status"]): value
        for (name, labels), value in page.items()
        if name == "connector_hubspot_calls_total"
    }


def test_metrics_counters_equal_the_sum_of_the_run_summaries(
    make_sandbox: MakeSandbox, make_worker: Any
) -> None:
    # Some records HubSpot refuses: failed writes and dead letters are not all zero.
    sandbox = make_sandbox(contacts=400, seed=31)
    sandbox.configure_faults(FaultConfig(seed=31, reject_record_rate=0.05))
    running: RunningWorker = make_worker(sandbox)
    first = running.worker.run_once()
    second = running.worker.run_once()
    assert first is not None and second is not None
    assert (first.status, second.status) == ("ok", "ok")

    store = running.services.store
    stored = {r.id: dict(r.summary) for r in store.recent_runs("default", 5)}
    summaries = [stored[first.run_id], stored[second.run_id]]  # what `status --json` shows
    assert summaries[0]["failed"] > 0

    page = samples(get(running.port, "/metrics").body)

    def total(key: str) -> int:
        return sum(int(s[key]) for s in summaries)

    assert _one(page, "connector_runs_total", outcome="ok") == 2
    assert _one(page, "connector_runs_total", outcome="failed") == 0
    for metric, key in [
        ("connector_contacts_pulled_total", "pulled"),
        ("connector_contacts_scored_total", "scored"),
        ("connector_contacts_written_total", "written"),
        ("connector_contacts_failed_total", "failed"),
        ("connector_hubspot_rate_limited_total", "rate_limited"),
        ("connector_hubspot_retries_total", "retries"),
        ("connector_handoffs_created_total", "handoffs_created"),
        ("connector_handoffs_breached_total", "handoffs_escalated"),
    ]:
        assert _one(page, metric) == total(key), metric
    assert total("pulled") >= 400 and total("written") > 0 and total("handoffs_created") > 0

    calls = _calls(page)
    by_endpoint: Counter[str] = Counter()
    by_status: Counter[str] = Counter()
    for s in summaries:
        by_endpoint.update(s["api_calls_by_endpoint"])
        by_status.update(s["api_calls_by_status"])
    endpoint_sums: Counter[str] = Counter()
    status_sums: Counter[str] = Counter()
    for (endpoint, status), value in calls.items():
        endpoint_sums[endpoint] += int(value)
        status_sums[status] += int(value)
    assert endpoint_sums == by_endpoint
    assert status_sums == by_status
    assert sum(calls.values()) == total("api_calls")
    assert calls[("contacts.search", "200")] > 0

    newest = summaries[-1]
    assert _one(page, "connector_cursor_lag_seconds") == newest["cursor_lag_seconds"]
    assert _one(page, "connector_dead_letters") == store.count_dead_letters("default") > 0
    assert _one(page, "connector_handoffs_queued", reason="parked") == newest["handoffs_parked"]
    finished = max(r.finished_at for r in store.recent_runs("default", 5) if r.finished_at)
    assert abs(_one(page, "connector_last_success_timestamp_seconds") - finished.timestamp()) < 5

    assert get(running.port, "/healthz").status == 200
    ready = get(running.port, "/readyz")
    assert ready.status == 200, ready.body
    assert ready.json()["ready"] is True
    assert get(running.port, "/nothing").status == 404


def test_readyz_is_503_after_a_failed_run_and_200_after_the_next_good_one(
    make_sandbox: MakeSandbox, make_worker: Any
) -> None:
    sandbox = make_sandbox(contacts=100, seed=32)
    running: RunningWorker = make_worker(sandbox)
    assert get(running.port, "/readyz").status == 200  # before any run: nothing failed yet

    # HubSpot answers every search with a 400: the run fails at once, HubSpot stays reachable.
    sandbox.configure_faults(
        FaultConfig(seed=32, error_rate=1.0, error_statuses=(400,), only_paths=("/search",))
    )
    failed = running.worker.run_once()
    assert failed is not None and failed.status == "failed"
    answer = get(running.port, "/readyz")
    assert answer.status == 503
    checks = answer.json()["checks"]
    assert checks["last_run"]["ok"] is False
    assert f"run {failed.run_id} failed" in checks["last_run"]["detail"]
    assert checks["state_store"]["ok"] is True
    assert checks["hubspot"]["ok"] is True
    assert get(running.port, "/healthz").status == 200  # alive: no reason to restart it
    page = samples(get(running.port, "/metrics").body)
    assert _one(page, "connector_runs_total", outcome="failed") == 1
    assert _one(page, "connector_last_success_timestamp_seconds") == 0

    sandbox.configure_faults(FaultConfig())
    good = running.worker.run_once()
    assert good is not None and good.status == "ok"
    assert get(running.port, "/readyz").status == 200


def test_readyz_is_503_while_the_state_store_is_down(
    make_sandbox: MakeSandbox, make_worker: Any
) -> None:
    sandbox = make_sandbox(contacts=50, seed=33)
    running: RunningWorker = make_worker(sandbox)
    result = running.worker.run_once()
    assert result is not None and result.status == "ok"
    assert get(running.port, "/readyz").status == 200

    # The database file goes away (a lost volume) and its pooled connections with it.
    state = running.state
    moved = state.with_name("moved.sqlite3")
    state.rename(moved)
    state.mkdir()
    running.services.store.engine.dispose()
    answer = get(running.port, "/readyz")
    assert answer.status == 503
    checks = answer.json()["checks"]
    assert checks["state_store"]["ok"] is False
    assert "state.sqlite3" in checks["state_store"]["detail"]
    assert get(running.port, "/healthz").status == 200
    assert get(running.port, "/metrics").status == 200  # the numbers stay readable

    shutil.rmtree(state)
    moved.rename(state)
    assert get(running.port, "/readyz").status == 200


def test_a_run_that_raises_counts_as_failed_and_makes_the_worker_not_ready(
    make_sandbox: MakeSandbox, make_worker: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    sandbox = make_sandbox(contacts=20, seed=38)
    running: RunningWorker = make_worker(sandbox)

    real_execute = SyncRun.execute

    def bug(self: SyncRun) -> RunResult:
        raise RuntimeError("a bug, not a HubSpot or configuration problem")

    monkeypatch.setattr(SyncRun, "execute", bug)
    with pytest.raises(RuntimeError):  # APScheduler logs it and keeps the schedule
        running.worker.run_once()
    answer = get(running.port, "/readyz")
    assert answer.status == 503
    assert answer.json()["checks"]["last_run"]["detail"] == "failed in this process (see the log)"
    page = samples(get(running.port, "/metrics").body)
    assert _one(page, "connector_runs_total", outcome="failed") == 1

    monkeypatch.setattr(SyncRun, "execute", real_execute)
    result = running.worker.run_once()
    assert result is not None and result.status == "ok"
    assert get(running.port, "/readyz").status == 200


def test_a_restarted_worker_reports_the_last_success_cursor_and_dead_letters_it_finds(
    make_sandbox: MakeSandbox, make_worker: Any
) -> None:
    sandbox = make_sandbox(contacts=200, seed=39)
    sandbox.configure_faults(FaultConfig(seed=39, reject_record_rate=0.05))
    first: RunningWorker = make_worker(sandbox)
    assert (result := first.worker.run_once()) is not None and result.status == "ok"
    first.server.stop()
    first.services.close()

    restarted: RunningWorker = make_worker(sandbox)  # same state store, a new process's metrics
    store = restarted.services.store
    (run,) = store.recent_runs("default", 5)
    cursor = store.get_cursor("default")
    assert run.finished_at is not None and cursor is not None
    page = samples(get(restarted.port, "/metrics").body)
    assert _one(page, "connector_last_success_timestamp_seconds") == run.finished_at.timestamp()
    assert _one(page, "connector_cursor_timestamp_seconds") == cursor.ts.timestamp()
    assert _one(page, "connector_dead_letters") == store.count_dead_letters("default") > 0
    assert _one(page, "connector_runs_total", outcome="ok") == 0  # counters are this process's

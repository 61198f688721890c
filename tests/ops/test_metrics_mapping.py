"""Which run-summary numbers each metric follows, on summaries shaped like a run's."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from prometheus_client.exposition import generate_latest

from connector.ops import WorkerMetrics
from tests.ops.conftest import samples

FINISHED = datetime(2026, 12, 4, 9, 30, tzinfo=UTC)


def _page(metrics: WorkerMetrics) -> dict[Any, float]:
    return samples(generate_latest(metrics.registry).decode("utf-8"))


def test_handoffs_waiting_come_from_the_run_and_its_capacity_section() -> None:
    metrics = WorkerMetrics()
    summary = {
        "handoffs_parked": 2,
        "handoffs_waiting": 1,
        "handoffs_unassigned": 4,
        "handoff_capacity": {"queued": 17, "backlog": 389, "run_capped": 9},
    }
    metrics.record_run("ok", summary, finished_at=FINISHED)
    queued = {
        dict(labels)["reason"]: value
        for (name, labels), value in _page(metrics).items()
        if name == "connector_handoffs_queued"
    }
    assert queued == {"parked": 2, "waiting": 1, "unassigned": 4, "queued": 17, "backlog": 389}


def test_a_run_without_a_capacity_section_claims_no_queue() -> None:
    metrics = WorkerMetrics()
    metrics.record_run("ok", {"handoffs_parked": 0}, finished_at=FINISHED)
    reasons = {
        dict(labels)["reason"]
        for (name, labels), _ in _page(metrics).items()
        if name == "connector_handoffs_queued"
    }
    assert reasons == {"parked"}


def test_a_skipped_run_counts_as_skipped_and_adds_no_numbers() -> None:
    metrics = WorkerMetrics()
    skipped = {"status": "skipped", "reason": "another worker holds it"}
    metrics.record_run("skipped", skipped, finished_at=FINISHED)
    page = _page(metrics)
    assert page[("connector_runs_total", frozenset({("outcome", "skipped")}))] == 1
    assert page[("connector_contacts_pulled_total", frozenset())] == 0
    assert page[("connector_last_success_timestamp_seconds", frozenset())] == 0
    assert metrics.last_outcome == "skipped"

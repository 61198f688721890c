"""End to end on the sandbox: a rep's edit that search does not show yet is never overwritten.

The sandbox's search lags writes by `search_lag_ms` on its own (frozen, movable) clock, so an
edit made after the contacts became searchable stays invisible to search for the whole test.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from connector.sandbox import Sandbox
from connector.sync.services import Services, build_run
from tests.conftest import MakeSandbox
from tests.sync.conftest import ready_services
from tests.sync.test_protected_stages import tasks_by_contact

LAG = timedelta(seconds=30)
START = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)  # a Wednesday: SDRs are at work


def lagging_portal(
    make_sandbox: MakeSandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> tuple[Sandbox, Services]:
    sandbox = make_sandbox(
        contacts=800, seed=3, search_lag_ms=int(LAG.total_seconds() * 1000), now=START
    )
    sandbox.clock.advance(LAG + timedelta(seconds=1))  # the seeded contacts are searchable
    return sandbox, ready_services(sandbox, tmp_path / "state.sqlite3", monkeypatch)


def test_a_reps_status_set_in_the_search_lag_window_survives(
    make_sandbox: MakeSandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sandbox, services = lagging_portal(make_sandbox, tmp_path, monkeypatch)
    preview = build_run(services, dry_run=True, clock=sandbox.clock.now).execute()
    targets = sorted({c.record_id for c in preview.changes if c.property == "hs_lead_status"})
    assert len(targets) >= 20, len(targets)
    # A rep works these contacts now; search keeps showing their old (empty) status.
    reps = {cid: ("CONNECTED", "IN_PROGRESS")[i % 2] for i, cid in enumerate(targets)}
    for cid, status in reps.items():
        sandbox.store.update("contacts", cid, {"hs_lead_status": status})

    result = build_run(services, dry_run=False, clock=sandbox.clock.now).execute()
    services.close()

    assert result.status == "ok", result.summary.get("error")
    for cid, status in reps.items():
        contact = sandbox.store.get("contacts", cid) or {}
        assert contact.get("hs_lead_status") == status, cid
        assert contact.get("qualification_score"), cid  # the score is written all the same
    assert result.summary["people_writes_skipped"] >= len(targets)
    assert not tasks_by_contact(sandbox) & set(targets)  # a rep works them: no SDR task


def test_a_contact_a_rep_just_moved_to_opportunity_gets_no_task_status_or_owner(
    make_sandbox: MakeSandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sandbox, services = lagging_portal(make_sandbox, tmp_path, monkeypatch)
    preview = build_run(services, dry_run=True, clock=sandbox.clock.now).execute()
    targets = sorted({c.record_id for c in preview.changes if c.action == "create task"})
    assert len(targets) >= 10, len(targets)
    for cid in targets:
        sandbox.store.update("contacts", cid, {"lifecyclestage": ""})
        sandbox.store.update("contacts", cid, {"lifecyclestage": "opportunity"})
    before = {cid: dict(sandbox.store.get("contacts", cid) or {}) for cid in targets}

    result = build_run(services, dry_run=False, clock=sandbox.clock.now).execute()
    services.close()

    assert result.status == "ok", result.summary.get("error")
    assert not tasks_by_contact(sandbox) & set(targets)
    for cid in targets:
        after = sandbox.store.get("contacts", cid) or {}
        for name in ("lifecyclestage", "hs_lead_status", "hubspot_owner_id"):
            assert after.get(name) == before[cid].get(name), (cid, name)


def test_fresh_reads_cost_under_5_percent_of_a_first_run_and_nothing_when_idle(
    make_sandbox: MakeSandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sandbox = make_sandbox(contacts=2000, seed=1)
    services = ready_services(sandbox, tmp_path / "state.sqlite3", monkeypatch)
    first = build_run(services, dry_run=False, clock=lambda: datetime.now(UTC)).execute()
    assert first.status == "ok", first.summary.get("error")
    reads = first.summary["fresh_read_calls"]
    assert 0 < reads < 0.05 * first.summary["api_calls"], first.summary
    assert first.summary["people_writes_skipped"] == 0  # nobody edits: nothing is skipped
    # A run with nothing changed since: no fresh read, no read of the stage order.
    # The first run's own writes echo once (they modified the contacts); the run after is idle.
    for minutes in (1, 2):
        later = datetime.now(UTC) + timedelta(minutes=minutes)
        idle = build_run(services, dry_run=False, clock=_at(later)).execute()
    services.close()
    assert idle.summary["fresh_read_calls"] == 0
    assert idle.summary["stage_order_read"] is False
    assert idle.summary["api_calls"] == 1, idle.summary["api_calls_by_endpoint"]


def _at(instant: datetime) -> Callable[[], datetime]:
    return lambda: instant

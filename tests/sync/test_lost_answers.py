"""Task creation survives lost answers, end to end on the sandbox (issue 12, failure 4).

- a create that times out while HubSpot completes it late, then an immediate rerun: one task
  per handoff;
- a 502 on the create (before or after HubSpot applied it): the run finishes, and the task is
  created exactly once, on a later run;
- a company association HubSpot refuses (the company is gone): the task is created without it.

The sandbox holds "late" requests until the test releases them, so no test waits on real time
beyond the connector's short read timeout.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from connector.sandbox import FaultConfig, Sandbox
from connector.sync.handoff.create import RECOVERY_MIN_AGE
from connector.sync.run import RunResult
from connector.sync.services import Services, build_run
from tests.conftest import MakeSandbox
from tests.sync.conftest import ready_services
from tests.sync.test_handoff_e2e import assert_exactly_one_task_per_handoff, handoff_tasks, proofs

TASKS_CREATE = ("/crm/v3/objects/tasks/batch/create",)


def _services(sandbox: Sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Services:
    # A lost answer costs one read timeout; keep it short (the sandbox answers in ms).
    monkeypatch.setenv("CONNECTOR_READ_TIMEOUT", "0.5")
    return ready_services(sandbox, tmp_path / "state.sqlite3", monkeypatch)


def _run(services: Services, at: datetime) -> dict[str, Any]:
    result = build_run(services, dry_run=False, clock=lambda: at).execute()
    assert result.status == "ok", result.summary.get("error")
    return dict(result.summary)


def test_a_create_completed_late_then_an_immediate_rerun_leaves_one_task_per_handoff(
    make_sandbox: MakeSandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sandbox = make_sandbox(contacts=500, seed=7)
    services = _services(sandbox, tmp_path, monkeypatch)
    sandbox.configure_faults(FaultConfig(late_rate=1.0, stall_seconds=60, only_paths=TASKS_CREATE))
    now = datetime.now(UTC)

    def run(at: datetime) -> RunResult:
        return build_run(services, dry_run=False, clock=lambda: at).execute()

    first = run(now)  # every create times out; HubSpot holds them
    assert not handoff_tasks(sandbox)
    rerun = run(now)  # the immediate rerun: the first creates have not landed yet
    assert sandbox.release_late_requests() >= 1  # ...and now HubSpot completes them, late
    sandbox.faults.clear()
    last = run(now + RECOVERY_MIN_AGE + timedelta(minutes=1))
    services.close()

    # One task per handoff first (today's code makes two), then: no run failed over it.
    planned = first.summary["handoffs_planned"]
    assert assert_exactly_one_task_per_handoff(sandbox) == planned > 0
    assert [first.status, rerun.status, last.status] == ["ok", "ok", "ok"]


@pytest.mark.parametrize("applied", [False, True], ids=["502-nothing-done", "502-after-the-write"])
def test_a_502_on_task_create_finishes_the_run_and_creates_each_task_once(
    make_sandbox: MakeSandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, applied: bool
) -> None:
    sandbox = make_sandbox(contacts=500, seed=8)
    services = _services(sandbox, tmp_path, monkeypatch)
    sandbox.configure_faults(
        FaultConfig(
            error_rate=1.0,
            error_statuses=(502,),
            error_after_write=applied,
            only_paths=TASKS_CREATE,
        )
    )
    now = datetime.now(UTC)

    first = _run(services, now)  # finishes: the 502 parks the handoffs
    assert first["handoffs_planned"] and first["handoffs_created"] == 0
    assert first["handoffs_parked"] == first["handoffs_planned"]
    assert all(p.task_id is None for p in proofs(sandbox).values())
    sandbox.faults.clear()
    # Too soon to create again: the create may still land. Tasks HubSpot did make are found
    # through the contacts' associations and recorded (counted as created by this run).
    again = _run(services, now + timedelta(minutes=1))
    assert again["handoffs_created"] == (first["handoffs_planned"] if applied else 0)
    assert again["handoffs_waiting"] == (0 if applied else first["handoffs_planned"])
    assert max(handoff_tasks(sandbox).values(), default=1) == 1
    later = _run(services, now + RECOVERY_MIN_AGE + timedelta(minutes=1))
    services.close()

    assert again["handoffs_created"] + later["handoffs_created"] == first["handoffs_planned"]
    assert assert_exactly_one_task_per_handoff(sandbox) == first["handoffs_planned"]


def test_a_refused_company_association_creates_the_task_without_it(
    make_sandbox: MakeSandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sandbox = make_sandbox(contacts=500, seed=9)
    services = _services(sandbox, tmp_path, monkeypatch)
    # Point every contact at companies that do not exist (deleted): HubSpot refuses the link.
    for cid in sandbox.store.all_ids("contacts"):
        sandbox.store.update("contacts", cid, {"associatedcompanyid": str(900_000 + int(cid))})

    first = _run(services, datetime.now(UTC))
    services.close()

    assert first["handoffs_created"] == first["handoffs_planned"] > 0
    assert first["handoffs_association_dropped"] == first["handoffs_created"]
    assert assert_exactly_one_task_per_handoff(sandbox) == first["handoffs_planned"]
    for task_id in sandbox.store.all_ids("tasks"):
        body = (sandbox.store.get("tasks", task_id) or {}).get("hs_task_body") or ""
        assert "refused the association with company" in body
        assert not sandbox.store.associations("tasks", task_id, "companies")

"""Decay without edits, the scheduler's graceful stop, and setup's idempotency."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from connector.state import StateStore
from connector.sync.backfill import load_position
from connector.sync.services import build_run
from tests.conftest import MakeSandbox
from tests.sync.conftest import REPO, ready_services


def test_scores_that_change_with_time_alone_are_rescored_when_due(
    make_sandbox: MakeSandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sandbox = make_sandbox(contacts=600, seed=8)
    services = ready_services(sandbox, tmp_path / "state.sqlite3", monkeypatch)
    now = datetime.now(UTC)
    build_run(services, dry_run=False, clock=lambda: now).execute()
    memory = services.store.get_memory("default", sandbox.store.all_ids("contacts"))
    scheduled = sorted(m.rescore_at for m in memory.values() if m.rescore_at is not None)
    assert scheduled, "the default rules decay engagement, so some contacts must be scheduled"
    # The run's own writes modified those contacts: one more run reads them back (unchanged,
    # so it writes nothing). From then on nobody edits anything.
    settled = sandbox.clock.now() + timedelta(milliseconds=5)  # after every write's stamp
    echo = build_run(services, dry_run=False, clock=lambda: settled).execute()
    assert echo.summary["written"] == 0
    later = scheduled[len(scheduled) // 2] + timedelta(seconds=1)
    assert later > settled
    due = {cid for cid, m in memory.items() if m.rescore_at is not None and m.rescore_at <= later}
    before = {cid: sandbox.store.get("contacts", cid) for cid in due}
    sandbox.reset_counts()

    result = build_run(services, dry_run=False, clock=lambda: later).execute()

    summary = result.summary
    assert summary["pulled"] == len(due)  # read back by id: nothing was modified in HubSpot
    assert summary["search_calls"] == 1  # one empty search proves it; no portal rescan
    counts = sandbox.request_counts()
    reads = sum(n for (_, path, _), n in counts.items() if path.endswith("contacts/batch/read"))
    # The due contacts by id, 100 a call; and the breached handoffs' stages, read before
    # escalating (one call for every 100 breaches).
    escalation_reads = -(-summary["handoffs_escalated"] // 100)
    assert reads == -(-len(due) // 100) + escalation_reads
    changed = [
        cid
        for cid in due
        if (sandbox.store.get("contacts", cid) or {}).get("qualification_score")
        != (before[cid] or {}).get("qualification_score")
    ]
    assert changed, "decay must have lowered some scores"
    after = services.store.get_memory("default", list(due))
    assert all(
        after[cid].scored_at == later.replace(microsecond=later.microsecond // 1000 * 1000)
        for cid in due
    )
    services.close()


def test_setup_is_idempotent_and_reports_usage(
    make_sandbox: MakeSandbox, make_connector: Any
) -> None:
    sandbox = make_sandbox(contacts=50)
    connector = make_connector(sandbox)
    first = connector.run("setup")
    assert first.code == 0, first.err
    assert "created properties: qualification_score" in first.out
    assert "custom properties on contacts:" in first.out
    sandbox.reset_counts()

    second = connector.run("setup")

    assert second.code == 0
    assert "created properties" not in second.out
    assert "already present: qualification_score" in second.out
    writes = [k for k in sandbox.request_counts() if k[0] == "POST" and "properties" in k[1]]
    assert writes == []


@pytest.mark.slow
def test_run_stops_cleanly_on_sigterm(make_sandbox: MakeSandbox, tmp_path: Path) -> None:
    sandbox = make_sandbox(contacts=3_000, tier="professional")
    state = tmp_path / "state.sqlite3"
    env = {
        **os.environ,
        "HUBSPOT_BASE_URL": sandbox.base_url,
        "HUBSPOT_ACCESS_TOKEN": sandbox.token,
        "CONNECTOR_STATE_URL": f"sqlite:///{state}",
        "CONNECTOR_RULES_FILE": str(REPO / "config" / "rules.yaml"),
        "CONNECTOR_SLA_FILE": str(REPO / "config" / "sla.yaml"),
        "CONNECTOR_SEARCH_LAG_SECONDS": "0",
        "CONNECTOR_SYNC_INTERVAL_MINUTES": "1",
        "CONNECTOR_LOG_LEVEL": "WARNING",
    }
    setup = subprocess.run(
        [sys.executable, "-m", "connector", "setup"], env=env, cwd=REPO, capture_output=True
    )
    assert setup.returncode == 0, setup.stderr
    # SIGTERM arrives while the first run writes: after its second batch of scores.
    worker = subprocess.run(
        [sys.executable, "-m", "tests.sync.crash_child", "TERM", "score-write", "2", "run"],
        env=env,
        cwd=REPO,
        capture_output=True,
        timeout=120,
    )
    err = worker.stderr

    assert worker.returncode == 0, err.decode()
    store = StateStore.connect(f"sqlite:///{state}")
    runs = store.recent_runs("default", 5)
    position = load_position(store, "default")
    store.close()
    assert len(runs) == 1
    assert runs[0].status == "interrupted"
    assert runs[0].finished_at is not None
    # What was written before the stop is committed: the backfill's position (it reads by id).
    assert position is not None
    written = runs[0].summary["written"]
    assert 0 < written < 3_000
    scored = sum(
        1
        for cid in sandbox.store.all_ids("contacts")
        if (sandbox.store.get("contacts", cid) or {}).get("qualification_score")
    )
    assert scored == written  # nothing half-done: every write made is accounted for


def test_recycling_clears_then_sets_the_stage_in_two_requests(
    make_sandbox: MakeSandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sandbox = make_sandbox(contacts=1_500, seed=12)
    services = ready_services(sandbox, tmp_path / "state.sqlite3", monkeypatch)
    now = datetime.now(UTC)
    build_run(services, dry_run=False, clock=lambda: now).execute()
    mqls = [
        cid
        for cid in sandbox.store.all_ids("contacts")
        if (sandbox.store.get("contacts", cid) or {}).get("lifecyclestage")
        == "marketingqualifiedlead"
    ]
    memory = services.store.get_memory("default", mqls)
    below = [cid for cid in mqls if memory[cid].below_bar_since is not None]
    assert below, "the seeded portal has MQLs below the MQL bar"
    settled = sandbox.clock.now() + timedelta(milliseconds=5)  # after every write's stamp
    build_run(services, dry_run=False, clock=lambda: settled).execute()  # our own echoes
    sandbox.reset_counts()

    later = settled + timedelta(days=91)
    result = build_run(services, dry_run=False, clock=lambda: later).execute()

    assert result.status == "ok"
    recycled = [
        cid
        for cid in below
        if (sandbox.store.get("contacts", cid) or {}).get("lifecyclestage") == "lead"
    ]
    assert recycled, "MQLs 91 days below the bar go back to lead"
    updates = sum(
        n for (_, path, _), n in sandbox.request_counts().items() if path.endswith("batch/update")
    )
    assert updates >= 2  # the clear and the set are separate requests
    services.close()

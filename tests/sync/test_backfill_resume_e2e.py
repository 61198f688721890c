"""The split backfill through the sandbox: both halves read, a stopped backfill resumes from its
stored position, and a killed one still scores every contact on the next run.

The budgets' view is scripted (search "spent" after each search page, free after each list page)
so the halves take turns without any real waiting; everything else is the real gateway over HTTP.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from connector.hubspot import HubSpotGateway, LimiterSnapshot
from connector.sandbox import Sandbox
from connector.sync.backfill import load_position
from connector.sync.services import Services, build_run
from tests.conftest import MakeSandbox
from tests.sync.conftest import REPO, ready_services, sandbox_env

SCORE = "qualification_score"


def alternate_budgets(monkeypatch: pytest.MonkeyPatch, gateway: HubSpotGateway) -> None:
    """Report search's budget spent after each search page and free after each list page, with
    the 10-second budget free: the halves take turns whenever the run has taken every page
    (while pages wait, the list holds back and the walk looks again, so only the pace depends
    on the threads' timing, not which half reads what)."""
    spent = False
    search, listing = gateway.search_contacts_by_id, gateway.list_contacts

    def snapshot() -> LimiterSnapshot:
        return LimiterSnapshot(
            burst_capacity=190,
            burst_interval=10.0,
            burst_used=0,
            search_capacity=5,
            search_used=5 if spent else 0,
            daily_remaining=None,
            daily_blocked_until=None,
            burst_delay=0.0,
            search_delay=0.0,
        )

    def search_page(**kwargs: Any) -> Any:
        nonlocal spent
        page = search(**kwargs)
        spent = kwargs.get("limit", 200) > 1  # the two id checks ask for one contact
        return page

    def list_page(**kwargs: Any) -> Any:
        nonlocal spent
        page = listing(**kwargs)
        spent = False
        return page

    monkeypatch.setattr(gateway, "budget_snapshot", snapshot)
    monkeypatch.setattr(gateway, "search_contacts_by_id", search_page)
    monkeypatch.setattr(gateway, "list_contacts", list_page)


def unscored(sandbox: Sandbox) -> list[str]:
    return [
        cid
        for cid in sandbox.store.all_ids("contacts")
        if not (sandbox.store.get("contacts", cid) or {}).get(SCORE)
    ]


def summary_of(services: Services) -> dict[str, Any]:
    return dict(services.store.recent_runs("default", 1)[0].summary)


def test_a_stopped_backfill_resumes_where_it_was_and_reads_each_contact_once(
    make_sandbox: MakeSandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sandbox = make_sandbox(contacts=3_000, seed=31)
    services = ready_services(sandbox, tmp_path / "state.sqlite3", monkeypatch)
    alternate_budgets(monkeypatch, services.gateway)
    stop = threading.Event()
    pages = 0
    by_id = services.gateway.search_contacts_by_id

    def stop_after_some_pages(**kwargs: Any) -> Any:
        nonlocal pages
        pages += 1
        if pages == 4:
            stop.set()  # as SIGTERM does: the run ends after this page, written and committed
        return by_id(**kwargs)

    monkeypatch.setattr(services.gateway, "search_contacts_by_id", stop_after_some_pages)
    now = datetime.now(UTC)
    first = build_run(services, dry_run=False, clock=lambda: now, stop=stop).execute()
    assert first.status == "interrupted"
    position = load_position(services.store, "default")
    assert position is not None and services.store.get_cursor("default") is None
    assert first.summary["list_calls"] > 0  # both halves were reading
    first_pulled = first.summary["pulled"]
    assert 0 < first_pulled < 3_000

    later = datetime.now(UTC)
    second = build_run(services, dry_run=False, clock=lambda: later).execute()
    assert second.status == "ok", second.summary.get("error")
    # The second run went on from the stored position with the first run's horizon: together
    # the two read each contact once.
    assert first_pulled + second.summary["pulled"] == 3_000
    assert second.summary["written"] == second.summary["pulled"]
    assert unscored(sandbox) == []
    cursor = services.store.get_cursor("default")
    assert cursor is not None and cursor.ts == position.until
    assert load_position(services.store, "default") is None  # the cursor took over
    services.close()


def test_a_backfill_killed_midway_scores_every_contact_on_the_next_run(
    make_sandbox: MakeSandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sandbox = make_sandbox(contacts=1_500, seed=32)
    state = tmp_path / "state.sqlite3"
    ready_services(sandbox, state, monkeypatch).close()
    env = {**os.environ, **sandbox_env(sandbox, state), "CONNECTOR_LOG_LEVEL": "WARNING"}
    victim = subprocess.run(
        [sys.executable, "-m", "tests.sync.crash_child", "KILL", "pull", "4"],
        env=env,
        cwd=REPO,
        capture_output=True,
        timeout=120,
    )
    assert victim.returncode == -signal.SIGKILL, victim.stderr.decode()
    assert unscored(sandbox)  # killed before the end

    services = ready_services(sandbox, state, monkeypatch, setup=False)
    now = datetime.now(UTC)
    again = build_run(services, dry_run=False, clock=lambda: now).execute()
    assert again.status == "ok", again.summary.get("error")
    assert unscored(sandbox) == []
    assert services.store.get_cursor("default") is not None
    services.close()

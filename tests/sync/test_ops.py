"""What ops relies on: a clean stop on SIGTERM, and a `status` a monitor can read and alert on."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from structlog.testing import capture_logs

from connector.run_health import newest_real_run
from connector.sandbox import Sandbox
from connector.settings import load_settings
from connector.state import StateStore
from connector.sync.backfill import load_position
from connector.sync.services import Services, build_run
from tests.conftest import MakeSandbox
from tests.sync.conftest import REPO, ready_services, sandbox_env


def _stop_with_sigterm(
    make_sandbox: MakeSandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, command: str
) -> tuple[subprocess.CompletedProcess[str], Path, Sandbox]:
    sandbox = make_sandbox(contacts=500, seed=21)
    state = tmp_path / "state.sqlite3"
    ready_services(sandbox, state, monkeypatch).close()
    env = {
        **os.environ,
        **sandbox_env(sandbox, state),
        "CONNECTOR_LOG_LEVEL": "WARNING",
        "CONNECTOR_LOG_FORMAT": "json",
        "CONNECTOR_SYNC_INTERVAL_MINUTES": "1",
    }
    # TERM arrives early in the backfill (before its second search request): the run finishes
    # the page in hand, commits, and stops there.
    child = subprocess.run(
        [sys.executable, "-m", "tests.sync.crash_child", "TERM", "pull", "2", command],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    return child, state, sandbox


@pytest.mark.parametrize("command", ["sync", "run"])
def test_sigterm_finishes_the_page_commits_and_exits_0_with_one_line(
    make_sandbox: MakeSandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, command: str
) -> None:
    child, state, sandbox = _stop_with_sigterm(make_sandbox, tmp_path, monkeypatch, command)

    assert child.returncode == 0, child.stderr
    assert "Traceback" not in child.stderr
    assert "SchedulerNotRunningError" not in child.stderr
    lines = child.stdout.splitlines()
    assert len(lines) == 1, child.stdout
    assert "interrupted" in lines[0]
    store = StateStore.connect(f"sqlite:///{state}")
    runs = store.recent_runs("default", 5)
    cursor = store.get_cursor("default")
    position = load_position(store, "default")
    store.close()
    assert [r.status for r in runs] == ["interrupted"]  # recorded, not left "running"
    assert runs[0].finished_at is not None
    # The pages before the stop are committed: a backfill's position (it reads by id), from
    # which the next run resumes; the cursor comes when the backfill ends.
    assert cursor is None
    assert position is not None and position.search_bottom is not None
    assert 0 < runs[0].summary["pulled"] < 500
    # `status` says the backfill is under way and where it resumes, not "never synced".
    env = {**os.environ, **sandbox_env(sandbox, state)}
    status = _connector(env, "status", "--json")
    assert status.returncode == 0, status.stderr  # a requested stop is not an alert
    backfill = json.loads(status.stdout)["backfill"]
    assert backfill["searched_down_to_id"] == position.search_bottom
    assert backfill["until"] == position.until.isoformat()
    assert "backfill in progress" in backfill["line"] and "resumes" in backfill["line"]
    text = _connector(env, "status")
    assert text.stdout.splitlines()[0] == f"portal default: {backfill['line']}"


def _connector(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "connector", *args],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )


def _status_json(connector: Any) -> tuple[int, dict[str, Any]]:
    result = connector.run("status", "--json")
    return result.code, json.loads(result.out)


def test_status_json_matches_the_runs_and_exits_1_after_a_failed_run(
    make_sandbox: MakeSandbox, make_connector: Any
) -> None:
    sandbox = make_sandbox(contacts=300, seed=22)
    connector = make_connector(sandbox)
    assert connector.run("setup").code == 0
    assert connector.run("sync").code == 0

    code, healthy = _status_json(connector)
    assert code == 0
    assert healthy["healthy"] is True
    assert healthy["portal"] == "default"
    assert healthy["cursor"]["backfill_done"] is True
    store = connector.store()
    runs = store.recent_runs("default", 5)
    store.close()
    assert [(r["id"], r["status"]) for r in healthy["runs"]] == [(r.id, r.status) for r in runs]
    assert healthy["runs"][0]["summary"]["written"] == runs[0].summary["written"]
    assert healthy["dead_letters"]["total"] == 0

    # A run fails (recorded as the run history records it).
    store = connector.store()
    run_id = store.start_run("default", started_at=datetime.now(UTC), dry_run=False)
    store.finish_run(
        run_id,
        finished_at=datetime.now(UTC),
        status="failed",
        summary={"status": "failed", "error": "RetriableHubSpotError: contacts.search: boom"},
    )
    store.close()

    status = connector.run("status")
    assert status.code == 1
    assert "failed" in status.out
    assert "RetriableHubSpotError: contacts.search: boom" in status.err

    code, unhealthy = _status_json(connector)
    assert code == 1
    assert unhealthy["healthy"] is False
    assert [r["id"] for r in unhealthy["runs"]] == [run_id, runs[0].id]
    assert unhealthy["runs"][0]["status"] == "failed"
    assert "boom" in unhealthy["runs"][0]["error"]


def test_status_alerts_on_a_run_left_unfinished_but_not_on_a_requested_stop(
    make_sandbox: MakeSandbox, make_connector: Any
) -> None:
    sandbox = make_sandbox(contacts=100, seed=22)
    connector = make_connector(sandbox)
    assert connector.run("setup").code == 0
    store = connector.store()
    stopped = store.start_run("default", started_at=datetime.now(UTC), dry_run=False)
    # A SIGTERM on deploy: the run finished its page and recorded itself interrupted.
    store.finish_run(
        stopped, finished_at=datetime.now(UTC), status="interrupted", summary={"pulled": 200}
    )
    store.close()
    assert connector.run("status").code == 0

    store = connector.store()
    store.start_run("default", started_at=datetime.now(UTC), dry_run=False)  # then killed
    store.interrupt_unfinished_runs("default", finished_at=datetime.now(UTC))
    store.close()
    status = connector.run("status")
    assert status.code == 1
    assert "interrupted" in status.err


def test_a_failed_run_is_logged_at_error_level(
    make_sandbox: MakeSandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sandbox = make_sandbox(contacts=20, seed=24)
    services = ready_services(sandbox, tmp_path / "state.sqlite3", monkeypatch)
    services.close()
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed = sock.getsockname()[1]
    monkeypatch.setenv("HUBSPOT_BASE_URL", f"http://127.0.0.1:{closed}")
    monkeypatch.setenv("CONNECTOR_UNREACHABLE_CAP", "0.5")
    services = Services.from_settings(load_settings())
    try:
        with capture_logs() as logs:
            result = build_run(services, dry_run=False, clock=lambda: datetime.now(UTC)).execute()
    finally:
        services.close()
    assert result.status == "failed"
    finished = [e for e in logs if e["event"] == "sync_run_finished"]
    assert [e["log_level"] for e in finished] == ["error"]


def test_sigterm_handler_is_restored_after_sync(
    make_sandbox: MakeSandbox, make_connector: Any
) -> None:
    before = signal.getsignal(signal.SIGTERM)
    connector = make_connector(make_sandbox(contacts=20, seed=23))
    assert connector.run("setup").code == 0
    assert connector.run("sync").code == 0
    assert signal.getsignal(signal.SIGTERM) is before


def test_a_run_that_cannot_start_is_recorded_for_status(
    make_sandbox: MakeSandbox, make_connector: Any, tmp_path: Path
) -> None:
    sandbox = make_sandbox(contacts=20, seed=25)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed = sock.getsockname()[1]
    # Nothing has run yet, so the start checks the portal, which does not answer.
    connector = make_connector(
        sandbox,
        HUBSPOT_BASE_URL=f"http://127.0.0.1:{closed}",
        CONNECTOR_UNREACHABLE_CAP="0.5",
    )
    assert connector.run("sync").code == 1

    status = connector.run("status", "--json")
    assert status.code == 1
    last = json.loads(status.out)["runs"][0]
    assert last["status"] == "failed"
    assert last["error"].startswith("before the run started: ")
    assert "unreachable" in last["error"].lower() or "connect" in last["error"].lower()


def test_an_admins_failed_dry_run_does_not_alert_ops(
    make_sandbox: MakeSandbox, make_connector: Any, tmp_path: Path
) -> None:
    sandbox = make_sandbox(contacts=30, seed=26)
    connector = make_connector(sandbox)
    assert connector.run("setup").code == 0
    assert connector.run("sync").code == 0
    rules = (REPO / "config" / "rules.yaml").read_text(encoding="utf-8")
    typo = tmp_path / "rules.yaml"
    typo.write_text(rules.replace("property: jobtitle", "property: jobtitel"), encoding="utf-8")
    previewing = make_connector(sandbox, CONNECTOR_RULES_FILE=str(typo))

    assert previewing.run("sync", "--dry-run").code == 2

    code, status = _status_json(connector)
    assert status["runs"][0]["dry_run"] is True and status["runs"][0]["status"] == "failed"
    assert (code, status["healthy"]) == (0, True)
    # /readyz judges the same run.
    store = connector.store()
    try:
        real = newest_real_run(store.recent_runs("default", 5))
    finally:
        store.close()
    assert real is not None and real.status == "ok"

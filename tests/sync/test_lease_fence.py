"""The lease is a fence: a worker frozen past its lease (SIGSTOP) writes nothing once resumed."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from connector.sandbox import Sandbox
from connector.state import StateStore
from tests.conftest import MakeSandbox
from tests.sync.conftest import REPO, ready_services, sandbox_env

TTL_SECONDS = 2
PORTAL = "default"


def writes(sandbox: Sandbox) -> tuple[int, int]:
    """The sandbox's write sequence, and the write requests it answered (any status)."""
    sent = sum(
        n
        for (method, template, _), n in sandbox.request_counts().items()
        if method in ("POST", "PATCH", "PUT", "DELETE")
        and ("/batch/update" in template or "/batch/create" in template or method != "POST")
    )
    return sandbox.store.write_seq, sent


def wait_until_stopped(pid: int, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        stat = Path(f"/proc/{pid}/stat").read_text()
        if stat[stat.rindex(")") + 2] == "T":
            return
        time.sleep(0.02)
    raise AssertionError("the child never reached its stop point")


def _rules_without_handoffs(folder: Path) -> Path:
    """The default rules with a handoff condition no contact meets."""
    text = (REPO / "config" / "rules.yaml").read_text()
    start = text.index("handoff:\n")
    when = text.index("  when:\n", start)
    tiers = text.index("  sla_tiers:", when)
    path = folder / "rules-no-handoffs.yaml"
    path.write_text(text[:when] + "  when: {min_score: 100, max_score: 0}\n" + text[tiers:])
    return path


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads process states from /proc")
def test_a_worker_frozen_past_its_lease_writes_nothing_after_losing_it(
    make_sandbox: MakeSandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sandbox = make_sandbox(contacts=3000, seed=7)
    state = tmp_path / "state.sqlite3"
    ready_services(sandbox, state, monkeypatch).close()
    env = {
        **os.environ,
        **sandbox_env(sandbox, state),
        "CONNECTOR_LOG_LEVEL": "WARNING",
        "CONNECTOR_LEASE_TTL_SECONDS": str(TTL_SECONDS),
        # One writer thread and no handoffs (the run's thread writes proofs and tasks): the
        # thread that stops itself (crash_child stops that very thread) is the only one
        # sending, so no request of another thread can sit between its fence check and its
        # send when the freeze lands; one that did would go out (fence.py: not atomic).
        "CONNECTOR_WRITE_THREADS": "1",
        "CONNECTOR_RULES_FILE": str(_rules_without_handoffs(tmp_path)),
    }
    # The child stops itself (SIGSTOP) right after HubSpot accepted its 2nd batch of scores.
    child = subprocess.Popen(
        [sys.executable, "-m", "tests.sync.crash_child", "STOP", "score-write", "2"],
        env=env,
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        wait_until_stopped(child.pid)
        stopped_at = datetime.now(UTC)
        # Frozen past its lease. The store is not touched while the child is stopped: a SQLite
        # write it was in the middle of would hold the file's lock until it resumes.
        time.sleep(TTL_SECONDS + 1)
        lost_at = writes(sandbox)
        os.kill(child.pid, signal.SIGCONT)
        _, err = child.communicate(timeout=120)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()

    assert writes(sandbox) == lost_at, "the resumed worker wrote after its lease was lost"
    assert sandbox.store.all_ids("tasks") == []  # the writer thread was the only writer
    assert child.returncode == 1, err.decode()  # the run did not finish
    assert "lost the portal's lease" in err.decode()
    store = StateStore.connect(f"sqlite:///{state}")
    run = store.recent_runs(PORTAL, 1)[0]
    assert run.status == "interrupted", (run.status, run.summary.get("error"))
    assert run.summary["status"] == "lease_lost"
    assert 200 <= run.summary["written"] < 3000  # it wrote until frozen, then nothing
    # Resumed, it did not extend the lease it had lost: another worker can take the portal.
    holder = store.lease_holder(PORTAL)
    assert holder is None or holder.expires_at <= stopped_at + timedelta(seconds=TTL_SECONDS)
    assert store.acquire_lease(
        PORTAL, worker_id="other-host:1:1", now=datetime.now(UTC), ttl=timedelta(minutes=5)
    )
    store.close()

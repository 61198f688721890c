"""SDR handoff end to end: one task per handoff episode, through crashes and a lost state store."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from connector.hubspot_facts import BATCH_MAX_INPUTS as BATCH
from connector.sandbox import Sandbox
from connector.sync.handoff import Proof
from connector.sync.handoff.create import RECOVERY_MIN_AGE
from connector.sync.handoff.withdraw import SUBJECT_MARK
from connector.sync.services import build_run
from connector.sync.sources import Page, Pull
from tests.conftest import MakeSandbox
from tests.sync.conftest import REPO, ready_services, sandbox_env

HANDOFF = "qualification_handoff"
#: The hidden task property that carries a task's handoff key (never its text).
TASK_KEY = "qualification_handoff_key"


def task_keys(sandbox: Sandbox) -> list[str]:
    """The key property of every task (handoff tasks `hq-…`, escalations `esc-hq-…`)."""
    return [
        (sandbox.store.get("tasks", task_id) or {}).get(TASK_KEY) or ""
        for task_id in sandbox.store.all_ids("tasks")
    ]


def handoff_tasks(sandbox: Sandbox) -> Counter[str]:
    """Handoff key → number of tasks carrying it."""
    return Counter(key for key in task_keys(sandbox) if key.startswith("hq-"))


def proofs(sandbox: Sandbox) -> dict[str, Proof]:
    found = {}
    for cid in sandbox.store.all_ids("contacts"):
        proof = Proof.parse((sandbox.store.get("contacts", cid) or {}).get(HANDOFF))
        if proof is not None:
            found[cid] = proof
    return found


def assert_exactly_one_task_per_handoff(sandbox: Sandbox) -> int:
    tasks = handoff_tasks(sandbox)
    final = proofs(sandbox)
    assert tasks, "no handoff happened at all"
    assert max(tasks.values()) == 1, [k for k, n in tasks.items() if n > 1]
    # Every task belongs to the one episode its contact records, and every episode has its task.
    assert {p.key for p in final.values()} == set(tasks)
    assert all(p.task_id is not None for p in final.values())
    contacts_with_tasks = Counter(key.split("-")[1] for key in tasks)
    assert max(contacts_with_tasks.values()) == 1
    return len(tasks)


#: Where `tests/sync/crash_child.py` kills the run, covering each step of a handoff's way.
CRASH_POINTS = [
    pytest.param("pull", 3, 100, id="mid-pull-reservations-made-no-task"),
    pytest.param("score-write", 2, 101, id="after-a-score-batch-before-its-memory"),
    pytest.param("proof-pending", 1, 102, id="after-pending-proof-before-task"),
    pytest.param("task-create", 1, 103, id="after-task-create-before-record"),
    pytest.param("proof-final", 1, 104, id="after-final-proof-before-ledger"),
]


@pytest.mark.parametrize("lose_state", [False, True], ids=["state-kept", "state-deleted"])
@pytest.mark.parametrize(("point", "nth", "seed"), CRASH_POINTS)
def test_a_run_killed_at_any_step_leaves_exactly_one_task_per_handoff(
    make_sandbox: MakeSandbox,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    point: str,
    nth: int,
    seed: int,
    lose_state: bool,
) -> None:
    sandbox = make_sandbox(contacts=500, seed=seed)
    state = tmp_path / "state.sqlite3"
    ready_services(sandbox, state, monkeypatch).close()
    env = {**os.environ, **sandbox_env(sandbox, state), "CONNECTOR_LOG_LEVEL": "WARNING"}

    victim = subprocess.run(
        [sys.executable, "-m", "tests.sync.crash_child", "KILL", point, str(nth)],
        env=env,
        cwd=REPO,
        capture_output=True,
        timeout=120,
    )

    assert victim.returncode == -signal.SIGKILL, victim.stderr.decode()  # the point was reached
    if lose_state:
        for path in tmp_path.glob("state.sqlite3*"):
            path.unlink()
    services = ready_services(sandbox, state, monkeypatch, setup=False)
    now = datetime.now(UTC)
    again = build_run(services, dry_run=False, clock=lambda: now).execute()
    assert again.status == "ok", again.summary.get("error")
    # Killed after the pending proof, a create may or may not have gone out: an immediate
    # rerun finishes what it finds and leaves the rest pending, never creating a second task.
    assert max(handoff_tasks(sandbox).values(), default=1) == 1
    later = now + RECOVERY_MIN_AGE + timedelta(minutes=1)
    last = build_run(services, dry_run=False, clock=lambda: later).execute()
    services.close()
    assert last.status == "ok", last.summary.get("error")
    assert assert_exactly_one_task_per_handoff(sandbox) > 0


def test_a_handoff_happens_on_the_crossing_not_on_every_run(
    make_sandbox: MakeSandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sandbox = make_sandbox(contacts=800, seed=3)
    services = ready_services(sandbox, tmp_path / "state.sqlite3", monkeypatch)
    now = datetime.now(UTC)
    first = build_run(services, dry_run=False, clock=lambda: now).execute()
    created = first.summary["handoffs_created"]
    assert created > 0
    # Touch every handed-off contact so the next runs re-read and re-score them.
    for cid in proofs(sandbox):
        sandbox.store.update("contacts", cid, {"jobtitle": "VP of Sales"})
    for minutes in (5, 10):
        later = now + timedelta(minutes=minutes)

        def at(t: datetime = later) -> datetime:
            return t

        result = build_run(services, dry_run=False, clock=at).execute()
        assert result.summary["handoffs_created"] == 0
    assert sum(handoff_tasks(sandbox).values()) == created
    owners = {o.id: o for o in services.gateway.list_owners()}
    for cid, proof in proofs(sandbox).items():
        owner = (sandbox.store.get("contacts", cid) or {}).get("hubspot_owner_id")
        assert owner in owners and not owners[owner].archived, cid
        assert proof.task_id is not None
    services.close()


def test_tasks_are_created_as_batches_fill_not_all_at_the_end(
    make_sandbox: MakeSandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A run holds a handoff's context only until its batch of 100 is created; the proof-first
    # order and the call count are the same as creating everything after the last page.
    sandbox = make_sandbox(contacts=8000, seed=5)
    monkeypatch.setenv("CONNECTOR_REQUESTS_PER_10S", "1000")
    monkeypatch.setenv("CONNECTOR_SEARCH_PER_SECOND", "50")
    services = ready_services(sandbox, tmp_path / "state.sqlite3", monkeypatch)
    tasks_before_each_page: list[int] = []
    backfill = Pull.backfill

    def counting_backfill(self: Pull, until: datetime) -> Iterator[Page]:
        # Count the tasks as the run takes each page to score it (pages are read ahead).
        for page in backfill(self, until):
            if page.records:
                tasks_before_each_page.append(len(sandbox.store.all_ids("tasks")))
            yield page

    monkeypatch.setattr(Pull, "backfill", counting_backfill)
    now = datetime.now(UTC)
    result = build_run(services, dry_run=False, clock=lambda: now).execute()
    created = result.summary["handoffs_created"]
    assert isinstance(created, int) and created > BATCH
    assert tasks_before_each_page[-1] >= BATCH  # tasks existed before the last page scored
    assert assert_exactly_one_task_per_handoff(sandbox) == created
    create_calls = sum(
        n
        for (method, path, _), n in sandbox.request_counts().items()
        if method == "POST" and path.endswith("/objects/tasks/batch/create")
    )
    assert create_calls == -(-created // BATCH)  # full batches, then the rest once
    services.close()


def test_each_breached_task_is_escalated_exactly_once_across_restarts(
    make_sandbox: MakeSandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sandbox = make_sandbox(contacts=800, seed=3)
    state = tmp_path / "state.sqlite3"
    services = ready_services(sandbox, state, monkeypatch)
    now = datetime.now(UTC)
    build_run(services, dry_run=False, clock=lambda: now).execute()
    ledger = services.store.open_handoffs("default")
    assert len(ledger) >= 3
    done = ledger[0]
    sandbox.store.update("tasks", done.task_id or "", {"hs_task_status": "COMPLETED"})
    services.close()

    month_later = now + timedelta(days=30)
    escalated_total = 0
    for _restart in range(3):
        services = ready_services(sandbox, state, monkeypatch, setup=False)
        result = build_run(services, dry_run=False, clock=lambda: month_later).execute()
        escalated_total += result.summary["handoffs_escalated"]
        services.close()

    # A month on, decay takes some contacts out of the handoff condition: their open tasks are
    # withdrawn (marked "no longer qualified") instead of escalated. Every other open breached
    # task is escalated once, the done one never.
    withdrawn = {
        h.key
        for h in ledger
        if h.key != done.key
        and (sandbox.store.get("tasks", h.task_id or "") or {})
        .get("hs_task_subject", "")
        .startswith(SUBJECT_MARK)
    }
    assert escalated_total == len(ledger) - 1 - len(withdrawn)
    assert not {f"esc-{key}" for key in withdrawn} & set(task_keys(sandbox))
    escalation_keys = Counter(key for key in task_keys(sandbox) if key.startswith("esc-hq-"))
    assert max(escalation_keys.values(), default=0) <= 1
    assert f"esc-{done.key}" not in escalation_keys


def test_sla_report_counts_handoffs_per_owner(
    make_sandbox: MakeSandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    sandbox = make_sandbox(contacts=800, seed=3)
    services = ready_services(sandbox, tmp_path / "state.sqlite3", monkeypatch)
    result = build_run(services, dry_run=False, clock=lambda: datetime.now(UTC)).execute()
    created = result.summary["handoffs_created"]
    first = services.store.open_handoffs("default")[0]
    sandbox.store.update("tasks", first.task_id or "", {"hs_task_status": "COMPLETED"})
    services.close()
    from connector.cli import main

    monkeypatch.chdir(tmp_path)
    assert main(["sla", "--days", "1"]) == 0
    assert f"SDR handoffs in the last 1 days: {created}" in capsys.readouterr().out
    assert main(["sla", "--days", "1", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)["owners"]
    assert sum(r["handoffs"] for r in rows) == created
    assert sum(r["touched"] for r in rows) == 1  # one touched

"""Dry run: a clean CSV of everything a real run would do, and nothing done.

The acceptance tests run `connector sync --dry-run --format csv`, then a real `connector sync` on
the same sandbox at the same instant, and hold the CSV to what the real run then wrote: every
property change of contacts (owner assignments and the handoff proof included) and of tasks
(reassignments), and every task created, with its owner, due time and SLA tier: on a first run,
and on a later one that escalates breached handoffs.
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

import connector.sync.commands as commands
from connector.hubspot_facts import LIFECYCLE_ORDER
from connector.sandbox import Sandbox
from connector.sync.handoff import Proof
from tests.conftest import MakeSandbox

HEADER = ["action", "id", "property", "current", "would write", "owner", "due", "tier"]
HANDOFF = "qualification_handoff"
#: Stamped by HubSpot (here the sandbox) on every write, and when a contact enters a lifecycle
#: stage (both date families); the connector never writes them.
HUBSPOT_STAMPS = frozenset(
    {
        "lastmodifieddate",
        "hs_lastmodifieddate",
        *(f"hs_v2_date_entered_{stage}" for stage in LIFECYCLE_ORDER),
        *(f"hs_lifecyclestage_{stage}_date" for stage in LIFECYCLE_ORDER),
    }
)


def parse_csv(stdout: str) -> list[dict[str, str]]:
    """Every line of stdout is CSV with the report's columns, or this fails."""
    rows = list(csv.reader(io.StringIO(stdout)))
    assert rows[0] == HEADER
    assert all(len(row) == len(HEADER) for row in rows), "stdout holds something besides CSV"
    return [dict(zip(HEADER, row, strict=True)) for row in rows[1:]]


def instant(text: str) -> datetime:
    if text.isdigit():
        return datetime.fromtimestamp(int(text) / 1000, tz=UTC)
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def without_task_id(proof_text: str) -> tuple[str, datetime]:
    proof = Proof.parse(proof_text)
    assert proof is not None and proof.task_id is not None, proof_text
    return proof.key, proof.at


def records(sandbox: Sandbox, object_type: str) -> dict[str, dict[str, str]]:
    return {
        rid: dict(sandbox.store.get(object_type, rid) or {})
        for rid in sandbox.store.all_ids(object_type)
    }


def net_changes(
    before: dict[str, dict[str, str]], after: dict[str, dict[str, str]]
) -> dict[tuple[str, str], tuple[str, str]]:
    """(record id, property) → (value before, value after) for every property that changed on
    a record that existed before, HubSpot's own stamps left out."""
    return {
        (rid, prop): (before[rid].get(prop) or "", value)
        for rid, props in after.items()
        if rid in before
        for prop, value in props.items()
        if prop not in HUBSPOT_STAMPS and (before[rid].get(prop) or "") != value
    }


def dry_then_real(
    connector: Any, sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch, now: datetime
) -> list[dict[str, str]]:
    """Run a dry run and then a real run at `now`, and hold the dry run's CSV to what the real
    run wrote, change for change: contact and task properties (current and new value) and
    created tasks (contact, owner, due time, tier, subject). Returns the CSV's rows."""
    monkeypatch.setattr(commands, "_now", lambda: now)
    contacts_before, tasks_before = records(sandbox, "contacts"), records(sandbox, "tasks")

    dry = connector.run("sync", "--dry-run", "--format", "csv")

    assert dry.code == 0, dry.err
    assert "dry run" in dry.err  # the summary went to stderr
    assert records(sandbox, "contacts") == contacts_before
    assert records(sandbox, "tasks") == tasks_before
    rows = parse_csv(dry.out)
    planned = {
        (r["id"], r["property"]): (r["current"], r["would write"])
        for r in rows
        if r["action"] in ("update contact", "update task")
    }
    planned_tasks = sorted(
        (r["id"], r["owner"], instant(r["due"]), r["tier"], r["would write"])
        for r in rows
        if r["action"] == "create task"
    )

    real = connector.run("sync")

    assert real.code == 0, real.err
    contacts_after, tasks_after = records(sandbox, "contacts"), records(sandbox, "tasks")
    written = net_changes(contacts_before, contacts_after) | net_changes(tasks_before, tasks_after)
    assert set(written) == set(planned)
    for change, (current, value) in written.items():
        dry_current, dry_value = planned[change]
        assert dry_current == current, change
        if change[1] == HANDOFF:
            # The one difference: the dry run's tasks have placeholder ids.
            assert without_task_id(dry_value) == without_task_id(value), change
        else:
            assert dry_value == value, change
    store = connector.store()
    tier_of = {h.task_id: h.sla_tier for h in store.open_handoffs("default")}
    store.close()
    real_tasks = []
    for task_id, task in tasks_after.items():
        if task_id in tasks_before:
            continue
        (contact_id,) = sandbox.store.associations("tasks", task_id, "contacts")
        real_tasks.append(
            (
                contact_id,
                task["hubspot_owner_id"],
                instant(task["hs_timestamp"]).replace(microsecond=0),
                tier_of.get(task_id, "escalation"),
                task["hs_task_subject"],
            )
        )
        if task_id in tier_of:
            proof = Proof.parse(contacts_after[contact_id][HANDOFF])
            assert proof is not None and proof.task_id == task_id
    assert planned_tasks == sorted(real_tasks)
    return rows


def test_dry_run_csv_matches_change_for_change_what_the_real_run_then_writes(
    make_sandbox: MakeSandbox, make_connector: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    sandbox = make_sandbox(contacts=800, seed=3)
    connector = make_connector(sandbox, lag_seconds=0)
    assert connector.run("setup").code == 0
    # Both runs at one instant, so keys, due times and `scored_at` are the same in both.
    now = datetime.now(UTC).replace(microsecond=0)

    rows = dry_then_real(connector, sandbox, monkeypatch, now)

    assert {r["action"] for r in rows} == {"update contact", "create task"}
    assert any(r["property"] == "hubspot_owner_id" for r in rows), "no owner assignment shown"
    assert sum(r["action"] == "create task" for r in rows) >= 3


def test_a_dry_run_leaves_no_state_a_real_run_depends_on(
    make_sandbox: MakeSandbox, make_connector: Any
) -> None:
    sandbox = make_sandbox(contacts=200, seed=3)
    connector = make_connector(sandbox, lag_seconds=0)
    assert connector.run("setup").code == 0

    assert connector.run("sync", "--dry-run", "--format", "csv").code == 0

    store = connector.store()
    assert store.get_cursor("default") is None
    assert store.open_handoffs("default") == []
    assert store.get_memory("default", sandbox.store.all_ids("contacts")) == {}
    assert store.recent_runs("default", 1)[0].dry_run
    store.close()


def test_a_later_dry_run_shows_escalations_and_reassignments_as_the_real_run_makes_them(
    make_sandbox: MakeSandbox, make_connector: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    sandbox = make_sandbox(contacts=800, seed=3)
    connector = make_connector(sandbox, lag_seconds=0)
    assert connector.run("setup").code == 0
    first = datetime.now(UTC).replace(microsecond=0)
    monkeypatch.setattr(commands, "_now", lambda: first)
    assert connector.run("sync").code == 0
    # A week on, every handoff task is past due: escalations (a manager task, and for hot
    # leads a reassignment too) and decay re-scores are what the next run does.
    rows = dry_then_real(connector, sandbox, monkeypatch, first + timedelta(days=7))

    assert any(r["action"] == "create task" and r["tier"] == "escalation" for r in rows)
    assert any(r["action"] == "update task" and r["property"] == "hubspot_owner_id" for r in rows)
    assert any(r["action"] == "update contact" for r in rows)


def test_dry_run_table_goes_to_stdout_with_the_summary(
    make_sandbox: MakeSandbox, make_connector: Any
) -> None:
    sandbox = make_sandbox(contacts=100)
    connector = make_connector(sandbox, lag_seconds=0)

    result = connector.run("sync", "--dry-run", "--limit", "5")

    assert result.code == 0, result.err
    lines = result.out.splitlines()
    assert lines[0].startswith("run 1: ok") and "dry run" in lines[0]
    assert lines[1].split() == [
        "action",
        "id",
        "property",
        "current",
        "would",
        "write",
        "owner",
        "due",
        "tier",
    ]
    assert lines[-1].startswith("… ") and "more changes" in lines[-1]

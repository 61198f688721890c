"""Dry run: a clean CSV of everything a real run would do, and nothing done.

The acceptance test runs `connector sync --dry-run --format csv`, then a real `connector sync` on
the same sandbox at the same instant, and holds the CSV to what the real run then wrote: every
property change (owner assignments and the handoff proof included) and every task, with its
owner, due time and SLA tier.
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from typing import Any

import pytest

import connector.sync.commands as commands
from connector.sandbox import Sandbox
from connector.sync.handoff import Proof
from tests.conftest import MakeSandbox

HEADER = ["action", "id", "property", "current", "would write", "owner", "due", "tier"]
HANDOFF = "qualification_handoff"
#: Stamped by HubSpot (here the sandbox) on every write; the connector never writes them.
HUBSPOT_STAMPS = frozenset({"lastmodifieddate"})


def contacts(sandbox: Sandbox) -> dict[str, dict[str, str]]:
    return {
        cid: dict(sandbox.store.get("contacts", cid) or {})
        for cid in sandbox.store.all_ids("contacts")
    }


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


def test_dry_run_csv_matches_change_for_change_what_the_real_run_then_writes(
    make_sandbox: MakeSandbox, make_connector: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    sandbox = make_sandbox(contacts=800, seed=3)
    connector = make_connector(sandbox, lag_seconds=0)
    assert connector.run("setup").code == 0
    # Both runs at one instant, so keys, due times and `scored_at` are the same in both.
    now = datetime.now(UTC).replace(microsecond=0)
    monkeypatch.setattr(commands, "_now", lambda: now)
    before = contacts(sandbox)

    dry = connector.run("sync", "--dry-run", "--format", "csv")

    assert dry.code == 0, dry.err
    assert "dry run" in dry.err  # the summary went to stderr
    assert contacts(sandbox) == before
    assert sandbox.store.all_ids("tasks") == []
    rows = parse_csv(dry.out)
    planned = {
        (r["id"], r["property"]): (r["current"], r["would write"])
        for r in rows
        if r["action"] == "update contact"
    }
    planned_tasks = sorted(
        (r["id"], r["owner"], instant(r["due"]), r["tier"], r["would write"])
        for r in rows
        if r["action"] == "create task"
    )
    assert {r["action"] for r in rows} == {"update contact", "create task"}
    assert any(prop == "hubspot_owner_id" for _, prop in planned), "no owner assignment shown"
    store = connector.store()
    assert store.get_cursor("default") is None  # nothing a later real run depends on
    assert store.open_handoffs("default") == []
    assert store.get_memory("default", list(before)) == {}
    assert store.recent_runs("default", 1)[0].dry_run
    store.close()

    real = connector.run("sync")

    assert real.code == 0, real.err
    after = contacts(sandbox)
    written = {
        (cid, prop): (before[cid].get(prop) or "", value)
        for cid, props in after.items()
        for prop, value in props.items()
        if prop not in HUBSPOT_STAMPS and (before[cid].get(prop) or "") != value
    }
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
    ledger = {h.task_id: h for h in store.open_handoffs("default")}
    store.close()
    real_tasks = []
    for task_id in sandbox.store.all_ids("tasks"):
        task = sandbox.store.get("tasks", task_id) or {}
        (contact_id,) = sandbox.store.associations("tasks", task_id, "contacts")
        real_tasks.append(
            (
                contact_id,
                task["hubspot_owner_id"],
                instant(task["hs_timestamp"]).replace(microsecond=0),
                ledger[task_id].sla_tier,
                task["hs_task_subject"],
            )
        )
        assert Proof.parse(after[contact_id][HANDOFF]) == Proof(ledger[task_id].key, task_id, now)
    assert planned_tasks == sorted(real_tasks)
    assert len(real_tasks) >= 3


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

"""No flood on day one: the backfill's backlog, the caps, the queue, and release, via the CLI.

The caps hold after the state store is lost because the owners' load is read from HubSpot
(one search over the connector's tasks), not only from the local ledger.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

from connector.hubspot import HubSpotGateway
from connector.rules.sla_config import load_sla_config
from connector.sandbox import Sandbox
from connector.settings import load_settings
from connector.sync import commands
from tests.conftest import MakeSandbox
from tests.sync.conftest import REPO

TASK_KEY = "qualification_handoff_key"
SLA = load_sla_config(REPO / "config" / "sla.yaml")


def handoff_tasks(sandbox: Sandbox) -> dict[str, dict[str, Any]]:
    """Task id → properties, for the connector's handoff tasks (not escalations)."""
    found = {}
    for task_id in sandbox.store.all_ids("tasks"):
        props = sandbox.store.get("tasks", task_id) or {}
        if (props.get(TASK_KEY) or "").startswith("hq-"):
            found[task_id] = props
    return found


def per_owner(tasks: dict[str, dict[str, Any]]) -> Counter[str]:
    return Counter(props.get("hubspot_owner_id") or "" for props in tasks.values())


def sdr_ids() -> set[str]:
    """The pool's SDRs: active owners of the SLA file's teams."""
    owners = HubSpotGateway.from_settings(load_settings()).list_owners()
    teams = set(SLA.sdr_pool.teams)
    return {o.id for o in owners if not o.archived and teams & set(o.teams)}


def last_summary(state_url: str) -> dict[str, Any]:
    from connector.state import StateStore

    store = StateStore.connect(state_url)
    try:
        return dict(store.recent_runs("default", 1)[0].summary)
    finally:
        store.close()


def sla_file(tmp_path: Path, **handoff: Any) -> str:
    """config/sla.yaml with the `handoff` section's keys overridden."""
    raw = yaml.safe_load((REPO / "config" / "sla.yaml").read_text())
    raw["handoff"] = {**raw.get("handoff", {}), **handoff}
    path = tmp_path / "sla.yaml"
    path.write_text(yaml.safe_dump(raw))
    return str(path)


@pytest.mark.slow
def test_a_first_run_on_20000_contacts_stays_under_the_caps_even_after_the_state_is_lost(
    make_sandbox: MakeSandbox, make_connector: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    sandbox = make_sandbox(contacts=20_000, seed=13)
    connector = make_connector(sandbox)
    monkeypatch.setattr(commands, "_now", sandbox.clock.now)
    assert connector.run("setup").code == 0
    run_cap = SLA.handoff.max_new_per_run
    daily_cap = SLA.handoff.max_new_per_sdr_per_day
    open_cap = SLA.sdr_pool.max_open_handoffs
    assert run_cap and daily_cap and open_cap

    first = connector.run("sync")
    assert first.code == 0, first.err
    summary = last_summary(connector.state_url)
    tasks = handoff_tasks(sandbox)
    assert 0 < summary["handoffs_created"] == len(tasks) <= run_cap
    assert max(per_owner(tasks).values()) <= daily_cap
    capacity = summary["handoff_capacity"]
    assert capacity["backlog"] > 0 and capacity["load_from_hubspot"]
    # One search reads every owner's load for the run.
    assert summary["api_calls_by_endpoint"]["tasks.search"] == 1
    # The console says what did not become a task, and where it waits.
    assert f"backlog {capacity['backlog']}" in first.out
    listed = connector.run("backlog", "--json")
    assert listed.code == 0, listed.err
    backlog = json.loads(listed.out)
    assert backlog["backlog"] == capacity["backlog"]
    assert {e["kind"] for e in backlog["entries"]} <= {"backlog", "queued"}
    status = connector.run("status", "--json")
    assert json.loads(status.out)["handoffs"]["backlog"] == capacity["backlog"]

    # The state store is lost: the rerun is a first run again, and the caps still hold.
    for path in Path(connector.state_url.removeprefix("sqlite:///")).parent.glob("state.sqlite3*"):
        path.unlink()
    sandbox.clock.advance(timedelta(minutes=30))
    again = connector.run("sync")
    assert again.code == 0, again.err
    after = handoff_tasks(sandbox)
    owners = per_owner(after)
    assert max(owners.values()) <= daily_cap, owners
    open_by_owner = per_owner(
        {t: p for t, p in after.items() if p.get("hs_task_status") != "COMPLETED"}
    )
    assert all(open_by_owner[sdr] <= open_cap for sdr in sdr_ids()), open_by_owner
    shown = json.loads(connector.run("sla", "--json").out)["capacity"]
    assert shown["last_run"]["load_from_hubspot"] and "backlog" in shown
    assert len(after) - len(tasks) <= run_cap
    # Never a second task for a contact handed off before the loss.
    contacts = Counter(props[TASK_KEY].split("-")[1] for props in after.values())
    assert max(contacts.values()) == 1


def test_the_queue_drains_over_later_runs_best_first_and_release_hands_off_the_backlog(
    make_sandbox: MakeSandbox, make_connector: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    sandbox = make_sandbox(contacts=3000, seed=21)
    sla = sla_file(tmp_path, max_new_per_run=8)
    connector = make_connector(sandbox, CONNECTOR_SLA_FILE=sla)
    monkeypatch.setattr(commands, "_now", sandbox.clock.now)
    assert connector.run("setup").code == 0

    assert connector.run("sync").code == 0
    first = last_summary(connector.state_url)
    assert first["handoffs_created"] == 8
    assert first["handoff_capacity"]["run_capped"] > 0
    queue = [e for e in json.loads(connector.run("backlog", "--json").out)["entries"]]
    queued = [e for e in queue if e["kind"] == "queued"]
    backlog = [e for e in queue if e["kind"] == "backlog"]
    assert len(queued) > 8 and backlog

    # The next run hands off the best of the queue first (the listing is in that order).
    sandbox.clock.advance(timedelta(minutes=10))
    before = set(handoff_tasks(sandbox))
    assert connector.run("sync").code == 0
    second = last_summary(connector.state_url)
    assert second["handoffs_created"] <= 8
    new = {
        props[TASK_KEY].split("-")[1]
        for tid, props in handoff_tasks(sandbox).items()
        if tid not in before
    }
    best = {e["contact_id"] for e in queued[:8]}
    assert new and new <= best | {e["contact_id"] for e in queued}
    assert len(new & best) >= len(new) - 1  # one may have stopped qualifying meanwhile
    left = json.loads(connector.run("backlog", "--json").out)["queued"]
    assert left < len(queued)

    # Released backlog contacts join the queue and are handed off by the next runs.
    released = connector.run("backlog", "release", backlog[0]["contact_id"])
    assert released.code == 0 and "released 1" in released.out
    entries = json.loads(connector.run("backlog", "--json").out)["entries"]
    mine = [e for e in entries if e["contact_id"] == backlog[0]["contact_id"]]
    assert mine and mine[0]["kind"] == "queued" and mine[0]["released"]
    for _ in range(20):
        sandbox.clock.advance(timedelta(minutes=10))
        assert connector.run("sync").code == 0
        waiting = json.loads(connector.run("backlog", "--json").out)
        if waiting["queued"] == 0:
            break
    assert waiting["queued"] == 0
    handed = {props[TASK_KEY].split("-")[1] for props in handoff_tasks(sandbox).values()}
    assert backlog[0]["contact_id"] in handed
    # The rest of the backlog stays until released.
    assert waiting["backlog"] == len(backlog) - 1


def test_historic_leads_get_their_score_and_stage_but_no_task_until_released(
    make_sandbox: MakeSandbox, make_connector: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    sandbox = make_sandbox(contacts=1500, seed=8)
    # Only activity in the last hour is news: most qualifiers are historic here.
    connector = make_connector(
        sandbox, CONNECTOR_SLA_FILE=sla_file(tmp_path, recent_activity_days=0.04)
    )
    monkeypatch.setattr(commands, "_now", sandbox.clock.now)
    assert connector.run("setup").code == 0
    first = connector.run("sync")
    assert first.code == 0, first.err
    capacity = last_summary(connector.state_url)["handoff_capacity"]
    assert capacity["backlogged"] == capacity["backlog"] > 10
    entries = json.loads(connector.run("backlog", "--json").out)["entries"]
    historic = [e["contact_id"] for e in entries if e["kind"] == "backlog"]
    handed = {props[TASK_KEY].split("-")[1] for props in handoff_tasks(sandbox).values()}
    assert not handed & set(historic)
    store = connector.store()
    memory = store.get_memory("default", historic)
    store.close()
    for cid in historic:
        contact = sandbox.store.get("contacts", cid) or {}
        assert contact.get("qualification_score") == str(memory[cid].score)
        assert not contact.get("qualification_handoff")
        if memory[cid].lifecycle_written:
            assert contact.get("lifecyclestage") == memory[cid].lifecycle_written
        assert not memory[cid].in_handoff  # so it crosses again when released
    assert any(memory[cid].lifecycle_written for cid in historic)  # stages were written
    # Every surface names the backlog.
    assert f"{len(historic)} in the backlog" in connector.run("status").out
    assert f"{len(historic)} in the backlog" in connector.run("sla").out
    assert f"{len(historic)} historic leads to the backlog" in first.out

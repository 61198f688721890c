"""End to end on the sandbox: contacts at a protected stage get their score and nothing else."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from connector.sandbox import Sandbox
from connector.sandbox.schema import LIFECYCLE_OPTIONS
from connector.sync.services import build_run
from tests.conftest import MakeSandbox
from tests.sync.conftest import ready_services

#: A custom stage an admin put after SQL ("sales accepted"; HubSpot gives custom stages ids).
CUSTOM_AFTER_SQL = "2002"
PROTECTED = ("opportunity", "customer", "evangelist", "other", CUSTOM_AFTER_SQL)
OWNED = ("lifecyclestage", "hs_lead_status", "hubspot_owner_id")


def add_custom_stage_after_sql(sandbox: Sandbox) -> None:
    options = list(LIFECYCLE_OPTIONS)
    at = [value for value, _ in options].index("salesqualifiedlead") + 1
    options.insert(at, (CUSTOM_AFTER_SQL, "Sales accepted"))
    sandbox.store.catalogue.replace_spec("contacts", "lifecyclestage", options=tuple(options))


def tasks_by_contact(sandbox: Sandbox) -> set[str]:
    """Contacts that have a handoff task (its hidden key property is `hq-<contact>-<time>`)."""
    found = set()
    for task_id in sandbox.store.all_ids("tasks"):
        key = (sandbox.store.get("tasks", task_id) or {}).get("qualification_handoff_key") or ""
        if key.startswith("hq-"):
            found.add(key.split("-")[1])
    return found


def test_customers_and_opportunities_get_no_task_status_or_owner(
    make_sandbox: MakeSandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sandbox = make_sandbox(contacts=800, seed=3)
    add_custom_stage_after_sql(sandbox)
    services = ready_services(sandbox, tmp_path / "state.sqlite3", monkeypatch)
    now = datetime.now(UTC)
    # A dry run says who would be handed off or get a lead status; deals then move them on.
    preview = build_run(services, dry_run=True, clock=lambda: now).execute()
    wanted = sorted(
        {c.record_id for c in preview.changes if c.action == "create task"}
        | {c.record_id for c in preview.changes if c.property == "hs_lead_status"}
    )
    assert len(wanted) >= 20, len(wanted)
    for i, cid in enumerate(wanted):
        # Cleared first, as HubSpot needs for a move it may see as backward.
        sandbox.store.update("contacts", cid, {"lifecyclestage": ""})
        sandbox.store.update("contacts", cid, {"lifecyclestage": PROTECTED[i % len(PROTECTED)]})
    before = {cid: dict(sandbox.store.get("contacts", cid) or {}) for cid in wanted}

    result = build_run(services, dry_run=False, clock=lambda: datetime.now(UTC)).execute()
    services.close()

    assert result.status == "ok", result.summary.get("error")
    assert not tasks_by_contact(sandbox) & set(wanted)
    for cid in wanted:
        after = sandbox.store.get("contacts", cid) or {}
        for name in OWNED:
            assert after.get(name) == before[cid].get(name), (cid, name)
        assert after.get("qualification_handoff") == before[cid].get("qualification_handoff")
        # …and they are scored all the same.
        assert after.get("qualification_score"), cid
    assert result.summary["stage_order_read"] is True


def test_a_handoff_whose_contact_became_an_opportunity_is_not_escalated(
    make_sandbox: MakeSandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sandbox = make_sandbox(contacts=800, seed=3)
    add_custom_stage_after_sql(sandbox)
    services = ready_services(sandbox, tmp_path / "state.sqlite3", monkeypatch)
    first = datetime.now(UTC).replace(microsecond=0)
    assert build_run(services, dry_run=False, clock=lambda: first).execute().status == "ok"
    handed = sorted(tasks_by_contact(sandbox))
    assert len(handed) >= 10, len(handed)
    # Sales takes half of them over; a week on, every handoff task is past due.
    moved = handed[::2]
    for i, cid in enumerate(moved):
        sandbox.store.update("contacts", cid, {"lifecyclestage": ""})
        sandbox.store.update("contacts", cid, {"lifecyclestage": PROTECTED[i % len(PROTECTED)]})
    tasks_before = set(sandbox.store.all_ids("tasks"))
    owners_before = {cid: (sandbox.store.get("contacts", cid) or {}) for cid in moved}
    owners_before = {cid: props.get("hubspot_owner_id") for cid, props in owners_before.items()}

    later = build_run(services, dry_run=False, clock=lambda: first + timedelta(days=7)).execute()
    open_keys = {h.contact_id for h in services.store.open_handoffs("default")}
    services.close()

    assert later.status == "ok", later.summary.get("error")
    assert later.summary["handoffs_escalated"] == len(handed) - len(moved)
    new_tasks = set(sandbox.store.all_ids("tasks")) - tasks_before
    escalated_for = {
        next(iter(sandbox.store.associations("tasks", task_id, "contacts")))
        for task_id in new_tasks
    }
    assert not escalated_for & set(moved)  # no manager task for a contact sales took over
    for cid in moved:
        assert (sandbox.store.get("contacts", cid) or {}).get("hubspot_owner_id") == (
            owners_before[cid]
        )  # not reassigned
        assert cid not in open_keys  # its handoff is closed, not left to breach again

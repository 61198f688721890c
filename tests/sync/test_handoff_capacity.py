"""The owners' load: the connector's task search on the sandbox, and its merge with the ledger."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from connector.hubspot.models import NewTask, RecordUpdate
from connector.state import HandoffRecord
from connector.sync.handoff.capacity import SEARCH_GRACE, read_owner_load
from tests.conftest import MakeSandbox
from tests.sync.conftest import ready_services

KEY = "qualification_handoff_key"


def task(contact_id: str, owner: str, key: str) -> NewTask:
    return NewTask(
        subject="s",
        body="b",
        due_at=datetime.now(UTC) + timedelta(days=1),
        owner_id=owner,
        contact_id=contact_id,
        extra_properties={KEY: key} if key else {},
    )


def test_one_search_reads_open_and_todays_handoff_tasks_per_owner(
    make_sandbox: MakeSandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sandbox = make_sandbox(contacts=50, seed=2)
    services = ready_services(sandbox, tmp_path / "state.sqlite3", monkeypatch)
    gateway = services.gateway
    contacts = sandbox.store.all_ids("contacts")
    owners = [o.id for o in gateway.list_owners() if not o.archived][:2]
    a, b = owners
    inputs = [
        task(contacts[0], a, f"hq-{contacts[0]}-1"),
        task(contacts[1], a, f"hq-{contacts[1]}-1"),
        task(contacts[2], a, f"hq-{contacts[2]}-1"),  # completed below: today's, not open
        task(contacts[3], b, f"hq-{contacts[3]}-1"),
        task(contacts[4], b, f"esc-hq-{contacts[4]}-1"),  # a manager task: not a handoff
        task(contacts[5], b, ""),  # a rep's own task: not the connector's
    ]
    created = gateway.create_tasks(inputs).created_ids
    done = created[2]
    assert done is not None
    gateway.update_tasks([RecordUpdate(id=done, properties={"hs_task_status": "COMPLETED"})])
    gateway.reset_stats()
    now = datetime.now(UTC)

    load = read_owner_load(
        gateway, [], key_property=KEY, day_start=now - timedelta(hours=1), now=now
    )

    assert load.from_hubspot and load.search_calls == 1
    assert gateway.stats().calls_by_endpoint == {"tasks.search": 1}
    assert load.open_counts == {a: 2, b: 1}
    assert load.created_today == {a: 3, b: 1}
    # Created before today's start: only the open ones count, for the open cap.
    later = read_owner_load(
        gateway, [], key_property=KEY, day_start=now + timedelta(hours=1), now=now
    )
    assert later.open_counts == {a: 2, b: 1} and not later.created_today
    services.close()


def test_the_search_pages_by_200_in_id_order(
    make_sandbox: MakeSandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sandbox = make_sandbox(contacts=20, seed=4)
    services = ready_services(sandbox, tmp_path / "state.sqlite3", monkeypatch)
    gateway = services.gateway
    owner = next(o.id for o in gateway.list_owners() if not o.archived)
    contact = sandbox.store.all_ids("contacts")[0]
    for start in range(0, 450, 100):
        gateway.create_tasks(
            [task(contact, owner, f"hq-{contact}-{i}") for i in range(start, min(start + 100, 450))]
        )
    gateway.reset_stats()
    now = datetime.now(UTC)
    load = read_owner_load(
        gateway, [], key_property=KEY, day_start=now - timedelta(hours=1), now=now
    )
    assert load.open_counts == {owner: 450}
    assert load.search_calls == 3
    services.close()


def _handoff(
    key: str, owner: str, task_id: str | None, created: datetime, status: str
) -> HandoffRecord:
    return HandoffRecord(
        key=key,
        contact_id=key.split("-")[1],
        owner_id=owner,
        task_id=task_id,
        sla_tier="t",
        created_at=created,
        due_at=created + timedelta(hours=4),
        status=status,
    )


def test_the_ledger_fills_the_search_lag_and_hubspot_wins_after_it(
    make_sandbox: MakeSandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Search does not see tasks yet (a lag longer than the test): only the ledger can say.
    sandbox = make_sandbox(contacts=20, seed=4, search_lag_ms=3_600_000)
    services = ready_services(sandbox, tmp_path / "state.sqlite3", monkeypatch)
    gateway = services.gateway
    owner = next(o.id for o in gateway.list_owners() if not o.archived)
    contact = sandbox.store.all_ids("contacts")[0]
    ids = gateway.create_tasks(
        [task(contact, owner, f"hq-{contact}-{i}") for i in range(3)]
    ).created_ids
    now = datetime.now(UTC)
    ledger = [
        _handoff(f"hq-{contact}-0", owner, ids[0], now - timedelta(minutes=1), "created"),
        _handoff(f"hq-{contact}-1", owner, None, now - timedelta(hours=2), "pending"),
        # Older than the grace and not in the search: done or deleted in HubSpot.
        _handoff(f"hq-{contact}-2", owner, ids[2], now - SEARCH_GRACE * 2, "created"),
    ]
    load = read_owner_load(
        gateway, ledger, key_property=KEY, day_start=now - timedelta(hours=3), now=now
    )
    assert load.from_hubspot
    assert load.open_counts == {owner: 2}
    assert load.created_today == {owner: 2}
    services.close()

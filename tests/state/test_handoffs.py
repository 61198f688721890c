from __future__ import annotations

import dataclasses
import threading
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest

from connector.state import HandoffRecord, StateStore

T0 = datetime(2026, 3, 6, 16, 30, tzinfo=UTC)


def handoff(key: str, **changes: object) -> HandoffRecord:
    base = HandoffRecord(
        key=key,
        contact_id="101",
        owner_id="owner-1",
        task_id=None,
        sla_tier="hot",
        created_at=T0,
        due_at=T0 + timedelta(days=3),
        status="pending",
        escalated_at=None,
        escalation_task_id=None,
    )
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


def test_reserve_is_insert_if_absent(store: StateStore) -> None:
    assert store.reserve_handoff("p", handoff("k1"))
    assert not store.reserve_handoff("p", handoff("k1", owner_id="someone-else"))
    assert store.get_handoff("p", "k1") == handoff("k1")
    # Keys are unique per portal, not globally.
    assert store.reserve_handoff("q", handoff("k1"))


def test_get_unknown_handoff(store: StateStore) -> None:
    assert store.get_handoff("p", "nope") is None


def test_complete_records_the_task_once(store: StateStore) -> None:
    store.reserve_handoff("p", handoff("k1"))
    store.complete_handoff("p", "k1", "task-9")
    store.complete_handoff("p", "k1", "task-9")  # a retry after a crash: idempotent
    got = store.get_handoff("p", "k1")
    assert got is not None and (got.task_id, got.status) == ("task-9", "created")
    with pytest.raises(ValueError, match="task-9"):
        store.complete_handoff("p", "k1", "task-10")
    with pytest.raises(KeyError):
        store.complete_handoff("p", "unknown", "task-1")


def test_open_handoffs_close_and_reassign(store: StateStore) -> None:
    store.reserve_handoff("p", handoff("late", due_at=T0 + timedelta(days=5)))
    store.reserve_handoff("p", handoff("soon", due_at=T0 + timedelta(hours=4)))
    store.reserve_handoff("p", handoff("done"))
    store.complete_handoff("p", "soon", "t-soon")
    store.complete_handoff("p", "done", "t-done")
    assert store.close_handoff("p", "done")
    assert not store.close_handoff("p", "done")
    assert [h.key for h in store.open_handoffs("p")] == ["soon", "late"]
    assert store.reassign_handoff("p", "soon", owner_id="owner-2")
    assert not store.reassign_handoff("p", "done", owner_id="owner-2")
    soon = store.get_handoff("p", "soon")
    assert soon is not None and soon.owner_id == "owner-2"


def test_mark_escalated_only_once(store: StateStore) -> None:
    store.reserve_handoff("p", handoff("k1"))
    at = T0 + timedelta(days=4)
    assert store.mark_escalated("p", "k1", at=at, escalation_task_id="mgr-1")
    assert not store.mark_escalated(
        "p", "k1", at=at + timedelta(hours=1), escalation_task_id="mgr-2"
    )
    got = store.get_handoff("p", "k1")
    assert got is not None and (got.escalated_at, got.escalation_task_id) == (at, "mgr-1")
    assert not store.mark_escalated("p", "unknown", at=at, escalation_task_id=None)


def test_handoffs_between_is_half_open_and_ordered(store: StateStore) -> None:
    for hours in (0, 1, 2, 3):
        store.reserve_handoff("p", handoff(f"h{hours}", created_at=T0 + timedelta(hours=hours)))
    store.reserve_handoff("q", handoff("other", created_at=T0 + timedelta(hours=1)))
    found = store.handoffs_between("p", T0 + timedelta(hours=1), T0 + timedelta(hours=3))
    assert [h.key for h in found] == ["h1", "h2"]


def test_round_robin_state_round_trips(store: StateStore) -> None:
    assert store.sdr_round_robin_state("p") == {}
    store.save_sdr_round_robin_state("p", {"owner-1": 2.5, "owner-2": 1})
    store.save_sdr_round_robin_state("q", {"owner-9": 7})
    assert store.sdr_round_robin_state("p") == {"owner-1": 2.5, "owner-2": 1.0}
    store.save_sdr_round_robin_state("p", {"owner-3": 0.25})
    assert store.sdr_round_robin_state("p") == {"owner-3": 0.25}
    assert store.get_blob("q", "sdr_round_robin") == {"owner-9": 7.0}


def _race(workers: int, action: object) -> None:
    barrier = threading.Barrier(workers)
    errors: list[BaseException] = []

    def run(index: int) -> None:
        barrier.wait()
        try:
            action(index)  # type: ignore[operator]
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []


def test_reserve_is_unique_under_concurrency(db_url: str) -> None:
    """Two workers (own engines and connections) race for the same 200 keys: one wins each."""
    stores = [StateStore.connect(db_url) for _ in range(2)]
    wins: list[Counter[str]] = [Counter(), Counter()]
    keys = [f"contact-{i}:2026-03-06" for i in range(200)]
    try:

        def reserve_all(index: int) -> None:
            for key in keys:
                if stores[index].reserve_handoff("p", handoff(key, owner_id=f"w{index}")):
                    wins[index][key] += 1

        _race(2, reserve_all)
        total = wins[0] + wins[1]
        assert set(total) == set(keys)
        assert set(total.values()) == {1}
        assert len(stores[0].open_handoffs("p")) == 200
    finally:
        for opened in stores:
            opened.close()


def test_escalation_is_once_under_concurrency(db_url: str) -> None:
    stores = [StateStore.connect(db_url) for _ in range(2)]
    keys = [f"k{i}" for i in range(100)]
    for key in keys:
        stores[0].reserve_handoff("p", handoff(key))
    won: list[list[str]] = [[], []]
    try:

        def escalate_all(index: int) -> None:
            for key in keys:
                if stores[index].mark_escalated(
                    "p", key, at=T0 + timedelta(days=5), escalation_task_id=f"w{index}-{key}"
                ):
                    won[index].append(key)

        _race(2, escalate_all)
        assert sorted(won[0] + won[1]) == sorted(keys)
        for index in (0, 1):
            for key in won[index]:
                got = stores[0].get_handoff("p", key)
                assert got is not None and got.escalation_task_id == f"w{index}-{key}"
    finally:
        for opened in stores:
            opened.close()

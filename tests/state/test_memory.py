from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

from connector.state import ContactMemory, StateStore

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def memory(contact_id: str, **changes: object) -> ContactMemory:
    base = ContactMemory(
        contact_id=contact_id,
        score=50,
        label="warm",
        lead_status_written=None,
        lifecycle_written=None,
        below_bar_since=None,
        in_handoff=False,
        rescore_at=None,
        scored_at=T0,
        rules_version="v1",
    )
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


def test_round_trip_with_and_without_optional_fields(store: StateStore) -> None:
    full = memory(
        "1",
        score=87,
        label="hot",
        lead_status_written="OPEN",
        lifecycle_written="salesqualifiedlead",
        below_bar_since=T0 - timedelta(days=2),
        in_handoff=True,
        rescore_at=T0 + timedelta(days=7, microseconds=5),
        rules_version="2026-03-01.1",
    )
    bare = memory("2")
    store.save_memory("p", [full, bare])
    assert store.get_memory("p", ["1", "2", "3"]) == {"1": full, "2": bare}


def test_upsert_replaces_and_last_duplicate_wins(store: StateStore) -> None:
    store.save_memory("p", [memory("1", score=10)])
    store.save_memory("p", [memory("1", score=20), memory("1", score=30, label="hot")])
    assert store.get_memory("p", ["1"]) == {"1": memory("1", score=30, label="hot")}


def test_memory_is_per_portal(store: StateStore) -> None:
    store.save_memory("p", [memory("1", score=10)])
    store.save_memory("q", [memory("1", score=99)])
    assert store.get_memory("p", ["1"])["1"].score == 10
    assert store.get_memory("q", ["1"])["1"].score == 99


def test_get_memory_chunks_large_id_lists(store: StateStore) -> None:
    rows = [memory(str(i), score=i % 100) for i in range(2_500)]
    store.save_memory("p", rows)
    wanted = [str(i) for i in range(0, 3_000, 1)]  # 500 unknown ids at the end
    found = store.get_memory("p", wanted)
    assert len(found) == 2_500
    assert found["1234"].score == 34


def test_bulk_upsert_of_many_rows(store: StateStore) -> None:
    rows = [
        memory(str(i), score=i % 101, rescore_at=T0 + timedelta(seconds=i)) for i in range(25_000)
    ]
    store.save_memory("p", rows)
    store.save_memory("p", [dataclasses.replace(r, score=100) for r in rows[:12_000]])
    found = store.get_memory("p", [str(i) for i in (0, 11_999, 12_000, 24_999)])
    assert [found[k].score for k in ("0", "11999", "12000", "24999")] == [
        100,
        100,
        12_000 % 101,
        24_999 % 101,
    ]
    assert store.due_for_rescore("p", now=T0 + timedelta(seconds=24_999), limit=100_000) == [
        str(i) for i in range(25_000)
    ]


def test_due_for_rescore_oldest_first_limited_and_ignores_none(store: StateStore) -> None:
    store.save_memory(
        "p",
        [
            memory("late", rescore_at=T0 + timedelta(hours=1)),
            memory("b", rescore_at=T0 - timedelta(hours=1)),
            memory("a", rescore_at=T0 - timedelta(hours=1)),  # same time: ordered by id
            memory("oldest", rescore_at=T0 - timedelta(days=3)),
            memory("now", rescore_at=T0),
            memory("never"),
        ],
    )
    store.save_memory("q", [memory("elsewhere", rescore_at=T0 - timedelta(days=9))])
    assert store.due_for_rescore("p", now=T0, limit=10) == ["oldest", "a", "b", "now"]
    assert store.due_for_rescore("p", now=T0, limit=2) == ["oldest", "a"]


def test_due_for_rescore_uses_the_index(store: StateStore) -> None:
    import sqlalchemy as sa

    rows = [memory(str(i), rescore_at=T0 + timedelta(minutes=i)) for i in range(5_000)]
    store.save_memory("p", rows)
    store.save_memory("q", rows)
    query = (
        "SELECT contact_id FROM contact_memory WHERE portal = 'p' AND rescore_at <= {bound} "
        "ORDER BY rescore_at, contact_id LIMIT 5"
    )
    with store.engine.connect() as conn:
        if store.engine.dialect.name == "sqlite":
            plan_rows = conn.execute(sa.text("EXPLAIN QUERY PLAN " + query.format(bound="0")))
        else:
            conn.execute(sa.text("ANALYZE contact_memory"))
            plan_rows = conn.execute(sa.text("EXPLAIN " + query.format(bound="now()")))
        plan = " ".join(str(row[-1]) for row in plan_rows)
    assert "ix_contact_memory_rescore" in plan


def test_forget_memory(store: StateStore) -> None:
    store.save_memory("p", [memory("1"), memory("2")])
    assert store.forget_memory("p", ["1", "9"]) == 1
    assert set(store.get_memory("p", ["1", "2"])) == {"2"}


def test_signal_memory_round_trips_to_the_millisecond(store: StateStore) -> None:
    signals = {"demo_request": T0 - timedelta(days=3), "pricing_visit": T0 - timedelta(hours=5)}
    store.save_memory("p", [memory("7", signal_memory=signals), memory("8")])
    found = store.get_memory("p", ["7", "8"])
    assert dict(found["7"].signal_memory) == signals
    assert dict(found["8"].signal_memory) == {}

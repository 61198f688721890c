"""The waiting list: backlog and queue in the state store, their order, and release."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from connector.state import StateStore
from connector.sync.handoff.backlog import WAITING_BLOB, Waiting, WaitingList, WaitKind

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def test_entries_survive_a_reload_in_queue_order_and_release_moves_the_best(tmp_path: Path) -> None:
    store = StateStore.connect(f"sqlite:///{tmp_path / 's.sqlite3'}")
    waiting = WaitingList(store, "p")
    waiting.put(Waiting("1", WaitKind.BACKLOG, 70, T0, "no activity"))
    waiting.put(Waiting("2", WaitKind.BACKLOG, 90, T0 + timedelta(hours=1), "no activity"))
    waiting.put(Waiting("3", WaitKind.QUEUED, 90, T0, "run cap"))
    waiting.put(Waiting("4", WaitKind.BACKLOG, 90, T0, "no activity"))
    waiting.save()

    again = WaitingList(store, "p")
    assert [e.contact_id for e in again.entries()] == ["3", "4", "2", "1"]  # best, then oldest
    assert again.counts() == {"backlog": 3, "queued": 1}
    assert again.release(None, limit=2) == ["4", "2"]
    # A released contact seen again keeps its place and stays queued.
    again.put(Waiting("4", WaitKind.BACKLOG, 91, T0 + timedelta(days=1), "no activity"))
    again.drop(["3"])
    again.save()

    final = WaitingList(store, "p")
    four = final.get("4")
    assert four is not None and four.kind is WaitKind.QUEUED and four.released
    assert four.since == T0 and four.score == 91
    assert final.counts() == {"backlog": 1, "queued": 2}
    assert final.release(["1", "unknown"]) == ["1"]
    store.close()


def test_an_unreadable_entry_is_dropped_not_fatal(tmp_path: Path) -> None:
    store = StateStore.connect(f"sqlite:///{tmp_path / 's.sqlite3'}")
    store.save_blob(
        "p",
        WAITING_BLOB,
        {
            "contacts": {
                "1": {"kind": "nonsense"},
                "2": Waiting("2", WaitKind.QUEUED, 5, T0, "x").to_json(),
            }
        },
    )
    assert [e.contact_id for e in WaitingList(store, "p").entries()] == ["2"]
    store.close()

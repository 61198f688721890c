"""The waiting list: backlog and queue in the state store, their order, and release."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from connector.state import StateStore
from connector.sync.handoff.backlog import (
    WAITING_BLOB,
    WAITING_SHARDS,
    Waiting,
    WaitingList,
    WaitKind,
    shard_blob,
)

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


class CountingStore:
    """A state store that counts the documents written."""

    def __init__(self, store: StateStore) -> None:
        self.store = store
        self.written: list[str] = []

    def get_blob(self, portal: str, name: str) -> dict[str, Any] | None:
        return self.store.get_blob(portal, name)

    def save_blob(self, portal: str, name: str, value: Mapping[str, Any]) -> None:
        self.written.append(name)
        self.store.save_blob(portal, name, value)


def test_a_save_rewrites_only_the_documents_whose_entries_changed(tmp_path: Path) -> None:
    store = StateStore.connect(f"sqlite:///{tmp_path / 's.sqlite3'}")
    counting = CountingStore(store)
    waiting = WaitingList(counting, "p")  # type: ignore[arg-type]
    for n in range(5_000):
        waiting.put(Waiting(str(n), WaitKind.QUEUED, n % 100, T0, "run cap"))
    waiting.save()
    everything = len(counting.written)
    assert everything > 10  # the list is spread over several documents

    counting.written.clear()
    waiting.put(Waiting("5000", WaitKind.QUEUED, 99, T0, "run cap"))
    waiting.drop(["17"])
    waiting.save()
    assert 1 <= len(counting.written) <= 2
    waiting.save()  # nothing changed since
    assert len(counting.written) <= 2

    again = WaitingList(store, "p")
    assert again.counts() == {"backlog": 0, "queued": 5_000}
    assert again.get("5000") is not None and again.get("17") is None
    store.close()


def test_a_list_kept_in_one_document_by_an_earlier_version_moves_into_the_shards(
    tmp_path: Path,
) -> None:
    store = StateStore.connect(f"sqlite:///{tmp_path / 's.sqlite3'}")
    entries = [Waiting(str(n), WaitKind.BACKLOG, n, T0, "no activity") for n in range(300)]
    store.save_blob("p", WAITING_BLOB, {"contacts": {e.contact_id: e.to_json() for e in entries}})

    waiting = WaitingList(store, "p")
    assert waiting.counts() == {"backlog": 300, "queued": 0}
    waiting.save()  # written to the shards, the old document emptied
    assert store.get_blob("p", WAITING_BLOB) == {}
    assert any(store.get_blob("p", shard_blob(n)) for n in range(WAITING_SHARDS))
    again = WaitingList(store, "p")
    assert sorted(e.contact_id for e in again.entries()) == sorted(e.contact_id for e in entries)
    store.close()

"""A dry run's state store: reads the real one, keeps its own writes in memory.

A dry run goes through every stage a real run does, so it needs the state a real run would have
mid-way (the memory it saved for a page, the handoffs it reserved, the cursor it committed) to
plan the same writes. Those writes land here and vanish with the run: nothing a dry run does
changes what a later real run does. Only the run record (flagged `dry_run`) and the portal's
lease reach the real store; the lease keeps a dry run from overlapping a real one.

Memory grows with the contacts a dry run scores (one `ContactMemory` each, ~300 bytes), which is
fine for a preview and is why real runs never use this class.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from connector.state import ContactMemory, Cursor, DeadLetter, HandoffRecord, Lease
from connector.state.records import OPEN_HANDOFF_STATUSES
from connector.sync.ports import SyncState


class ScratchState:
    """`SyncState` over a real store whose writes stay in this object."""

    def __init__(self, real: SyncState) -> None:
        self._real = real
        # The writer's threads save memory while the run's thread reads it.
        self._lock = threading.Lock()
        self._cursor: dict[str, Cursor] = {}
        self._memory: dict[str, ContactMemory] = {}
        self._forgotten: set[str] = set()
        self._resolved: set[str] = set()
        self._letters: dict[str, tuple[str, str]] = {}
        self._handoffs: dict[str, HandoffRecord] = {}
        self._blobs: dict[str, dict[str, Any]] = {}
        self._round_robin: dict[str, float] | None = None

    # -- passed through: the run record and the lease --------------------------------------------

    def acquire_lease(self, portal: str, *, worker_id: str, now: datetime, ttl: timedelta) -> bool:
        return self._real.acquire_lease(portal, worker_id=worker_id, now=now, ttl=ttl)

    def renew_lease(self, portal: str, *, worker_id: str, now: datetime, ttl: timedelta) -> bool:
        return self._real.renew_lease(portal, worker_id=worker_id, now=now, ttl=ttl)

    def release_lease(self, portal: str, worker_id: str) -> bool:
        return self._real.release_lease(portal, worker_id)

    def lease_holder(self, portal: str) -> Lease | None:
        return self._real.lease_holder(portal)

    def start_run(self, portal: str, *, started_at: datetime, dry_run: bool) -> int:
        return self._real.start_run(portal, started_at=started_at, dry_run=dry_run)

    def finish_run(
        self, run_id: int, *, finished_at: datetime, status: str, summary: Mapping[str, Any]
    ) -> None:
        self._real.finish_run(run_id, finished_at=finished_at, status=status, summary=summary)

    def interrupt_unfinished_runs(self, portal: str, *, finished_at: datetime) -> int:
        return self._real.interrupt_unfinished_runs(portal, finished_at=finished_at)

    # -- cursor and contact memory ---------------------------------------------------------------

    def get_cursor(self, portal: str) -> Cursor | None:
        return self._cursor.get(portal) or self._real.get_cursor(portal)

    def save_cursor(self, portal: str, cursor: Cursor) -> None:
        self._cursor[portal] = cursor

    def get_memory(self, portal: str, contact_ids: Sequence[str]) -> dict[str, ContactMemory]:
        with self._lock:
            mine = {i: self._memory[i] for i in contact_ids if i in self._memory}
            gone = set(self._forgotten)
        rest = [i for i in contact_ids if i not in mine and i not in gone]
        return {**(self._real.get_memory(portal, rest) if rest else {}), **mine}

    def save_memory(self, portal: str, rows: Sequence[ContactMemory]) -> None:
        with self._lock:
            for row in rows:
                self._memory[row.contact_id] = row
                self._forgotten.discard(row.contact_id)

    def due_for_rescore(self, portal: str, *, now: datetime, limit: int) -> list[str]:
        with self._lock:
            mine = dict(self._memory)
            gone = set(self._forgotten)
        stored = [
            i for i in self._real.due_for_rescore(portal, now=now, limit=limit) if i not in mine
        ]
        due_here = [i for i, m in mine.items() if m.rescore_at is not None and m.rescore_at <= now]
        return [i for i in (*stored, *due_here) if i not in gone][:limit]

    def forget_memory(self, portal: str, contact_ids: Sequence[str]) -> int:
        with self._lock:
            for contact_id in contact_ids:
                self._memory.pop(contact_id, None)
            self._forgotten.update(contact_ids)
        return len(contact_ids)

    # -- dead letters ----------------------------------------------------------------------------

    def add_dead_letters(
        self, portal: str, items: Sequence[tuple[str, str, str]], *, now: datetime
    ) -> None:
        with self._lock:
            for contact_id, category, message in items:
                self._letters[contact_id] = (category, message)
                self._resolved.discard(contact_id)

    def due_dead_letters(self, portal: str, *, now: datetime, limit: int) -> list[DeadLetter]:
        # Letters added by this run wait at least a minute, so only stored ones can be due.
        with self._lock:
            settled = self._resolved | set(self._letters)
        due = self._real.due_dead_letters(portal, now=now, limit=limit)
        return [d for d in due if d.contact_id not in settled]

    def resolve_dead_letters(self, portal: str, contact_ids: Sequence[str]) -> int:
        with self._lock:
            for contact_id in contact_ids:
                self._letters.pop(contact_id, None)
            self._resolved.update(contact_ids)
        return len(contact_ids)

    def count_dead_letters(self, portal: str) -> int:
        return self._real.count_dead_letters(portal) + len(self._letters)

    # -- the handoff ledger ----------------------------------------------------------------------

    def reserve_handoff(self, portal: str, record: HandoffRecord) -> bool:
        if self.get_handoff(portal, record.key) is not None:
            return False
        self._handoffs[record.key] = record
        return True

    def complete_handoff(self, portal: str, key: str, task_id: str) -> None:
        self._change(portal, key, task_id=task_id, status="created")

    def close_handoff(self, portal: str, key: str) -> bool:
        return self._change(portal, key, status="closed")

    def reassign_handoff(self, portal: str, key: str, *, owner_id: str) -> bool:
        return self._change(portal, key, owner_id=owner_id)

    def mark_escalated(
        self, portal: str, key: str, *, at: datetime, escalation_task_id: str | None
    ) -> bool:
        current = self.get_handoff(portal, key)
        if current is None or current.escalated_at is not None:
            return False
        return self._change(portal, key, escalated_at=at, escalation_task_id=escalation_task_id)

    def get_handoff(self, portal: str, key: str) -> HandoffRecord | None:
        return self._handoffs.get(key) or self._real.get_handoff(portal, key)

    def open_handoffs(self, portal: str) -> list[HandoffRecord]:
        merged = self._merge(self._real.open_handoffs(portal))
        found = [h for h in merged if h.status in OPEN_HANDOFF_STATUSES]
        return sorted(found, key=lambda h: h.due_at)

    def handoffs_between(self, portal: str, start: datetime, end: datetime) -> list[HandoffRecord]:
        merged = self._merge(self._real.handoffs_between(portal, start, end))
        return sorted(
            (h for h in merged if start <= h.created_at < end), key=lambda h: h.created_at
        )

    def handoffs_made(self) -> list[HandoffRecord]:
        """The handoffs this dry run reserved or changed, for its report."""
        return list(self._handoffs.values())

    def sdr_round_robin_state(self, portal: str) -> dict[str, float]:
        if self._round_robin is None:
            return self._real.sdr_round_robin_state(portal)
        return dict(self._round_robin)

    def save_sdr_round_robin_state(self, portal: str, state: Mapping[str, float]) -> None:
        self._round_robin = dict(state)

    def get_blob(self, portal: str, name: str) -> dict[str, Any] | None:
        if name in self._blobs:
            return dict(self._blobs[name])
        return self._real.get_blob(portal, name)

    def save_blob(self, portal: str, name: str, value: Mapping[str, Any]) -> None:
        self._blobs[name] = dict(value)

    def _change(self, portal: str, key: str, **changes: Any) -> bool:
        current = self.get_handoff(portal, key)
        if current is None:
            return False
        self._handoffs[key] = dataclasses.replace(current, **changes)
        return True

    def _merge(self, stored: Iterable[HandoffRecord]) -> list[HandoffRecord]:
        merged = {h.key: h for h in stored}
        merged.update(self._handoffs)
        return list(merged.values())

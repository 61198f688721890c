"""Handoffs that wait: the backlog a backfill leaves, and the queue the caps leave.

- **backlog**: crossings found by a contact's first scoring (or a re-score after a rules change)
  without recent activity. Historic leads, not news: the contact gets its score and lifecycle
  stage, and no task until the admin releases it (`connector backlog release`) or the contact
  shows new activity.
- **queue**: crossings that found no room: the run's cap, every SDR at their daily cap or at
  capacity, absent or archived. Later runs read them back by id and hand them off, best score
  first and oldest first among equals, still under the caps. A released backlog entry joins it.

Both live in the state store as `WAITING_SHARDS` documents per portal (blobs), each entry in the
one its contact id picks, so a page that changes a few entries rewrites a few small documents
rather than the whole list (a backfill saves after every page, and the list grows with the
portal: rewriting 12,000 entries took about 29 ms). They hold contact ids, scores and times,
never names or e-mails. A contact that no longer qualifies when scored again leaves both.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from itertools import chain
from typing import Any
from zlib import crc32

from connector.hubspot_facts import BATCH_MAX_INPUTS
from connector.rules.routing import NO_SDR_AVAILABLE
from connector.sync.ports import HubSpotPort, SyncState
from connector.sync.sources import Page

#: The single document earlier versions kept the whole list in; read, then emptied on save.
WAITING_BLOB = "handoff_waiting"
WAITING_SHARDS = 64


def _shard(contact_id: str) -> int:
    return crc32(contact_id.encode()) % WAITING_SHARDS


def shard_blob(shard: int) -> str:
    return f"{WAITING_BLOB}.{shard}"


class WaitKind(StrEnum):
    BACKLOG = "backlog"  #: historic: waits for the admin's release or new activity
    QUEUED = "queued"  #: waits for room under the caps; later runs drain it


@dataclass(frozen=True, slots=True)
class Waiting:
    """One contact waiting for its handoff."""

    contact_id: str
    kind: WaitKind
    score: int
    #: when it first crossed while waiting (the order among equal scores)
    since: datetime
    #: why it waits, in words ("no recent activity in 14 days", "run cap of 200 reached", …)
    reason: str
    #: released from the backlog by the admin
    released: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind.value,
            "score": self.score,
            "since": self.since.isoformat(),
            "reason": self.reason,
            "released": self.released,
        }

    @classmethod
    def from_json(cls, contact_id: str, raw: Any) -> Waiting | None:
        """None for an unreadable entry: losing one only delays a handoff until its contact
        is scored again, while failing would stop every run."""
        try:
            return cls(
                contact_id=contact_id,
                kind=WaitKind(raw["kind"]),
                score=int(raw["score"]),
                since=datetime.fromisoformat(str(raw["since"])),
                reason=str(raw.get("reason") or ""),
                released=bool(raw.get("released", False)),
            )
        except (KeyError, TypeError, ValueError):
            return None


def queue_order(entry: Waiting) -> tuple[int, datetime, str]:
    """Best score first; among equals the one waiting longest."""
    return (-entry.score, entry.since, entry.contact_id)


class WaitingList:
    """The portal's backlog and queue, read once and saved when changed."""

    def __init__(self, store: SyncState, portal: str) -> None:
        self._store = store
        self._portal = portal
        #: entries by shard (`_shard` of the contact id); None until first read
        self._shards: list[dict[str, Waiting]] | None = None
        self._dirty: set[int] = set()
        self._legacy = False

    def _loaded(self) -> list[dict[str, Waiting]]:
        if self._shards is None:
            shards: list[dict[str, Waiting]] = [{} for _ in range(WAITING_SHARDS)]
            legacy = _read(self._store.get_blob(self._portal, WAITING_BLOB))
            for n in range(WAITING_SHARDS):
                stored = _read(self._store.get_blob(self._portal, shard_blob(n)))
                shards[n].update((e.contact_id, e) for e in stored)
            for entry in legacy:
                shards[_shard(entry.contact_id)].setdefault(entry.contact_id, entry)
                self._dirty.add(_shard(entry.contact_id))
            self._legacy = bool(legacy)
            self._shards = shards
        return self._shards

    def _of(self, contact_id: str) -> dict[str, Waiting]:
        return self._loaded()[_shard(contact_id)]

    def _all(self) -> Iterator[Waiting]:
        return chain.from_iterable(shard.values() for shard in self._loaded())

    def get(self, contact_id: str) -> Waiting | None:
        return self._of(contact_id).get(contact_id)

    def put(self, entry: Waiting) -> None:
        """Add or update an entry; a contact already waiting keeps its `since` and release."""
        entries = self._of(entry.contact_id)
        old = entries.get(entry.contact_id)
        if old is not None:
            entry = Waiting(
                entry.contact_id,
                WaitKind.QUEUED if old.released else entry.kind,
                entry.score,
                old.since,
                entry.reason,
                old.released,
            )
            if entry == old:
                return
        entries[entry.contact_id] = entry
        self._dirty.add(_shard(entry.contact_id))

    def drop(self, contact_ids: Iterable[str]) -> None:
        for contact_id in contact_ids:
            if self._of(contact_id).pop(contact_id, None) is not None:
                self._dirty.add(_shard(contact_id))

    def entries(self, kind: WaitKind | None = None) -> list[Waiting]:
        """Entries in queue order (best score, then oldest), of one kind or all."""
        found = [e for e in self._all() if kind is None or e.kind is kind]
        return sorted(found, key=queue_order)

    def counts(self) -> dict[str, int]:
        entries = list(self._all())
        return {kind.value: sum(1 for e in entries if e.kind is kind) for kind in WaitKind}

    def release(self, contact_ids: Sequence[str] | None, *, limit: int | None = None) -> list[str]:
        """Move backlog entries to the queue: the given ones, or the best `limit`, or all
        (`contact_ids` None and `limit` None). Returns the ids released."""
        backlog = self.entries(WaitKind.BACKLOG)
        if contact_ids is not None:
            wanted = set(contact_ids)
            backlog = [e for e in backlog if e.contact_id in wanted]
        elif limit is not None:
            backlog = backlog[:limit]
        for entry in backlog:
            self._of(entry.contact_id)[entry.contact_id] = Waiting(
                entry.contact_id,
                WaitKind.QUEUED,
                entry.score,
                entry.since,
                "released from the backlog",
                released=True,
            )
            self._dirty.add(_shard(entry.contact_id))
        return [e.contact_id for e in backlog]

    def save(self) -> None:
        """Write the documents whose entries changed since the last save."""
        if self._shards is None or not self._dirty:
            return
        for n in sorted(self._dirty):
            contacts = {cid: e.to_json() for cid, e in self._shards[n].items()}
            self._store.save_blob(self._portal, shard_blob(n), {"contacts": contacts})
        if self._legacy:
            self._store.save_blob(self._portal, WAITING_BLOB, {})
            self._legacy = False
        self._dirty.clear()


def _read(blob: Any) -> list[Waiting]:
    """The entries of one stored document (an unreadable entry is dropped)."""
    contacts = blob.get("contacts") if isinstance(blob, dict) else None
    items = contacts.items() if isinstance(contacts, dict) else ()
    entries = (Waiting.from_json(str(cid), value) for cid, value in items)
    return [e for e in entries if e is not None]


def drain(
    port: HubSpotPort,
    store: SyncState,
    waiting: WaitingList,
    *,
    portal: str,
    properties: Sequence[str],
    limit: int | None,
    pool_room: int | None,
    now: datetime,
) -> Iterator[Page]:
    """The queued contacts, best first, read back by id (at most `limit`) so the run scores
    them again: those that still qualify are handed off under the caps, the rest leave the
    queue. Contacts deleted in HubSpot leave it at once.

    `pool_room` is how many more handoffs the SDRs can take now (None: unbounded): with none,
    the contacts that waited for an SDR are not read (they would only wait again); those their
    own owner may take (queued by the run's cap, released) still are.
    """
    entries = waiting.entries(WaitKind.QUEUED)
    if pool_room == 0:
        entries = [e for e in entries if not e.reason.startswith(NO_SDR_AVAILABLE)]
    queued = [e.contact_id for e in entries]
    if limit is not None:
        queued = queued[:limit]
    scored_now = {cid for cid, m in store.get_memory(portal, queued).items() if m.scored_at >= now}
    ids = [cid for cid in queued if cid not in scored_now]
    for start in range(0, len(ids), BATCH_MAX_INPUTS):
        chunk = ids[start : start + BATCH_MAX_INPUTS]
        records = port.read_contacts(chunk, properties)
        found = {r.id for r in records}
        gone = [cid for cid in chunk if cid not in found]
        if gone:
            waiting.drop(gone)
            waiting.save()
        yield Page(records, None, current=True)

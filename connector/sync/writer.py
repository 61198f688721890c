"""Write: planned changes in batches of 100 on a small thread pool, and what came of each.

The pull runs on the run's thread (search has its own 5/s budget); writes spend the 10-second
budget on the pool's threads, so a run is bounded by the slower budget rather than the sum of
both. Batches are filled to 100 across pages: a page of 200 contacts rarely has 100 changed.

Each contact's memory is saved only once HubSpot accepted its write, and only then is its page
released for the cursor. A record HubSpot rejects (HTTP 207) becomes a dead letter, retried by
later runs, and no longer holds the cursor back.
"""

from __future__ import annotations

import contextvars
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime

from connector.hubspot.models import BatchOutcome, RecordUpdate
from connector.hubspot_facts import BATCH_MAX_INPUTS
from connector.logging import get_logger
from connector.state import ContactMemory
from connector.sync.checkpoints import CheckpointTracker
from connector.sync.diff import PlannedWrite
from connector.sync.ports import HubSpotPort, SyncState

#: Batches allowed in flight before the pull waits for one (keeps memory flat).
MAX_WRITES_IN_FLIGHT = 8

log = get_logger(__name__)


@dataclass(frozen=True, slots=True)
class WriteItem:
    """A contact's write (None: nothing differs) and the memory to save once it is done."""

    seq: int
    write: PlannedWrite | None
    memory: ContactMemory


@dataclass(frozen=True, slots=True)
class _Sent:
    """A batch on its way: the items, and the outcomes of its (clear, then set) requests."""

    items: list[WriteItem]
    future: Future[tuple[BatchOutcome, BatchOutcome | None]]


class BatchedWriter:
    def __init__(
        self,
        *,
        port: HubSpotPort,
        store: SyncState,
        tracker: CheckpointTracker,
        portal: str,
        now: datetime,
        threads: int,
        dead_letters_exist: bool,
    ) -> None:
        self._port = port
        self._store = store
        self._tracker = tracker
        self._portal = portal
        self._now = now
        # Resolving dead letters after every batch costs a transaction; skip it when none exist.
        self._dead_letters_exist = dead_letters_exist
        self._pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="writer")
        self._buffer: list[WriteItem] = []
        self._sent: list[_Sent] = []
        self.changed = 0
        self.unchanged = 0
        self.written = 0
        self.failed = 0

    def write(self, items: Sequence[WriteItem]) -> None:
        """Save the unchanged contacts' memory, queue the others; full batches are sent."""
        unchanged = [i for i in items if i.write is None]
        if unchanged:
            self._store.save_memory(self._portal, [i.memory for i in unchanged])
            for item in unchanged:
                self._tracker.release(item.seq)
        self.unchanged += len(unchanged)
        for item in items:
            if item.write is not None:
                self.changed += 1
                self._buffer.append(item)
        while len(self._buffer) >= BATCH_MAX_INPUTS:
            self._send(BATCH_MAX_INPUTS)
        self._collect(block=len(self._sent) >= MAX_WRITES_IN_FLIGHT)

    def flush(self) -> None:
        """Send what is buffered and wait for every write."""
        while self._buffer:
            self._send(BATCH_MAX_INPUTS)
        while self._sent:
            self._collect(block=True)

    def close(self) -> None:
        self._pool.shutdown(wait=True)

    def abandon(self) -> None:
        """Drop every queued write without sending it (the lease is lost): batches not yet
        started are cancelled; one already started meets the fence and sends nothing."""
        self._buffer.clear()
        for sent in self._sent:
            sent.future.cancel()
        self._sent.clear()

    def _send(self, count: int) -> None:
        items, self._buffer = self._buffer[:count], self._buffer[count:]
        plans = [i.write for i in items if i.write is not None]
        # A copy of the run's context, so log lines from the pool carry its run id and portal.
        context = contextvars.copy_context()
        self._sent.append(_Sent(items, self._pool.submit(context.run, self._update, plans)))

    def _update(self, plans: list[PlannedWrite]) -> tuple[BatchOutcome, BatchOutcome | None]:
        clears = [
            RecordUpdate(id=p.contact_id, properties={"lifecyclestage": ""})
            for p in plans
            if p.clear_lifecycle_first
        ]
        # HubSpot moves a stage backwards only after it was cleared, and does not promise order
        # inside one batch: the clear must be its own, earlier request.
        cleared = self._port.update_contacts(clears) if clears else None
        failed_clear = {f.id for f in cleared.failed} if cleared else set()
        updates = [
            RecordUpdate(id=p.contact_id, properties=dict(p.properties))
            for p in plans
            if p.contact_id not in failed_clear
        ]
        return self._port.update_contacts(updates), cleared

    def _collect(self, *, block: bool) -> None:
        while self._sent and (block or self._sent[0].future.done()):
            sent = self._sent.pop(0)
            outcome, cleared = sent.future.result()  # a failed batch call fails the run here
            self._record(sent.items, outcome, cleared)
            block = False

    def _record(
        self, items: list[WriteItem], outcome: BatchOutcome, cleared: BatchOutcome | None
    ) -> None:
        failures = {f.id: f for f in outcome.failed}
        if cleared is not None:
            failures.update({f.id: f for f in cleared.failed})
        ok = [i for i in items if i.memory.contact_id not in failures]
        self.written += len(ok)
        self.failed += len(failures)
        if ok:
            self._store.save_memory(self._portal, [i.memory for i in ok])
            if self._dead_letters_exist:
                self._store.resolve_dead_letters(self._portal, [i.memory.contact_id for i in ok])
        if failures:
            self._dead_letters_exist = True
            self._store.add_dead_letters(
                self._portal,
                [(f.id, f.category, f.message) for f in failures.values()],
                now=self._now,
            )
            log.warning(
                "batch_update_partial_failure",
                failed=len(failures),
                contact_ids=sorted(failures)[:20],
            )
        for item in items:
            self._tracker.release(item.seq)

"""Pull: the pages of contacts a run scores, from the three places they come from.

- the window of contacts modified since the cursor (`pull.py`: keyset search), or on the first
  run the whole portal, by search or by the list endpoint (`backfill.py` has the arithmetic);
- the contacts whose score changes with time alone (decay), and the records HubSpot rejected
  before (dead letters), read back by id: neither needs a portal rescan.

Each page carries a checkpoint: every contact modified at or before it has been pulled. Pages
without one (list pages, revisits) do not move the cursor.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from connector.hubspot.models import CrmRecord
from connector.hubspot_facts import BATCH_MAX_INPUTS
from connector.sync.backfill import BackfillMethod, choose_backfill
from connector.sync.ports import HubSpotPort, SyncState
from connector.sync.progress import Progress
from connector.sync.pull import ModifiedContactsPull

#: Where a first run starts: before HubSpot existed, so every contact is in the window.
EPOCH = datetime(2000, 1, 1, tzinfo=UTC)
#: At most this many decay re-scores and dead-letter retries per run, to keep runs bounded.
RESCORE_LIMIT = 20_000
DEAD_LETTER_LIMIT = 2_000


@dataclass(frozen=True, slots=True)
class Page:
    records: Sequence[CrmRecord]
    checkpoint: datetime | None


@dataclass(frozen=True, slots=True)
class Budgets:
    """HubSpot's two request budgets, per second, for choosing the backfill endpoint."""

    burst_per_second: float
    search_per_second: float


class Pull:
    def __init__(
        self,
        *,
        port: HubSpotPort,
        store: SyncState,
        portal: str,
        properties: Sequence[str],
        stop: threading.Event,
    ) -> None:
        self._port = port
        self._store = store
        self._portal = portal
        self._properties = list(properties)
        self._stop = stop
        self._windows: list[ModifiedContactsPull] = []
        self._list_calls: int | None = None
        self.backfill_method: str | None = None

    def counts(self) -> dict[str, int]:
        """What the pull spent so far, for the run summary (the keys of the paths it took)."""
        counts: dict[str, int] = {}
        if self._windows:
            stats = [w.stats for w in self._windows]
            counts = {
                "search_calls": sum(s.search_calls for s in stats),
                "dropped_outside_window": sum(s.dropped_outside_window for s in stats),
                "boundary_duplicates": sum(s.duplicates_dropped for s in stats),
                "millisecond_drains": sum(s.drains for s in stats),
            }
        if self._list_calls is not None:
            counts["list_calls"] = self._list_calls
        return counts

    def window(self, since: datetime, until: datetime) -> Iterator[Page]:
        """Contacts with since <= lastmodifieddate <= until, each once, checkpointed."""
        pull = ModifiedContactsPull(
            self._port, since=since, until=until, properties=self._properties
        )
        self._windows.append(pull)
        progress: Progress | None = None
        for page in pull:
            if progress is None:
                progress = Progress(label="sync", total=page.total_hint)
            progress.advance(len(page.records))
            yield Page(page.records, page.checkpoint)
        if progress is not None:
            progress.finish()

    def backfill(self, until: datetime, budgets: Budgets) -> Iterator[Page]:
        """The whole portal up to `until`, by the faster endpoint for its size."""
        # One search call with limit 1 tells the portal's size for the arithmetic.
        probe = self._port.search_contacts_modified(
            since=EPOCH, until=until, properties=["hs_object_id"], limit=1
        )
        method = choose_backfill(
            contacts=probe.total,
            write_share=1.0,
            burst_per_second=budgets.burst_per_second,
            search_per_second=budgets.search_per_second,
        ).method
        self.backfill_method = method.value
        if method is BackfillMethod.SEARCH:
            yield from self.window(EPOCH - timedelta(milliseconds=1), until)
            return
        yield from self._list(until)

    def _list(self, until: datetime) -> Iterator[Page]:
        progress = Progress(label="backfill", total=None)
        after: str | None = None
        self._list_calls = 0
        while not self._stop.is_set():
            page = self._port.list_contacts(properties=self._properties, after=after)
            self._list_calls += 1
            # List pages carry no time order, so no page moves the cursor; the end of the
            # list does: everything modified before `until` was on it.
            records = [r for r in page.results if r.updated_at is None or r.updated_at <= until]
            progress.advance(len(records))
            yield Page(records, None)
            if page.next_after is None:
                yield Page([], until)
                break
            after = page.next_after
        progress.finish()

    def due(self, now: datetime) -> Iterator[Page]:
        """Contacts due for a decay re-score or a dead-letter retry, read back by id.

        Call it once everything pulled before is written: contacts this run already scored
        (modified and due at once) are recognised by their memory and not scored twice.
        """
        due = self._store.due_for_rescore(self._portal, now=now, limit=RESCORE_LIMIT)
        letters = self._store.due_dead_letters(self._portal, now=now, limit=DEAD_LETTER_LIMIT)
        ids = list(dict.fromkeys([*due, *(d.contact_id for d in letters)]))
        scored_now = {
            cid
            for cid, m in self._store.get_memory(self._portal, ids).items()
            if m.scored_at >= now
        }
        ids = [i for i in ids if i not in scored_now]
        for start in range(0, len(ids), BATCH_MAX_INPUTS):
            chunk = ids[start : start + BATCH_MAX_INPUTS]
            records = self._port.read_contacts(chunk, self._properties)
            found = {r.id for r in records}
            gone = [i for i in chunk if i not in found]
            if gone:
                # Deleted or merged in HubSpot: nothing left to score.
                self._store.resolve_dead_letters(self._portal, gone)
                self._store.forget_memory(self._portal, gone)
            yield Page(records, None)

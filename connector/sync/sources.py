"""Pull: the pages of contacts a run scores, from the three places they come from.

- the window of contacts modified since the cursor (`pull.py`: keyset search), or on the first
  run the whole portal, by search and the list endpoint at once (`backfill.py`);
- the contacts whose score changes with time alone (decay), and the records HubSpot rejected
  before (dead letters), read back by id: neither needs a portal rescan.

Each page carries a checkpoint: every contact modified at or before it has been pulled. Pages
without one (list pages, revisits) do not move the cursor.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from connector.hubspot.models import CrmRecord
from connector.hubspot_facts import BATCH_MAX_INPUTS
from connector.logging import get_logger
from connector.progress import Progress
from connector.sync.backfill import (
    BackfillPage,
    IdsCompareAsText,
    SplitBackfill,
    load_position,
    save_position,
)
from connector.sync.checkpoints import Checkpoint
from connector.sync.ports import HubSpotPort, SyncState
from connector.sync.pull import ONE_MS, ModifiedContactsPull
from connector.sync.read_ahead import ReadAhead

#: Where a time-ordered backfill starts: before HubSpot existed, so every contact is in it.
EPOCH = datetime(2000, 1, 1, tzinfo=UTC)
#: At most this many decay re-scores and dead-letter retries per run, to keep runs bounded.
RESCORE_LIMIT = 20_000
DEAD_LETTER_LIMIT = 2_000

#: Backfill pages read while the run's thread scores and writes the ones before, so the halves'
#: requests wait on HubSpot while the pages before them are processed. Deep enough that search
#: keeps its pace while the writes catch up on the 10-second budget (the list half holds back
#: meanwhile, `backfill.py`): at 2 pages search sat 13 s of an 82 s backfill blocked here.
#: 32 pages of 200 contacts held about 5 MB more than 2 pages at 100,000 contacts (118 MB vs 114).
PAGES_READ_AHEAD = 32

log = get_logger(__name__)


@dataclass(frozen=True, slots=True)
class Page:
    records: Sequence[CrmRecord]
    checkpoint: Checkpoint | None
    #: read by id or through the list endpoint, which are current: the plans need no fresh
    #: read of what people own (a search page lags writes, so its plans do)
    current: bool = False
    #: when (time.monotonic) it was read, if it may have waited before the run took it
    read_at: float | None = None


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
        self._backfill: SplitBackfill | None = None
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
        if self._backfill is not None:
            walk = self._backfill.stats
            counts.update(
                {
                    "search_calls": counts.get("search_calls", 0) + walk.search_calls,
                    "list_calls": walk.list_calls,
                    "backfill_search_pulled": walk.search_pulled,
                    "backfill_list_pulled": walk.list_pulled,
                    "backfill_overlap": walk.overlap,
                    "backfill_after_horizon": walk.after_horizon,
                }
            )
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

    def backfill(self, until: datetime) -> Iterator[Page]:
        """The whole portal up to `until`, through search and the list endpoint at once (the
        gateway's limiter says what each budget has free: `backfill.py`)."""
        resume = load_position(self._store, self._portal)
        ahead: ReadAhead[BackfillPage] = ReadAhead(PAGES_READ_AHEAD)
        walk = SplitBackfill(
            self._port,
            until=until,
            properties=self._properties,
            resume=resume,
            pages_waiting=ahead.waiting,
            pause=ahead.pause,
        )
        self._backfill = walk
        self.backfill_method = "search+list"
        if resume is not None:
            log.info("backfill_resumed", until=resume.until.isoformat())
        progress: Progress | None = None
        try:
            for page in ahead.read(walk):
                if progress is None:
                    progress = Progress(label="backfill", total=page.total_hint)
                progress.advance(len(page.records))
                yield Page(
                    page.records, page.checkpoint, current=page.current, read_at=page.read_at
                )
        except IdsCompareAsText as exc:
            # Slower, never wrong: the time-ordered walk reads every contact up to the same
            # horizon (one the split already read is read again, and its write is a no-op or
            # the same values; handoffs are keyed).
            log.warning("backfill_by_time", reason=str(exc))
            save_position(self._store, self._portal, None)
            self.backfill_method = "search"
            yield from self.window(EPOCH - ONE_MS, walk.until)
            return
        # Past the last page: the cursor takes over (forgetting a position is always safe).
        save_position(self._store, self._portal, None)
        if progress is not None:
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
            yield Page(records, None, current=True)

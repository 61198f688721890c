"""The first run (backfill): the whole portal, read through both of HubSpot's budgets at once.

HubSpot gives two independent budgets: CRM search (5 requests per second per account, 200 records
a page, not counted in the 10-second budget) and everything else (the 10-second budget: 100 or
190 calls per 10 s by tier), which the list endpoint (100 records a page) and the write-back both
spend. Reading through one endpoint leaves the other budget's reading capacity unused: search
alone reads 1,000 contacts a second while the 10-second budget has calls to spare beside the
writes. Both at once, a backfill of N contacts with W write calls and C company reads takes at
least (N + 100 · (W + C)) / (search records per second + 10-second calls per second · 100):
2,900 records a second at Professional (5 × 200 + 19 × 100).

How the portal is split: the list endpoint walks it up from the lowest id, search walks it down
from the highest (`hs_object_id LT lowest seen`, and `GT what the list has covered`, sorted by id
descending). They meet where they meet, so nothing has to guess the split in advance: each reader
goes as fast as its budget lets it, and the backfill ends when the two have met.

Pacing (one thread, interleaved, so the pipeline's stages stay single-threaded): search goes
first whenever its budget has a free slot; a list page is read only while search would wait and
the 10-second budget has more free than `WRITE_RESERVE_SECONDS` of calls, which stay for the
writes and company reads the same budget carries. The list therefore takes what the write-back
leaves, whatever the tier and however many contacts need writing (all of them on a first run, few
when a portal is backfilled again), and the gateway's limiter, which counts both budgets, is the
one source of truth on what is free (`HubSpotPort.budget_snapshot`). The walk runs ahead of the
run's thread (`read_ahead.py`); while pages it read wait there, the writes are behind, so the list
holds back and the walk looks again shortly, and search reads on into the buffer as its budget
frees (`pages_waiting`).

What holds, as for the incremental pull (`pull.py`):

- Every request of the search half is the first page of a fresh query bounded by id (keyset), so
  the 10,000-result cap never applies; ids are unique, so ties cannot reorder anything.
- A short page never ends a half: a non-empty page moves the bound to its lowest id; an empty page
  that still carries `paging.next.after` is followed by that token (a token seen twice stops the
  run with PaginationLoopError). Only a search page without a token ends the search half: it held
  everything left between the two halves.
- The list endpoint returns contacts in ascending id order; a page that does not (an id at or
  below what the list had already covered) stops the list half, and search covers what is left.
- The two halves meet in numeric id order, so search must compare and sort `hs_object_id` as a
  number. Airbyte's tests report a HubSpot that compares it as text (`GTE "7199"` skipped
  `"719869649082"`; sync-techniques.md §1.2). Before reading anything, a fresh walk asks search
  for the highest id (d digits) and for any id above 10^d: as numbers there is none, as text
  nearly every portal has some. If there are, or the first page is not in numeric order, the
  walk stops before yielding a contact (`IdsCompareAsText`) and the backfill reads through the
  time-ordered search walk instead (`pull.py`), as before issue 12: slower, never wrong.
- Contacts modified after the run's horizon (`until`) are left to the next run's window, whose
  cursor starts there.
- Ids are not time, so a page's checkpoint is the walk's position instead (`BackfillPosition`:
  the horizon and how far each half has read). The run stores it (a state-store blob) once every
  contact read before it is written, as it commits a cursor; a backfill killed or stopped midway
  resumes from it on the next run, with the same horizon. The last page carries `until` itself,
  which becomes the cursor of the incremental runs. Dropping a position is always safe: the walk
  then starts again, and the contacts it already wrote are read again but cost no write (writes
  are diffed against current values).
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from connector.errors import ConnectorError
from connector.hubspot.models import CrmRecord
from connector.sync.ports import HubSpotPort, SyncState
from connector.sync.pull import PaginationLoopError

#: The state-store blob holding an unfinished backfill's position.
POSITION_BLOB = "backfill_position"
#: Seconds of the 10-second budget the list half leaves free for the writes and company reads.
WRITE_RESERVE_SECONDS = 1.0
#: How long the walk waits before looking again while pages wait for the run (s).
LIST_WAIT_SECONDS = 0.01


@dataclass(slots=True)
class BackfillStats:
    search_calls: int = 0
    list_calls: int = 0
    search_pulled: int = 0
    list_pulled: int = 0
    #: modified after the run's horizon: the next run's window has them
    after_horizon: int = 0
    #: read by both halves where they met (dropped the second time)
    overlap: int = 0
    tokens_followed: int = 0
    #: the list endpoint returned ids out of order, so search covered the rest
    list_out_of_order: bool = False


@dataclass(frozen=True, slots=True)
class BackfillPosition:
    """How far a backfill has read: enough to resume it after its pages are written."""

    until: datetime
    #: every id <= list_top was read by the list half, which continues from list_after
    list_top: int | None = None
    list_after: str | None = None
    #: False once the list endpoint answered out of id order (search reads the rest)
    list_open: bool = True
    #: every id >= search_bottom was read by the search half
    search_bottom: int | None = None

    def to_blob(self) -> dict[str, Any]:
        return {
            "until": self.until.isoformat(),
            "list_top": self.list_top,
            "list_after": self.list_after,
            "list_open": self.list_open,
            "search_bottom": self.search_bottom,
        }

    @classmethod
    def from_blob(cls, blob: Mapping[str, Any] | None) -> BackfillPosition | None:
        """The stored position, or None when there is none or it cannot be read (the walk
        then starts again, which is always safe)."""
        if not blob:
            return None
        try:
            until = datetime.fromisoformat(str(blob["until"]))
            top, bottom, after = (
                blob.get("list_top"),
                blob.get("search_bottom"),
                blob.get("list_after"),
            )
            if until.tzinfo is None or not all(
                v is None or isinstance(v, int) for v in (top, bottom)
            ):
                return None
            return cls(
                until=until,
                list_top=top,
                list_after=None if after is None else str(after),
                list_open=bool(blob.get("list_open", True)),
                search_bottom=bottom,
            )
        except (KeyError, ValueError):
            return None


@dataclass(frozen=True, slots=True)
class BackfillPage:
    records: Sequence[CrmRecord]
    #: `until` on the last page (everything up to the horizon has been pulled), else the
    #: position to resume from once this page and those before it are written
    checkpoint: datetime | BackfillPosition
    total_hint: int | None
    #: read through the list endpoint, which is current (search pages lag writes)
    current: bool = False
    #: when (time.monotonic) a list page was read: it may wait in the read-ahead buffer
    read_at: float | None = None


def load_position(store: SyncState, portal: str) -> BackfillPosition | None:
    return BackfillPosition.from_blob(store.get_blob(portal, POSITION_BLOB))


def save_position(store: SyncState, portal: str, position: BackfillPosition | None) -> None:
    store.save_blob(portal, POSITION_BLOB, position.to_blob() if position else {})


class IdsCompareAsText(ConnectorError):
    """Search compares or sorts hs_object_id as text here, so the halves could not meet by
    number; raised before the walk yields anything."""


class SplitBackfill:
    """The portal up to `until`, from both ends at once; iterate it once."""

    def __init__(
        self,
        port: HubSpotPort,
        *,
        until: datetime,
        properties: Sequence[str],
        resume: BackfillPosition | None = None,
        pages_waiting: Callable[[], int] = lambda: 0,
        pause: Callable[[float], None] = time.sleep,
    ) -> None:
        start = resume or BackfillPosition(until=until)
        self._port = port
        self._until = start.until  # a resumed walk keeps its horizon
        self._properties = list(properties)
        #: pages read that the run has not taken yet (`read_ahead.ReadAhead.waiting`)
        self._pages_waiting = pages_waiting
        self._pause = pause
        #: every id <= this has been read by the list half (None: nothing yet)
        self._list_top = start.list_top
        #: every id >= this has been read by the search half (None: nothing yet)
        self._search_bottom = start.search_bottom
        self._list_after = start.list_after
        #: the list half may read more / it reached the end of the portal / search did
        self._list_open = start.list_open
        self._list_complete = False
        self._search_complete = False
        self._search_tokens: set[str] = set()
        self._list_tokens: set[str] = set()
        self.stats = BackfillStats()

    def __iter__(self) -> Iterator[BackfillPage]:
        if self._list_top is None and self._search_bottom is None:
            self._check_ids_compare_as_numbers()
        while not self._met():
            listed = self._list_turn()
            if listed:
                records = self._list_page()
                total = None
            else:
                records, total = self._search_page()
            if records:
                yield BackfillPage(
                    records, self.position(), total, current=listed, read_at=time.monotonic()
                )
        yield BackfillPage((), self._until, None)

    @property
    def until(self) -> datetime:
        return self._until

    def position(self) -> BackfillPosition:
        return BackfillPosition(
            until=self._until,
            list_top=self._list_top,
            list_after=self._list_after,
            list_open=self._list_open,
            search_bottom=self._search_bottom,
        )

    # -- who goes next ------------------------------------------------------------------------

    def _met(self) -> bool:
        if self._list_complete or self._search_complete:
            return True
        top, bottom = self._list_top, self._search_bottom
        return top is not None and bottom is not None and top + 1 >= bottom

    def _list_turn(self) -> bool:
        """Whether the next page comes from the list half (else from search).

        Search goes whenever its budget has a free slot: it reads twice as much per call. While
        search would wait, the list reads if the 10-second budget has more free than the
        writes' reserve; but while pages wait for the run, the writes are behind, so the list
        leaves them the budget and the walk looks again shortly (search's slot may free first).
        """
        while self._list_open:
            budgets = self._port.budget_snapshot()
            if budgets.search_used < budgets.search_capacity:
                return False
            reserve = budgets.burst_capacity / budgets.burst_interval * WRITE_RESERVE_SECONDS
            if budgets.burst_capacity - budgets.burst_used <= reserve:
                return False
            if not self._pages_waiting():
                return True
            self._pause(LIST_WAIT_SECONDS)
        return False

    def _check_ids_compare_as_numbers(self) -> None:
        after: str | None = None
        tokens: set[str] = set()
        while True:
            top = self._port.search_contacts_by_id(
                above_id=None, below_id=None, properties=["hs_object_id"], limit=1, after=after
            )
            self.stats.search_calls += 1
            if top.results or top.next_after is None:
                break
            after = _follow(top.next_after, tokens)  # an empty page that still says "more"
        if not top.results:
            return  # an empty portal: nothing can be missed
        digits = len(str(int(top.results[0].id)))
        above = self._port.search_contacts_by_id(
            above_id="1" + "0" * digits, below_id=None, properties=["hs_object_id"], limit=1
        )
        self.stats.search_calls += 1
        if above.total > 0 or above.results:
            raise IdsCompareAsText(
                "HubSpot's search compares hs_object_id as text on this portal: the backfill "
                "reads through the time-ordered search instead of splitting the portal by id"
            )

    # -- the two halves -----------------------------------------------------------------------

    def _search_page(self) -> tuple[list[CrmRecord], int]:
        after: str | None = None
        self._search_tokens.clear()  # a new query
        while True:
            self.stats.search_calls += 1
            page = self._port.search_contacts_by_id(
                above_id=None if self._list_top is None else str(self._list_top),
                below_id=None if self._search_bottom is None else str(self._search_bottom),
                properties=self._properties,
                after=after,
            )
            if page.next_after is not None and not page.results:
                after = _follow(page.next_after, self._search_tokens)
                self.stats.tokens_followed += 1
                continue
            break
        numbers = [int(r.id) for r in page.results]
        if any(b >= a for a, b in itertools.pairwise(numbers)):
            raise IdsCompareAsText(
                "HubSpot's search sorted hs_object_id as text: a backfill split by id could "
                "miss contacts; stopping (the next run's backfill reads by time instead)"
            )
        if page.next_after is None:
            # Everything between the two halves was on this page: they have met.
            self._search_complete = True
        elif page.results:
            self._search_bottom = min(int(r.id) for r in page.results)
        fresh = self._keep(page.results, self._listed)
        self.stats.search_pulled += len(fresh)
        return fresh, page.total

    def _list_page(self) -> list[CrmRecord]:
        self.stats.list_calls += 1
        page = self._port.list_contacts(properties=self._properties, after=self._list_after)
        ids = [int(r.id) for r in page.results]
        floor = self._list_top
        if any(b <= a for a, b in itertools.pairwise(ids)) or (
            floor is not None and ids and ids[0] <= floor
        ):
            # Not in id order: what the page covers is unknown, so the list stops where it
            # was and search reads everything above that.
            self.stats.list_out_of_order = True
            self._list_open = False
            return []
        if page.next_after is None:
            self._list_complete = True  # the whole portal is listed
        else:
            if not ids:
                _follow(page.next_after, self._list_tokens)
                self.stats.tokens_followed += 1
            else:
                self._list_top = ids[-1]
            self._list_after = page.next_after
        fresh = self._keep(page.results, self._searched)
        self.stats.list_pulled += len(fresh)
        return fresh

    def _keep(
        self, records: Sequence[CrmRecord], read_before: Callable[[int], bool]
    ) -> list[CrmRecord]:
        """Drop what the other half already read and what was modified after the horizon."""
        kept: list[CrmRecord] = []
        for record in records:
            if read_before(int(record.id)):
                self.stats.overlap += 1
            elif record.updated_at is not None and record.updated_at > self._until:
                self.stats.after_horizon += 1
            else:
                kept.append(record)
        return kept

    def _listed(self, number: int) -> bool:
        return self._list_top is not None and number <= self._list_top

    def _searched(self, number: int) -> bool:
        return self._search_bottom is not None and number >= self._search_bottom


def _follow(token: str, seen: set[str]) -> str:
    if token in seen:
        raise PaginationLoopError(
            f"HubSpot repeated the page token {token!r}; stopping instead of looping"
        )
    seen.add(token)
    return token

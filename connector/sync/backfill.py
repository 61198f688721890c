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

Pacing (`read_halves`, what a run uses): each half reads on a thread of its own, so neither
budget waits for the other's request. Search reads as fast as its budget lets it; a list page is
read only while search would wait (a search call reads twice what a list call does), the
10-second budget has more free than `WRITE_RESERVE_SECONDS` of calls (they stay for the writes
and company reads the same budget carries), and the run's thread has taken every page read so
far: when the writes fall behind, the pages pile up and the list leaves the
budget to them until they catch up, while search reads on into the buffer. The list therefore
takes what the write-back leaves, whatever the tier and however many contacts need writing, and
the gateway's limiter, which counts both budgets, is the one source of truth on what is free
(`HubSpotPort.budget_snapshot`). Iterating the walk itself reads both halves on the caller's
thread, interleaved (search first, a list page while search would wait): the same pages and
invariants, in an order the unit tests can fix.

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
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from connector.errors import ConnectorError
from connector.hubspot import LimiterSnapshot
from connector.hubspot.models import CrmRecord, ListPage, SearchPage
from connector.sync.ports import HubSpotPort, SyncState
from connector.sync.pull import PaginationLoopError
from connector.sync.read_ahead import Feed, read_with

#: The state-store blob holding an unfinished backfill's position.
POSITION_BLOB = "backfill_position"
#: Seconds of the 10-second budget the list half leaves free for the writes and company reads.
WRITE_RESERVE_SECONDS = 1.0
#: How long the list half waits before looking again at a 10-second budget without room (s).
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
    ) -> None:
        start = resume or BackfillPosition(until=until)
        self._port = port
        self._until = start.until  # a resumed walk keeps its horizon
        self._properties = list(properties)
        #: every id <= this has been read by the list half (None: nothing yet)
        self._list_top = start.list_top
        #: every id >= this has been read by the search half (None: nothing yet)
        self._search_bottom = start.search_bottom
        self._list_after = start.list_after
        #: the list half may read more / it reached the end of the portal / search did
        self._list_open = start.list_open
        self._list_complete = False
        self._search_complete = False
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
                yield BackfillPage(records, self.position(), total, current=listed)
        yield BackfillPage((), self._until, None)

    def read_halves(self, depth: int) -> Iterator[BackfillPage]:
        """The same walk, each half on a reader thread of its own, at most `depth` pages ahead.

        One thread would leave one budget idle while the other's request is on its way; two
        keep both busy. The bounds, the position and the hand-over of each page change under
        one lock, so a page's position covers it and every page handed over before it.
        """
        if self._list_top is None and self._search_bottom is None:
            self._check_ids_compare_as_numbers()
        lock = threading.Lock()

        def search_half(feed: Feed[BackfillPage]) -> None:
            while True:
                with lock:
                    if self._met():
                        return
                    top, bottom = self._list_top, self._search_bottom
                page = self._search_request(top, bottom)
                with lock:
                    records = self._search_take(page)
                    if records and not feed.put(BackfillPage(records, self.position(), page.total)):
                        return

        def list_half(feed: Feed[BackfillPage]) -> None:
            while True:
                with lock:
                    if self._met() or not self._list_open:
                        return
                if feed.waiting() or not self._list_turn():
                    if feed.wait(LIST_WAIT_SECONDS):
                        return
                    continue
                page = self._list_request()
                with lock:
                    records = self._list_take(page)
                    if records and not feed.put(
                        BackfillPage(records, self.position(), None, current=True)
                    ):
                        return

        yield from read_with([search_half, list_half], depth)
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
        if not self._list_open:
            return False
        budgets = self._port.budget_snapshot()
        if budgets.search_used < budgets.search_capacity:
            return False  # search can start now: it reads twice as much per call
        return _burst_has_room(budgets)

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
        page = self._search_request(self._list_top, self._search_bottom)
        return self._search_take(page), page.total

    def _search_request(self, top: int | None, bottom: int | None) -> SearchPage:
        """The next search page between the halves' bounds (ids above `top`, below `bottom`)."""
        after: str | None = None
        tokens: set[str] = set()  # a new query
        while True:
            self.stats.search_calls += 1
            page = self._port.search_contacts_by_id(
                above_id=None if top is None else str(top),
                below_id=None if bottom is None else str(bottom),
                properties=self._properties,
                after=after,
            )
            if page.next_after is not None and not page.results:
                after = _follow(page.next_after, tokens)
                self.stats.tokens_followed += 1
                continue
            return page

    def _search_take(self, page: SearchPage) -> list[CrmRecord]:
        numbers = [int(r.id) for r in page.results]
        if any(b >= a for a, b in itertools.pairwise(numbers)):
            raise IdsCompareAsText(
                "HubSpot's search sorted hs_object_id as text: a backfill split by id could "
                "miss contacts; stopping (the next run's backfill reads by time instead)"
            )
        if self._met():
            # The list read to the end while this page was on its way: all of it is listed.
            self.stats.overlap += len(page.results)
            return []
        if page.next_after is None:
            # Everything between the two halves was on this page: they have met.
            self._search_complete = True
        elif page.results:
            self._search_bottom = min(numbers)
        fresh = self._keep(page.results, self._listed)
        self.stats.search_pulled += len(fresh)
        return fresh

    def _list_page(self) -> list[CrmRecord]:
        return self._list_take(self._list_request())

    def _list_request(self) -> ListPage:
        self.stats.list_calls += 1
        return self._port.list_contacts(properties=self._properties, after=self._list_after)

    def _list_take(self, page: ListPage) -> list[CrmRecord]:
        if self._met():
            # Search read down to the list's position while this page was on its way.
            self.stats.overlap += len(page.results)
            return []
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


def _burst_has_room(budgets: LimiterSnapshot) -> bool:
    """The 10-second budget has more free than the writes' reserve."""
    reserve = budgets.burst_capacity / budgets.burst_interval * WRITE_RESERVE_SECONDS
    return budgets.burst_capacity - budgets.burst_used > reserve


def _follow(token: str, seen: set[str]) -> str:
    if token in seen:
        raise PaginationLoopError(
            f"HubSpot repeated the page token {token!r}; stopping instead of looping"
        )
    seen.add(token)
    return token

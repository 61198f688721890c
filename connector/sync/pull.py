"""The incremental pull: every contact modified inside a window, each exactly once, in order.

Why keyset paging instead of following `after` offsets through one query: the connector's own
write-back (and any edit made in HubSpot during a run) moves contacts out of the window, because a
write stamps a new `lastmodifieddate`. An offset cursor over a shrinking result set skips the
records that slide back past it; the skipped ones are then lost when the cursor moves on. So every
request here is the *first page* of a fresh query that starts at the last timestamp seen:

- `lastmodifieddate GTE t AND LTE until`, sorted ascending, 200 per page. The page holds every
  not-yet-seen contact with `t <= ts < max_ts(page)`; the ones at `max_ts` may continue on the next
  page, so the next query starts at `max_ts` again and the ids already seen at that millisecond are
  dropped (the boundary millisecond is re-read, never skipped).
- When a page holds nothing newer than `t` (a millisecond shared by more contacts than a page), that
  millisecond is drained by id: `lastmodifieddate EQ t AND hs_object_id GT last_id`, sorted by id,
  and then the walk continues at `t + 1 ms`. This handles any number of contacts in one
  millisecond (HubSpot's bulk updates stamp thousands at once).
- Queries therefore never page past HubSpot's 10,000-result cap, and a short page (fewer results
  than `limit`) never ends the walk: only a response without `paging.next.after` does. An empty page
  that still carries `paging.next.after` is followed by that token; a token seen twice stops the run
  with PaginationLoopError instead of looping forever.
- Results outside the window (HubSpot returns some from just before `since` within the same
  millisecond) are dropped.

Each yielded `PulledPage` carries a checkpoint: every contact modified at or before it has been
yielded. The cursor is committed from checkpoints only after the records before it are written.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from connector.errors import ConnectorError
from connector.hubspot.models import CrmRecord, SearchPage
from connector.hubspot_facts import SEARCH_PAGE_MAX
from connector.sync.ports import HubSpotPort

ONE_MS = timedelta(milliseconds=1)


class PaginationLoopError(ConnectorError):
    """HubSpot returned a page token that was already followed: stop rather than loop forever."""


@dataclass(frozen=True, slots=True)
class PulledPage:
    """Contacts not yielded before, and the point up to which the window is now complete."""

    records: tuple[CrmRecord, ...]
    checkpoint: datetime
    total_hint: int


@dataclass(slots=True)
class PullStats:
    search_calls: int = 0
    dropped_outside_window: int = 0
    duplicates_dropped: int = 0
    drains: int = 0
    tokens_followed: int = 0


def _ts(record: CrmRecord) -> datetime:
    if record.updated_at is None:
        raise ConnectorError(f"contact {record.id} came back without lastmodifieddate")
    return record.updated_at


class ModifiedContactsPull:
    """Walks one window [since, until] of modified contacts; iterate it once."""

    def __init__(
        self,
        port: HubSpotPort,
        *,
        since: datetime,
        until: datetime,
        properties: Sequence[str],
        # The largest page: fewer calls against the 5 searches a second.
        limit: int = SEARCH_PAGE_MAX,
    ) -> None:
        self._port = port
        self._since = since
        self._until = until
        self._properties = list(properties)
        self._limit = limit
        #: the page tokens followed in the current query: a token is an offset into one query's
        #: results, so the same token in another query is no loop
        self._tokens: set[str] = set()
        self.stats = PullStats()

    def __iter__(self) -> Iterator[PulledPage]:
        if self._since > self._until:
            return
        cursor = self._since
        seen_at_cursor: set[str] = set()
        after: str | None = None
        while True:
            page = self._search(cursor, after)
            fresh = self._fresh(page.results, cursor, seen_at_cursor)
            newest = max((_ts(r) for r in fresh), default=cursor)
            if page.next_after is None:
                yield PulledPage(tuple(fresh), self._until, page.total)
                return
            if not page.results:
                # A short (here: empty) page that still says "more": follow its token.
                after = self._follow(page.next_after)
                continue
            after = None
            if newest > cursor:
                # Everything strictly before `newest` is complete; `newest` may continue.
                seen_at_cursor = {r.id for r in fresh if _ts(r) == newest}
                cursor = newest
                yield PulledPage(tuple(fresh), newest - ONE_MS, page.total)
                continue
            # Nothing newer than the cursor on a non-final page: the millisecond holds more
            # contacts than a page. Drain it by id, then step past it.
            if fresh:
                yield PulledPage(tuple(fresh), cursor - ONE_MS, page.total)
            seen_at_cursor.update(r.id for r in fresh)
            yield from self._drain(cursor, seen_at_cursor, page.total)
            cursor = cursor + ONE_MS
            seen_at_cursor = set()
            if cursor > self._until:
                return

    def _search(self, cursor: datetime, after: str | None) -> SearchPage:
        if after is None:
            self._tokens.clear()  # a new query
        self.stats.search_calls += 1
        return self._port.search_contacts_modified(
            since=cursor,
            until=self._until,
            properties=self._properties,
            after=after,
            limit=self._limit,
        )

    def _follow(self, token: str) -> str:
        if token in self._tokens:
            raise PaginationLoopError(
                f"HubSpot repeated the search page token {token!r}; stopping instead of looping"
            )
        self._tokens.add(token)
        self.stats.tokens_followed += 1
        return token

    def _fresh(
        self, results: Sequence[CrmRecord], cursor: datetime, seen_at_cursor: set[str]
    ) -> list[CrmRecord]:
        fresh: list[CrmRecord] = []
        batch_ids: set[str] = set()
        for record in results:
            ts = _ts(record)
            if ts < cursor or ts > self._until:
                self.stats.dropped_outside_window += 1
                continue
            if (ts == cursor and record.id in seen_at_cursor) or record.id in batch_ids:
                self.stats.duplicates_dropped += 1
                continue
            batch_ids.add(record.id)
            fresh.append(record)
        return fresh

    def _drain(self, instant: datetime, seen: set[str], total: int) -> Iterator[PulledPage]:
        self.stats.drains += 1
        last_id: str | None = None
        after: str | None = None
        while True:
            if after is None:
                self._tokens.clear()  # a new query
            self.stats.search_calls += 1
            page = self._port.search_contacts_modified_at(
                instant=instant,
                after_id=last_id,
                properties=self._properties,
                limit=self._limit,
                after=after,
            )
            fresh: list[CrmRecord] = []
            for record in page.results:
                if _ts(record) != instant:
                    self.stats.dropped_outside_window += 1
                elif record.id in seen:
                    self.stats.duplicates_dropped += 1
                else:
                    seen.add(record.id)
                    fresh.append(record)
            # The millisecond is complete only once its drain ends.
            if page.next_after is None:
                yield PulledPage(tuple(fresh), instant, total)
                return
            yield PulledPage(tuple(fresh), instant - ONE_MS, total)
            if page.results:
                last_id = max((r.id for r in page.results), key=int)
                after = None
            else:
                after = self._follow(page.next_after)

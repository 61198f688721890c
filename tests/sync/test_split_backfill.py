"""The backfill's two halves (list up from the lowest id, search down from the highest), against
a small fake of HubSpot's list endpoint, id-bounded search and the limiter's view of the budgets.

What every walk checks (`walk_all`): each contact up to the horizon is yielded exactly once, none
modified after it, and the last page carries the horizon itself.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, cast

import pytest

from connector.hubspot import LimiterSnapshot
from connector.hubspot.models import CrmRecord, ListPage, SearchPage
from connector.sync.backfill import (
    LIST_WAIT_SECONDS,
    BackfillPage,
    BackfillPosition,
    IdsCompareAsText,
    SplitBackfill,
    load_position,
    save_position,
)
from connector.sync.ports import HubSpotPort, SyncState
from connector.sync.pull import PaginationLoopError
from connector.sync.sources import Pull

UNTIL = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def snapshot(*, search_free: bool, burst_free: int) -> LimiterSnapshot:
    return LimiterSnapshot(
        burst_capacity=190,
        burst_interval=10.0,
        burst_used=190 - burst_free,
        search_capacity=5,
        search_used=4 if search_free else 5,
        daily_remaining=None,
        daily_blocked_until=None,
        burst_delay=0.0,
        search_delay=0.0,
    )


@dataclass
class FakePortal:
    """Contacts {id: minutes before UNTIL they were modified (negative: after it)}.

    Attributes:
        search_busy: which budget_snapshot calls report search's budget spent (by call number);
            None: search is never busy, so the list never gets a turn.
        burst_free: free calls in the 10-second budget the snapshot reports.
        short_pages: cut pages to a random shorter length, keeping `next.after`.
        empty_pages: answer this many search queries first with an empty page and a token.
        repeat_token: answer every search page empty with this same token.
        list_out_of_order_at: the list call (1-based) whose page comes back out of id order.
    """

    modified: dict[int, int]
    seed: int = 0
    search_busy: int | None = 2
    burst_free: int = 100
    short_pages: bool = False
    empty_pages: int = 0
    repeat_token: str | None = None
    list_out_of_order_at: int | None = None
    #: search compares and sorts hs_object_id as text (as Airbyte's tests report of HubSpot)
    text_ids: bool = False
    snapshots: int = 0
    list_calls: int = 0
    search_calls: int = 0
    _rng: random.Random = field(init=False)

    def __post_init__(self) -> None:
        self._rng = random.Random(self.seed)
        self._ids = sorted(self.modified)

    def record(self, cid: int) -> CrmRecord:
        return CrmRecord(
            id=str(cid),
            properties={"hs_object_id": str(cid)},
            updated_at=UNTIL - timedelta(minutes=self.modified[cid]),
        )

    def budget_snapshot(self) -> LimiterSnapshot:
        self.snapshots += 1
        busy = self.search_busy is not None and self.snapshots % self.search_busy == 0
        return snapshot(search_free=not busy, burst_free=self.burst_free)

    def _cut(self, rows: list[int], more: bool) -> list[int]:
        if self.short_pages and more and len(rows) > 1:
            return rows[: self._rng.randint(1, len(rows) - 1)]
        return rows

    def list_contacts(
        self, *, properties: Sequence[str], after: str | None = None, limit: int = 100
    ) -> ListPage:
        self.list_calls += 1
        start = (
            0
            if after is None
            else next((i for i, cid in enumerate(self._ids) if cid > int(after)), len(self._ids))
        )
        rows = self._ids[start : start + limit]
        more = start + limit < len(self._ids)
        rows = self._cut(rows, more)
        if self.list_calls == self.list_out_of_order_at:
            rows = list(reversed(rows))
        token = str(max(rows)) if more and rows else (after if more else None)
        return ListPage(results=tuple(self.record(c) for c in rows), next_after=token)

    def search_contacts_by_id(
        self,
        *,
        above_id: str | None,
        below_id: str | None,
        properties: Sequence[str],
        after: str | None = None,
        limit: int = 200,
    ) -> SearchPage:
        self.search_calls += 1
        if self.repeat_token is not None and limit > 1:
            return SearchPage(results=(), total=1, next_after=self.repeat_token)

        def key(value: int | str) -> tuple[int, ...]:
            # As text: character by character, a shorter prefix first; as numbers: by value.
            text = str(value)
            return tuple(ord(ch) for ch in text) if self.text_ids else (int(text),)

        hits = [
            c
            for c in sorted(self._ids, key=key, reverse=True)
            if (above_id is None or key(c) > key(above_id))
            and (below_id is None or key(c) < key(below_id))
        ]
        if after is None and self.empty_pages > 0 and hits:
            self.empty_pages -= 1
            return SearchPage(results=(), total=len(hits), next_after="0")
        offset = int(after or 0)
        rows = hits[offset : offset + limit]
        more = offset + limit < len(hits)
        rows = self._cut(rows, more)
        token = str(offset + len(rows)) if more else None
        return SearchPage(
            results=tuple(self.record(c) for c in rows), total=len(hits), next_after=token
        )


def portal(count: int, seed: int = 0, **kwargs: Any) -> FakePortal:
    rng = random.Random(seed)
    ids = rng.sample(range(1, count * 5), count)  # sparse ids, as HubSpot's are
    return FakePortal({cid: rng.randint(1, 10_000) for cid in ids}, seed=seed, **kwargs)


def port(fake: FakePortal) -> HubSpotPort:
    """The fake as the port the walk takes (it answers only what the walk asks)."""
    return cast(HubSpotPort, fake)


def walk_all(fake: FakePortal, pages: list[BackfillPage] | None = None) -> list[str]:
    pages = list(SplitBackfill(port(fake), until=UNTIL, properties=[])) if pages is None else pages
    assert pages[-1].checkpoint == UNTIL and not pages[-1].records
    yielded = [r.id for p in pages for r in p.records]
    assert len(yielded) == len(set(yielded)), "a contact was yielded twice"
    expected = {str(c) for c, minutes in fake.modified.items() if minutes >= 0}
    assert set(yielded) == expected
    return yielded


def test_both_halves_read_and_every_contact_comes_once() -> None:
    fake = portal(5_000)
    walk = SplitBackfill(port(fake), until=UNTIL, properties=[])
    walk_all(fake, list(walk))
    assert fake.list_calls > 0 and fake.search_calls > 0
    stats = walk.stats
    assert stats.list_pulled + stats.search_pulled == 5_000
    # Each half reads its own ids: at most one page's worth is read twice where they meet.
    assert stats.overlap <= 200


def test_where_the_halves_meet_inside_a_page_the_second_reader_drops_the_first_ones() -> None:
    # Search reads the top 200 of 250, then a list page of the lowest 100 reaches into them.
    fake = portal(250)
    walk = SplitBackfill(port(fake), until=UNTIL, properties=[])
    walk_all(fake, list(walk))
    assert (fake.search_calls, fake.list_calls) == (2 + 1, 1)
    assert walk.stats.overlap == 50


def test_search_alone_while_its_budget_always_has_a_free_slot() -> None:
    fake = portal(2_000, search_busy=None)
    walk_all(fake)
    assert fake.list_calls == 0
    assert fake.search_calls == 2 + 2_000 // 200  # two calls check how ids compare


def test_the_list_leaves_a_second_of_the_ten_second_budget_to_the_writes() -> None:
    # 19 calls a second at Professional: with 19 or fewer free, the list waits for search.
    fake = portal(2_000, burst_free=19)
    walk_all(fake)
    assert fake.list_calls == 0
    fake = portal(2_000, burst_free=20)
    walk_all(fake)
    assert fake.list_calls > 0


def test_the_list_holds_back_while_pages_wait_for_the_run() -> None:
    # Search is spent on every look; the run has pages waiting for the first three looks.
    fake = portal(1_000, search_busy=1)
    waiting = iter([2, 1, 1])
    pauses: list[float] = []
    walk = SplitBackfill(
        port(fake),
        until=UNTIL,
        properties=[],
        pages_waiting=lambda: next(waiting, 0),
        pause=pauses.append,
    )
    pages = iter(walk)
    first = next(pages)
    # Three pauses (the writes are behind), then the list's page once nothing waits.
    assert first.current and fake.list_calls == 1 and fake.search_calls == 2
    assert pauses == [LIST_WAIT_SECONDS] * 3
    walk_all(fake, [first, *pages])


def test_while_pages_wait_search_still_reads_as_soon_as_its_budget_frees() -> None:
    # Pages always wait: the list never reads, and search's free slots carry the whole walk.
    fake = portal(1_000, search_busy=3)
    pauses: list[float] = []
    walk = SplitBackfill(
        port(fake), until=UNTIL, properties=[], pages_waiting=lambda: 1, pause=pauses.append
    )
    walk_all(fake, list(walk))
    assert fake.list_calls == 0 and walk.stats.search_pulled == 1_000
    assert pauses and set(pauses) == {LIST_WAIT_SECONDS}


@pytest.mark.parametrize("seed", range(5))
def test_short_pages_that_still_carry_next_after_never_end_a_half(seed: int) -> None:
    fake = portal(3_000, seed=seed, short_pages=True, empty_pages=3)
    walk_all(fake)
    assert fake.list_calls > 0


def test_a_repeated_search_token_stops_instead_of_looping() -> None:
    fake = portal(500, search_busy=None, repeat_token="7")
    with pytest.raises(PaginationLoopError):
        walk_all(fake)


def test_a_list_page_out_of_id_order_hands_the_rest_to_search() -> None:
    fake = portal(3_000, list_out_of_order_at=3)
    walk = SplitBackfill(port(fake), until=UNTIL, properties=[])
    walk_all(fake, list(walk))
    assert walk.stats.list_out_of_order
    assert fake.list_calls == 3  # no list call after the bad page


def test_contacts_modified_after_the_horizon_are_left_to_the_next_window() -> None:
    fake = portal(1_000)
    late = list(fake.modified)[::7]
    for cid in late:
        fake.modified[cid] = -5  # five minutes after the horizon
    walk = SplitBackfill(port(fake), until=UNTIL, properties=[])
    walk_all(fake, list(walk))
    assert walk.stats.after_horizon == len(late)


@pytest.mark.parametrize("stop_after", [1, 4, 9])
def test_a_stopped_walk_resumes_from_its_position_with_its_horizon(stop_after: int) -> None:
    fake = portal(3_000, seed=stop_after)
    first: list[BackfillPage] = []
    for page in SplitBackfill(port(fake), until=UNTIL, properties=[]):
        first.append(page)
        if len(first) == stop_after:
            break
    position = first[-1].checkpoint
    assert isinstance(position, BackfillPosition)
    # The next run's own horizon is later: the resumed walk keeps the first one.
    rest = list(
        SplitBackfill(port(fake), until=UNTIL + timedelta(hours=1), properties=[], resume=position)
    )
    walk_all(fake, first + rest)


class _Blobs:
    """The state store's blobs, as the backfill's position uses them."""

    def __init__(self) -> None:
        self.blobs: dict[tuple[str, str], dict[str, Any]] = {}

    def get_blob(self, portal: str, name: str) -> dict[str, Any] | None:
        return self.blobs.get((portal, name))

    def save_blob(self, portal: str, name: str, value: Mapping[str, Any]) -> None:
        self.blobs[(portal, name)] = dict(value)


def test_the_position_survives_the_state_store_and_garbage_reads_as_none() -> None:
    store = cast(SyncState, _Blobs())
    position = BackfillPosition(
        until=UNTIL, list_top=120, list_after="121", list_open=False, search_bottom=9_000
    )
    save_position(store, "p", position)
    assert load_position(store, "p") == position
    save_position(store, "p", None)
    assert load_position(store, "p") is None
    for garbage in ({"until": "yesterday"}, {"until": UNTIL.isoformat(), "list_top": "x"}, {}):
        assert BackfillPosition.from_blob(garbage) is None


@pytest.mark.parametrize(
    "ids",
    [
        pytest.param(range(500, 12_000, 7), id="3-to-5-digit-ids"),
        # Equal lengths would compare alike; the check cannot know all are equal, so it errs
        # towards the slower, safe walk.
        pytest.param(range(10_000, 40_000, 9), id="5-digit-ids"),
    ],
)
def test_a_search_that_compares_ids_as_text_stops_the_split_before_any_contact(
    ids: range,
) -> None:
    fake = FakePortal(dict.fromkeys(ids, 60), text_ids=True)
    walk = iter(SplitBackfill(port(fake), until=UNTIL, properties=[]))
    with pytest.raises(IdsCompareAsText):
        next(walk)
    assert fake.list_calls == 0 and fake.search_calls == 2


def test_ids_of_many_lengths_split_where_search_compares_them_as_numbers() -> None:
    fake = FakePortal(dict.fromkeys(range(500, 12_000, 7), 60))
    walk_all(fake)
    assert fake.list_calls > 0


def test_where_ids_compare_as_text_the_backfill_reads_by_time_instead() -> None:
    from tests.sync.test_pull_invariants import T0, FakeSearch

    class TextIds(FakeSearch):
        """The time-ordered search of the pull's fake, with an id search that compares as
        text and a list endpoint the walk never gets to."""

        def search_contacts_by_id(self, **kwargs: Any) -> SearchPage:
            above = kwargs.get("above_id")
            hits = sorted((c for c in self.modified if above is None or c > above), reverse=True)
            return SearchPage(
                results=tuple(CrmRecord(id=c, properties={}) for c in hits[: kwargs["limit"]]),
                total=len(hits),
                next_after=None,
            )

        def budget_snapshot(self) -> LimiterSnapshot:
            return snapshot(search_free=True, burst_free=100)

    portal_ids = {str(n): n % 50 for n in range(90, 1_300)}  # 2 to 4 digits, ties
    fake = TextIds(portal_ids)
    store = _Blobs()
    pull = Pull(
        port=cast(HubSpotPort, fake),
        store=cast(SyncState, store),
        portal="p",
        properties=[],
        stop=threading.Event(),
    )
    until = T0 + timedelta(milliseconds=60)
    pages = list(pull.backfill(until))
    yielded = [r.id for p in pages for r in p.records]
    assert sorted(yielded) == sorted(portal_ids)  # each once
    assert pages[-1].checkpoint == until
    assert pull.backfill_method == "search"
    assert load_position(cast(SyncState, store), "p") is None

"""The pull's invariants, against a small fake of HubSpot's search rather than the sandbox.

`FakeSearch` answers the two searches `ModifiedContactsPull` makes the way HubSpot does, and can
be made to misbehave the ways HubSpot does: ties on `lastmodifieddate` come back in a new order
on every call, pages come back short but still say "more", pages past the first 10,000 results
are refused, a page token can repeat, and results can lie just outside the window asked for.
Every random choice comes from a seeded `random.Random`, so each case is reproducible.

What every case checks (`pull_all`): each contact of the window is yielded exactly once, nothing
outside the window is yielded, checkpoints never go back, and at each checkpoint every contact
modified at or before it has already been yielded.
"""

from __future__ import annotations

import bisect
import itertools
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest

from connector.errors import FatalHubSpotError
from connector.hubspot.models import CrmRecord, SearchPage
from connector.hubspot_facts import SEARCH_RESULTS_CAP
from connector.sync.pull import ModifiedContactsPull, PaginationLoopError, PulledPage

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
ONE_MS = timedelta(milliseconds=1)


def at(ms: int) -> datetime:
    """The instant `ms` milliseconds after T0."""
    return T0 + ms * ONE_MS


@dataclass
class FakeSearch:
    """HubSpot's contact search over an in-memory portal {id: lastmodifieddate in ms from T0}.

    Attributes:
        modified: the portal.
        seed: seeds the order of ties and the length of short pages.
        short_pages: cut every non-final page to a random shorter length, keeping `next.after`.
        empty_first_pages: answer the first page (no `after`) of this many queries with no
            results and a `next.after` that points at the same results (a transient empty page).
        stuck_token: answer every page with no results and this same `next.after`.
        slack_ms: also match contacts up to this many ms outside [since, until], as HubSpot
            sometimes does around the window's edges.
    """

    modified: dict[str, int]
    seed: int = 0
    short_pages: bool = False
    empty_first_pages: int = 0
    stuck_token: str | None = None
    slack_ms: int = 0
    calls: list[tuple[str, int, str | None]] = field(default_factory=list)
    largest_total: int = 0

    def __post_init__(self) -> None:
        self._rng = random.Random(self.seed)
        self._by_time = sorted((ms, int(cid)) for cid, ms in self.modified.items())

    def search_contacts_modified(
        self,
        *,
        since: datetime,
        until: datetime,
        properties: Sequence[str],
        after: str | None = None,
        limit: int = 200,
    ) -> SearchPage:
        """`lastmodifieddate GTE since AND LTE until`, sorted ascending, ties in any order."""
        lo = _ms(since) - self.slack_ms
        hi = _ms(until) + self.slack_ms
        first = bisect.bisect_left(self._by_time, (lo, -1))
        last = bisect.bisect_right(self._by_time, (hi, float("inf")))
        self.calls.append(("range", lo, after))
        start = self._start(after, last - first)
        end = min(start + limit, last - first, SEARCH_RESULTS_CAP)
        # Shuffle each tie group that reaches into [0, end): HubSpot's sort is not stable.
        prefix = self._by_time[first : first + end]
        while first + len(prefix) < last and self._by_time[first + len(prefix)][0] == prefix[-1][0]:
            prefix.append(self._by_time[first + len(prefix)])
        ordered: list[tuple[int, int]] = []
        for _, group in itertools.groupby(prefix, key=lambda row: row[0]):
            rows = list(group)
            self._rng.shuffle(rows)
            ordered.extend(rows)
        return self._page(ordered[start:end], start, end, last - first, first_page=after is None)

    def search_contacts_modified_at(
        self,
        *,
        instant: datetime,
        after_id: str | None,
        properties: Sequence[str],
        limit: int = 200,
        after: str | None = None,
    ) -> SearchPage:
        """`lastmodifieddate EQ instant AND hs_object_id GT after_id`, sorted by id."""
        ms = _ms(instant)
        floor = int(after_id) if after_id is not None else -1
        self.calls.append(("instant", ms, after))
        first = bisect.bisect_right(self._by_time, (ms, floor))
        last = bisect.bisect_right(self._by_time, (ms, float("inf")))
        start = self._start(after, last - first)
        end = min(start + limit, last - first, SEARCH_RESULTS_CAP)
        rows = self._by_time[first + start : first + end]
        return self._page(rows, start, end, last - first, first_page=after is None)

    def _start(self, after: str | None, total: int) -> int:
        assert len(self.calls) < 10_000, "the pull is looping"
        start = int(after) if after is not None else 0
        if start >= SEARCH_RESULTS_CAP:
            raise FatalHubSpotError(
                f"400: the search asked for results past the first {SEARCH_RESULTS_CAP:,} "
                f"(after={start}, total={total})"
            )
        return start

    def _page(
        self, rows: list[tuple[int, int]], start: int, end: int, total: int, *, first_page: bool
    ) -> SearchPage:
        self.largest_total = max(self.largest_total, total)
        if self.stuck_token is not None:
            return SearchPage(results=(), total=total, next_after=self.stuck_token)
        if self.empty_first_pages and first_page and rows:
            self.empty_first_pages -= 1
            return SearchPage(results=(), total=total, next_after=str(start))
        next_after = str(end) if end < total else None
        if self.short_pages and next_after is not None and len(rows) > 1:
            rows = rows[: self._rng.randint(1, len(rows) - 1)]
            next_after = str(start + len(rows))
        records = tuple(CrmRecord(id=str(cid), updated_at=at(ms)) for ms, cid in rows)
        return SearchPage(results=records, total=total, next_after=next_after)


def _ms(instant: datetime) -> int:
    return (instant - T0) // ONE_MS


@dataclass
class Pulled:
    pages: list[PulledPage]
    pull: ModifiedContactsPull

    @property
    def ids(self) -> list[str]:
        return [r.id for page in self.pages for r in page.records]


def pull_all(fake: FakeSearch, since_ms: int, until_ms: int, *, limit: int = 200) -> Pulled:
    """Run the pull over [since, until] and check the invariants every pull must keep."""
    pull = ModifiedContactsPull(
        fake,  # type: ignore[arg-type]  # only the two searches of HubSpotPort are needed
        since=at(since_ms),
        until=at(until_ms),
        properties=["email"],
        limit=limit,
    )
    in_window = {cid: ms for cid, ms in fake.modified.items() if since_ms <= ms <= until_ms}
    pages: list[PulledPage] = []
    yielded: set[str] = set()
    last_checkpoint = at(since_ms) - ONE_MS
    for page in pull:
        for record in page.records:
            assert record.id in in_window, f"{record.id} is outside the window"
            assert record.id not in yielded, f"{record.id} was yielded twice"
            yielded.add(record.id)
        assert page.checkpoint >= last_checkpoint, "a checkpoint went back"
        last_checkpoint = page.checkpoint
        done_ms = _ms(page.checkpoint)
        missing = [cid for cid, ms in in_window.items() if ms <= done_ms and cid not in yielded]
        assert not missing, f"checkpoint {page.checkpoint} passed unyielded contacts {missing[:5]}"
        pages.append(page)
    assert yielded == set(in_window), f"{len(set(in_window) - yielded)} contacts never yielded"
    assert last_checkpoint == at(until_ms)
    return Pulled(pages, pull)


def spread(
    count: int, *, every_ms: int = 1, first_id: int = 1, start_ms: int = 0
) -> dict[str, int]:
    """`count` contacts, one every `every_ms` ms from `start_ms`."""
    return {str(first_id + i): start_ms + i * every_ms for i in range(count)}


def tied(count: int, ms: int, *, first_id: int) -> dict[str, int]:
    """`count` contacts all modified in the same millisecond (a HubSpot bulk update)."""
    return {str(first_id + i): ms for i in range(count)}


def test_a_plain_window_is_pulled_once_in_order_without_following_tokens() -> None:
    fake = FakeSearch(spread(1_000, every_ms=3))
    pulled = pull_all(fake, 0, 3_000)
    assert pulled.ids == [str(i) for i in range(1, 1_001)]
    assert pulled.pull.stats.tokens_followed == 0
    assert all(after is None for _, _, after in fake.calls)  # every page is a fresh first page


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize(
    "tie_size",
    [
        pytest.param(150, id="ties-fewer-than-a-page"),
        pytest.param(200, id="ties-exactly-a-page"),
        pytest.param(201, id="ties-one-more-than-a-page"),
        pytest.param(1_000, id="ties-five-pages"),
    ],
)
def test_ties_on_the_sort_field_in_a_new_order_each_call_are_pulled_once(
    tie_size: int, seed: int
) -> None:
    portal = spread(190, every_ms=1, first_id=1)  # 0..189 ms, so the tie straddles page one
    portal |= tied(tie_size, 190, first_id=10_000)
    portal |= spread(300, every_ms=2, first_id=50_000, start_ms=191)
    fake = FakeSearch(portal, seed=seed)
    pulled = pull_all(fake, 0, 5_000)
    # A millisecond that overflows a page is drained by id; a smaller one is not.
    assert pulled.pull.stats.drains == (1 if tie_size >= 200 else 0)


def test_a_tie_larger_than_the_page_at_the_window_start_is_drained() -> None:
    fake = FakeSearch(tied(450, 0, first_id=1) | spread(50, first_id=1_000, start_ms=1), seed=3)
    pulled = pull_all(fake, 0, 100)
    assert pulled.pull.stats.drains == 1
    assert [kind for kind, _, _ in fake.calls].count("instant") >= 3  # 450 by id, 200 a page


@pytest.mark.parametrize("seed", range(5))
def test_short_pages_that_still_carry_next_after_never_end_the_walk(seed: int) -> None:
    portal = spread(800, every_ms=2) | tied(500, 801, first_id=5_000)
    fake = FakeSearch(portal, seed=seed, short_pages=True)
    pulled = pull_all(fake, 0, 2_000)
    assert any(0 < len(page.records) < 200 for page in pulled.pages)


def test_an_empty_page_that_says_more_is_followed_by_its_token() -> None:
    fake = FakeSearch(spread(500), empty_first_pages=1)
    pulled = pull_all(fake, 0, 1_000)
    assert pulled.pull.stats.tokens_followed == 1
    assert ("range", 0, "0") in fake.calls


def test_a_repeated_page_token_stops_the_pull_instead_of_looping() -> None:
    fake = FakeSearch(spread(500), stuck_token="400")
    pull = ModifiedContactsPull(
        fake,  # type: ignore[arg-type]
        since=at(0),
        until=at(1_000),
        properties=["email"],
    )
    with pytest.raises(PaginationLoopError, match="400"):
        list(pull)
    assert len(fake.calls) == 2  # the token was followed once, and refused the second time


def test_a_repeated_page_token_while_draining_a_millisecond_stops_the_pull() -> None:
    fake = FakeSearch(tied(300, 5, first_id=1))
    pull = ModifiedContactsPull(
        fake,  # type: ignore[arg-type]
        since=at(0),
        until=at(10),
        properties=["email"],
    )
    pages = iter(pull)
    fake.stuck_token = "7"  # from the first call on: an empty page that always says "more"
    with pytest.raises(PaginationLoopError):
        list(pages)


def test_empty_pages_in_two_different_queries_may_carry_the_same_token() -> None:
    """Page tokens are offsets within one query: two transient empty pages at different
    cursors (both answering after=0) are no loop, and the pull completes."""
    fake = FakeSearch(spread(500), empty_first_pages=2)
    pulled = pull_all(fake, 0, 1_000)
    assert pulled.pull.stats.tokens_followed == 2


def test_more_than_ten_thousand_results_never_page_past_the_cap() -> None:
    # 12,000 contacts, 10,500 of them in one millisecond: a query at any cursor matches more
    # than 10,000, and FakeSearch answers 400 to any page past them.
    portal = spread(1_500, every_ms=1) | tied(10_500, 700, first_id=100_000)
    fake = FakeSearch(portal, seed=11)
    pulled = pull_all(fake, 0, 2_000)
    assert fake.largest_total > SEARCH_RESULTS_CAP  # the cap was in play
    assert pulled.pull.stats.drains == 1


def test_the_fake_refuses_pages_past_the_cap_as_hubspot_does() -> None:
    fake = FakeSearch(spread(10_100))
    with pytest.raises(FatalHubSpotError, match="10,000"):
        fake.search_contacts_modified(
            since=at(0), until=at(20_000), properties=[], after="10000", limit=100
        )


@pytest.mark.parametrize("seed", range(3))
def test_results_just_outside_the_window_are_dropped(seed: int) -> None:
    # Contacts every ms from -50 to 1,050; the window is [0, 1000] and the fake also returns
    # matches up to 2 ms outside it, on both sides.
    portal = spread(1_101, every_ms=1, start_ms=-50) | tied(250, 0, first_id=9_000)
    fake = FakeSearch(portal, seed=seed, slack_ms=2)
    pulled = pull_all(fake, 0, 1_000)
    assert pulled.pull.stats.dropped_outside_window > 0


def test_an_empty_window_and_a_reversed_one() -> None:
    fake = FakeSearch(spread(10, start_ms=500))
    assert pull_all(fake, 0, 100).ids == []
    reversed_window = ModifiedContactsPull(
        fake,  # type: ignore[arg-type]
        since=at(100),
        until=at(0),
        properties=["email"],
    )
    assert list(reversed_window) == []

"""The backfill's two halves on two reader threads (`SplitBackfill.read_halves`), as a run reads
them: the same invariants as the one-thread walk (`test_split_backfill.py`), whatever order the
two threads' pages arrive in."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest

from connector.sync.backfill import BackfillPage, BackfillPosition, SplitBackfill
from tests.sync.test_split_backfill import UNTIL, FakePortal, port, portal, walk_all


def read(fake: FakePortal, **kwargs: object) -> tuple[SplitBackfill, list[BackfillPage]]:
    walk = SplitBackfill(port(fake), until=UNTIL, properties=[], **kwargs)  # type: ignore[arg-type]
    return walk, list(walk.read_halves(2))


@pytest.mark.parametrize("seed", range(8))
def test_both_readers_read_and_every_contact_comes_once(seed: int) -> None:
    fake = portal(5_000, seed=seed, short_pages=seed % 2 == 1, empty_pages=seed % 3)
    walk, pages = read(fake)
    walk_all(fake, pages)
    assert fake.search_calls > 2
    assert walk.stats.list_pulled + walk.stats.search_pulled == 5_000
    assert all(p.current for p in pages if p.records and p.total_hint is None)


def test_list_pages_stay_current_and_search_pages_do_not() -> None:
    fake = portal(3_000)
    walk, pages = read(fake)
    listed = sum(len(p.records) for p in pages if p.current)
    assert listed == walk.stats.list_pulled
    assert sum(len(p.records) for p in pages if p.records and not p.current) == (
        walk.stats.search_pulled
    )


class SlowSearch(FakePortal):
    """Search pages (not the two id checks) wait until the list has read `head_start` pages:
    the list reader gets its turns while the run's thread has taken every page."""

    head_start: int = 5

    def __post_init__(self) -> None:
        super().__post_init__()
        self.listed = threading.Event()

    def list_contacts(self, **kwargs: object) -> object:  # type: ignore[override]
        page = super().list_contacts(**kwargs)  # type: ignore[arg-type]
        if self.list_calls >= self.head_start:
            self.listed.set()
        return page

    def search_contacts_by_id(self, **kwargs: object) -> object:  # type: ignore[override]
        if kwargs.get("limit", 200) != 1:
            self.listed.wait(timeout=10)
        return super().search_contacts_by_id(**kwargs)  # type: ignore[arg-type]


def test_both_halves_read_side_by_side_and_meet_once() -> None:
    ids = list(range(10, 30_010, 10))
    fake = SlowSearch(dict.fromkeys(ids, 60))
    walk, pages = read(fake)
    walk_all(fake, pages)
    assert fake.list_calls >= 5 and walk.stats.list_pulled >= 500
    assert walk.stats.search_pulled > 0
    assert walk.stats.list_pulled + walk.stats.search_pulled == len(ids)


def test_the_list_reader_leaves_the_writes_reserve_alone() -> None:
    fake = portal(2_000, burst_free=19)
    walk_all(fake, read(fake)[1])
    assert fake.list_calls == 0


def test_positions_only_grow_and_the_last_page_carries_the_horizon() -> None:
    fake = portal(4_000, seed=3)
    _, pages = read(fake)
    positions = [p.checkpoint for p in pages[:-1]]
    assert all(isinstance(p, BackfillPosition) for p in positions)
    tops = [p.list_top or 0 for p in positions if isinstance(p, BackfillPosition)]
    bottoms = [p.search_bottom or 10**9 for p in positions if isinstance(p, BackfillPosition)]
    assert tops == sorted(tops) and bottoms == sorted(bottoms, reverse=True)
    assert pages[-1].checkpoint == UNTIL


@pytest.mark.parametrize("stop_after", [1, 3, 6, 10])
def test_a_stopped_two_reader_walk_resumes_from_its_position(stop_after: int) -> None:
    fake = portal(3_000, seed=stop_after, short_pages=True)
    first: list[BackfillPage] = []
    reader = SplitBackfill(port(fake), until=UNTIL, properties=[]).read_halves(2)
    for page in reader:
        first.append(page)
        if len(first) == stop_after:
            break
    reader.close()  # type: ignore[attr-defined]
    assert not any(t.name == "read-ahead" and t.is_alive() for t in threading.enumerate())
    position = first[-1].checkpoint
    assert isinstance(position, BackfillPosition)
    rest = list(
        SplitBackfill(
            port(fake), until=UNTIL + timedelta(hours=1), properties=[], resume=position
        ).read_halves(2)
    )
    walk_all(fake, first + rest)


def test_a_list_page_out_of_id_order_hands_the_rest_to_search() -> None:
    fake = SlowSearch(portal(3_000).modified, list_out_of_order_at=3)
    fake.head_start = 3
    walk, pages = read(fake)
    walk_all(fake, pages)
    assert walk.stats.list_out_of_order and fake.list_calls == 3

"""Search by id range sorted by id (the backfill's search half) against the full scan.

`find_by_id` answers a query made only of numeric hs_object_id bounds, sorted by hs_object_id,
from the store's id order; the scan is the reference: same total, same ids on every page, with
and without the search lag (records created inside it are not visible yet).
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from connector.sandbox import search as searching
from connector.sandbox.clock import SandboxClock
from connector.sandbox.id_search import find_by_id
from connector.sandbox.store import Store

T0 = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


def _portal(rnd: random.Random, lag_ms: int) -> Store:
    store = Store(SandboxClock(T0), search_lag_ms=lag_ms)
    for n in range(400):
        store.create("contacts", {"email": f"p{n}@acme.io"})
        store.clock.advance(timedelta(milliseconds=rnd.choice((0, 1, 5, 40))))
    return store


def _body(rnd: random.Random, ids: list[str]) -> dict[str, Any]:
    filters = []
    for op in ("GT", "GTE", "LT", "LTE"):
        if rnd.random() < 0.4:
            value = rnd.choice(ids) if rnd.random() < 0.9 else str(int(rnd.choice(ids)) + 1)
            filters.append({"propertyName": "hs_object_id", "operator": op, "value": value})
    direction = rnd.choice(("ASCENDING", "DESCENDING"))
    body: dict[str, Any] = {
        "filterGroups": [{"filters": filters}] if filters else [],
        "sorts": [{"propertyName": "hs_object_id", "direction": direction}],
        "limit": rnd.choice((1, 7, 100, 200)),
    }
    if rnd.random() < 0.3:
        body["after"] = rnd.choice((1, 50, 150))
    return body


@pytest.mark.parametrize("lag_ms", [0, 500])
@pytest.mark.parametrize("seed", range(4))
def test_id_range_search_matches_the_scan(seed: int, lag_ms: int) -> None:
    rnd = random.Random(seed)
    store = _portal(rnd, lag_ms)
    ids = store.all_ids("contacts")
    for _ in range(60):
        request = searching.parse_request(_body(rnd, ids), 0)
        now = store.clock.now_ms()
        with store.lock:
            got = find_by_id(store, "contacts", request, now)
            expected = searching.scan(store, "contacts", request, now)
        assert got is not None
        start, end, _ = searching.page_bounds(request, len(expected))
        assert got.total == len(expected)
        assert list(got.window(start, end)) == expected[start:end]
        if rnd.random() < 0.5:  # some records become visible to search as time passes
            store.clock.advance(timedelta(milliseconds=rnd.choice((10, 200, 600))))


def test_other_shapes_are_left_to_the_scan() -> None:
    store = _portal(random.Random(1), 0)
    shapes: list[dict[str, Any]] = [
        {"sorts": [{"propertyName": "lastmodifieddate", "direction": "ASCENDING"}]},
        {
            "filterGroups": [
                {"filters": [{"propertyName": "email", "operator": "EQ", "value": "x"}]}
            ],
            "sorts": [{"propertyName": "hs_object_id", "direction": "ASCENDING"}],
        },
        {
            "query": "acme",
            "sorts": [{"propertyName": "hs_object_id", "direction": "ASCENDING"}],
        },
    ]
    for body in shapes:
        request = searching.parse_request(body, 0)
        with store.lock:
            assert find_by_id(store, "contacts", request, store.clock.now_ms()) is None

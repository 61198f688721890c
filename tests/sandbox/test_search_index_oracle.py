"""The indexed search path against the full scan (the oracle) on random portals.

Every query that bounds the last-modified property is answered from the (last-modified, id)
index; the scan it replaces still exists (`search.scan`) and is the reference: same total, same
ids on every page, whatever the writes, the search lag, ties at one millisecond or the
10,000-result cap. Also: the chunked sorted list against a plain sorted list.
"""

from __future__ import annotations

import bisect
import random
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from connector.hubspot_facts import LIFECYCLE_ORDER, SEARCH_RESULTS_CAP
from connector.sandbox import FaultConfig
from connector.sandbox import search as searching
from connector.sandbox.clock import SandboxClock, iso_ms
from connector.sandbox.indexed_search import find_indexed
from connector.sandbox.sorted_keys import CHUNK, SortedKeys
from connector.sandbox.store import Store
from tests.conftest import MakeSandbox
from tests.sandbox.helpers import TIMEOUT, client_for

T0 = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
T0_MS = int(T0.timestamp() * 1000)
LEAD_STATUSES = ("NEW", "OPEN", "IN_PROGRESS", "CONNECTED")
WORDS = ("data", "sales", "head", "ops", "growth")


def _store(lag_ms: int = 0) -> Store:
    return Store(SandboxClock(T0), search_lag_ms=lag_ms)


def _page(store: Store, body: dict[str, Any], object_type: str = "contacts") -> None:
    """Assert that the indexed path answers `body` exactly as the full scan does."""
    request = searching.parse_request(body, 0)
    now = store.clock.now_ms()
    with store.lock:
        got = find_indexed(store, object_type, request, now)
        expected = searching.scan(store, object_type, request, now)
    assert got is not None, body
    start, end, _ = searching.page_bounds(request, len(expected))
    assert got.total == len(expected), body
    assert list(got.window(start, end)) == expected[start:end], body


def _f(name: str, op: str, value: Any = None, **extra: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"propertyName": name, "operator": op, **extra}
    if value is not None:
        out["value"] = value
    return out


class RandomPortal:
    """Random writes on a store whose clock moves by a few milliseconds (many ties)."""

    def __init__(self, rnd: random.Random, lag_ms: int) -> None:
        self.rnd = rnd
        self.store = _store(lag_ms)
        self.stamps: list[int] = []

    def tick(self) -> None:
        step = self.rnd.choice((0, 0, 1, 1, 2, 5, 40))
        self.store.clock.advance(timedelta(milliseconds=step))
        self.stamps.append(self.store.clock.now_ms())

    def create(self) -> None:
        rnd = self.rnd
        props = {"email": f"p{rnd.randrange(10**6)}@{rnd.choice(('acme.io', 'globex.com'))}"}
        if rnd.random() < 0.7:
            props["firstname"] = rnd.choice(("Ann", "Bob", "cy", "Di"))
        if rnd.random() < 0.5:
            props["jobtitle"] = " ".join(rnd.sample(WORDS, 2))
        if rnd.random() < 0.5:
            props["lifecyclestage"] = rnd.choice(LIFECYCLE_ORDER[:4])
        self.store.create("contacts", props)
        self.tick()

    def update(self) -> None:
        rnd = self.rnd
        rid = rnd.choice(self.store.all_ids("contacts"))
        change = rnd.choice(
            (
                {"hs_lead_status": rnd.choice(LEAD_STATUSES)},
                {"jobtitle": " ".join(rnd.sample(WORDS, 2))},
                {"lifecyclestage": rnd.choice(LIFECYCLE_ORDER[:6])},
                {"firstname": ""},
            )
        )
        self.store.update("contacts", rid, change)
        self.tick()

    def pin(self) -> None:
        """Force a few records onto one past millisecond (the sync's tie case)."""
        ids = self.rnd.sample(self.store.all_ids("contacts"), 6)
        instant = self.rnd.choice(self.stamps)
        self.store.set_modified("contacts", ids, datetime.fromtimestamp(instant / 1000, UTC))

    def step(self) -> None:
        roll = self.rnd.random()
        if roll < 0.35 or len(self.stamps) < 10:
            self.create()
        elif roll < 0.85:
            self.update()
        elif roll < 0.92:
            self.pin()
        else:
            self.store.clock.advance(timedelta(milliseconds=self.rnd.choice((50, 300, 900))))

    def instant(self) -> str:
        """A filter value near a stamp: ISO, epoch ms, or one millisecond either side."""
        if self.rnd.random() < 0.03:
            return self.rnd.choice(("", "soon", "2026-11-23"))  # unparsable or a bare date
        ms = self.rnd.choice(self.stamps) + self.rnd.choice((0, 0, 0, -1, 1))
        return iso_ms(ms) if self.rnd.random() < 0.5 else str(ms)

    def query(self) -> dict[str, Any]:
        rnd = self.rnd
        lm = "lastmodifieddate"
        filters = [_bound(rnd, lm, self.instant, self.instant)]
        if rnd.random() < 0.4:
            filters.append(_bound(rnd, lm, self.instant, self.instant))
        if rnd.random() < 0.4:
            ids = self.store.all_ids("contacts")
            some_id = lambda: rnd.choice(ids) if rnd.random() < 0.95 else "abc"  # noqa: E731
            filters.append(_bound(rnd, "hs_object_id", some_id, some_id))
        if rnd.random() < 0.3:
            filters.append(
                rnd.choice(
                    (
                        _f("lifecyclestage", "EQ", "lead"),
                        _f("hs_lead_status", "HAS_PROPERTY"),
                        _f("jobtitle", "CONTAINS_TOKEN", rnd.choice(WORDS)),
                        _f("firstname", "NEQ", "ann"),
                        _f(lm, "NEQ", self.instant()),
                    )
                )
            )
        rnd.shuffle(filters)
        body: dict[str, Any] = {"filterGroups": [{"filters": filters}]}
        sort = rnd.choice(
            (
                (lm, "ASCENDING"),
                (lm, "ASCENDING"),
                (lm, "DESCENDING"),
                ("hs_object_id", "ASCENDING"),
                ("hs_object_id", "DESCENDING"),
                ("firstname", "ASCENDING"),
                None,
            )
        )
        if sort is not None:
            body["sorts"] = [{"propertyName": sort[0], "direction": sort[1]}]
        if rnd.random() < 0.1:
            body["query"] = rnd.choice(("acme", "ann", "globex"))
        body["limit"] = rnd.choice((0, 1, 3, 10, 200))
        if rnd.random() < 0.6:
            body["after"] = str(rnd.randrange(0, 40))
        return body


def _bound(rnd: random.Random, name: str, low: Any, high: Any) -> dict[str, Any]:
    op = rnd.choice(("EQ", "GT", "GTE", "LT", "LTE", "BETWEEN"))
    if op == "BETWEEN":
        return _f(name, op, low(), highValue=high())
    return _f(name, op, low())


@pytest.mark.parametrize(("seed", "lag_ms"), [(1, 0), (2, 0), (3, 250), (4, 1_000), (5, 30)])
def test_indexed_search_matches_the_full_scan(seed: int, lag_ms: int) -> None:
    portal = RandomPortal(random.Random(seed), lag_ms)
    for _ in range(60):
        portal.create()
    for _round in range(120):
        for _ in range(portal.rnd.randrange(0, 6)):
            portal.step()
        for _ in range(3):
            _page(portal.store, portal.query())


def test_keyset_sync_pages_match_the_full_scan_with_writes_in_between() -> None:
    """The connector's own shapes: a window page, then draining one millisecond by id."""
    portal = RandomPortal(random.Random(7), 200)
    for _ in range(300):
        portal.step()
    lm = "lastmodifieddate"
    for _round in range(60):
        since, until = sorted(portal.rnd.sample(portal.stamps, 2))
        _page(
            portal.store,
            {
                "filterGroups": [{"filters": [_f(lm, "GTE", since), _f(lm, "LTE", until)]}],
                "sorts": [{"propertyName": lm, "direction": "ASCENDING"}],
                "limit": 200,
            },
        )
        instant = portal.rnd.choice(portal.stamps)
        _page(
            portal.store,
            {
                "filterGroups": [
                    {
                        "filters": [
                            _f(lm, "EQ", instant),
                            _f("hs_object_id", "GT", portal.rnd.choice(["0", "100000030"])),
                        ]
                    }
                ],
                "sorts": [{"propertyName": "hs_object_id", "direction": "ASCENDING"}],
                "limit": 3,
            },
        )
        for _ in range(portal.rnd.randrange(1, 8)):
            portal.step()


def test_lag_keeps_the_previous_version_in_the_index_until_it_passes() -> None:
    store = _store(lag_ms=1_000)
    rid = store.create("contacts", {"email": "a@acme.io"})
    window = {
        "filterGroups": [{"filters": [_f("lastmodifieddate", "GTE", "0")]}],
        "sorts": [{"propertyName": "lastmodifieddate", "direction": "ASCENDING"}],
    }

    def seen() -> tuple[int, list[str]]:
        request = searching.parse_request(window, 0)
        with store.lock:
            hits = find_indexed(store, "contacts", request, store.clock.now_ms())
        assert hits is not None
        return hits.total, list(hits.window(0, hits.total))

    assert seen() == (0, [])  # a new record is invisible during the lag
    store.clock.advance(timedelta(milliseconds=1_000))
    assert seen() == (1, [rid])
    created = store.get("contacts", rid)
    assert created is not None
    store.clock.advance(timedelta(minutes=1))
    store.update("contacts", rid, {"jobtitle": "CEO"})
    after_write = {
        "filterGroups": [{"filters": [_f("lastmodifieddate", "GT", created["lastmodifieddate"])]}]
    }
    request = searching.parse_request(after_write, 0)
    with store.lock:
        hidden = find_indexed(store, "contacts", request, store.clock.now_ms())
    assert hidden is not None and hidden.total == 0  # search still sees the old timestamp
    store.clock.advance(timedelta(milliseconds=999))
    _page(store, after_write)
    store.clock.advance(timedelta(milliseconds=1))
    with store.lock:
        shown = find_indexed(store, "contacts", request, store.clock.now_ms())
    assert shown is not None and shown.total == 1


def test_a_write_after_the_lag_passed_keeps_the_earlier_write_visible() -> None:
    """No search between two writes: the first still becomes visible once its lag passes."""
    store = _store(lag_ms=1_000)
    rid = store.create("contacts", {"email": "a@acme.io", "jobtitle": "one"})
    store.clock.advance(timedelta(seconds=2))
    store.update("contacts", rid, {"jobtitle": "two"})
    store.clock.advance(timedelta(milliseconds=10))
    body = {"filterGroups": [{"filters": [_f("jobtitle", "CONTAINS_TOKEN", "one")]}]}
    with store.lock:
        ids = searching.scan(
            store, "contacts", searching.parse_request(body, 0), store.clock.now_ms()
        )
    assert ids == [rid]


def test_more_than_ten_thousand_at_one_millisecond() -> None:
    store = _store()
    with store.lock:
        for i in range(10_150):
            store.insert("contacts", {"email": f"c{i}@example.com"}, updated_ms=T0_MS + i % 3)
        pinned = store.all_ids("contacts")[40:10_140]
        store.set_modified("contacts", pinned, T0)
    lm = "lastmodifieddate"
    by_id = [{"propertyName": "hs_object_id", "direction": "ASCENDING"}]
    for after in ("0", "9800", "9999"):
        _page(
            store,
            {
                "filterGroups": [{"filters": [_f(lm, "EQ", str(T0_MS))]}],
                "sorts": by_id,
                "limit": 200,
                "after": after,
            },
        )
    _page(
        store,
        {
            "filterGroups": [
                {"filters": [_f(lm, "EQ", iso_ms(T0_MS)), _f("hs_object_id", "GT", pinned[5])]}
            ],
            "sorts": by_id,
            "limit": 200,
            "after": "9900",
        },
    )
    _page(
        store,
        {
            "filterGroups": [{"filters": [_f(lm, "GTE", str(T0_MS)), _f(lm, "LTE", T0_MS + 2)]}],
            "sorts": [{"propertyName": lm, "direction": "ASCENDING"}],
            "limit": 200,
            "after": "9850",
        },
    )
    request = searching.parse_request(
        {"filterGroups": [{"filters": [_f(lm, "EQ", str(T0_MS))]}], "limit": 200}, 0
    )
    with store.lock:
        hits = find_indexed(store, "contacts", request, store.clock.now_ms())
    assert hits is not None and hits.total > SEARCH_RESULTS_CAP


def test_odd_object_ids_fall_back_to_sorting_the_slice() -> None:
    """A record whose hs_object_id was overwritten in-process breaks id order: still exact."""
    store = _store()
    for i in range(20):
        store.create("contacts", {"email": f"c{i}@example.com"})
    ids = store.all_ids("contacts")
    store.set_modified("contacts", ids, T0)
    store.update("contacts", ids[3], {"hs_object_id": "1"}, validate=False)
    store.set_modified("contacts", ids, T0)
    at_t0 = _f("lastmodifieddate", "EQ", str(T0_MS))
    by_id = [{"propertyName": "hs_object_id", "direction": "ASCENDING"}]
    _page(store, {"filterGroups": [{"filters": [at_t0]}], "sorts": by_id, "limit": 5})
    past_third = [at_t0, _f("hs_object_id", "GT", ids[2])]
    _page(store, {"filterGroups": [{"filters": past_third}], "sorts": by_id, "limit": 5})


def test_shapes_without_a_last_modified_bound_are_left_to_the_scan() -> None:
    store = _store()
    store.create("contacts", {"email": "a@acme.io"})
    for body in (
        {"filterGroups": [{"filters": [_f("email", "HAS_PROPERTY")]}]},
        {
            "filterGroups": [
                {"filters": [_f("lastmodifieddate", "GTE", "0")]},
                {"filters": [_f("email", "HAS_PROPERTY")]},
            ]
        },
        {},
    ):
        request = searching.parse_request(body, 0)
        with store.lock:
            assert find_indexed(store, "contacts", request, store.clock.now_ms()) is None


def test_other_object_types_use_their_own_last_modified_property() -> None:
    store = _store()
    for i in range(30):
        store.create("tasks", {"hs_task_body": f"key-{i % 4} call back"})
        store.clock.advance(timedelta(milliseconds=i % 2))
    _page(
        store,
        {
            "filterGroups": [
                {
                    "filters": [
                        _f("hs_lastmodifieddate", "GTE", str(T0_MS + 3)),
                        _f("hs_task_body", "CONTAINS_TOKEN", "key-1"),
                    ]
                }
            ],
            "sorts": [{"propertyName": "hs_lastmodifieddate", "direction": "ASCENDING"}],
        },
        "tasks",
    )


def test_sorted_keys_agree_with_a_sorted_list() -> None:
    rnd = random.Random(11)
    keys = SortedKeys((rnd.randrange(10**6), i) for i in range(CHUNK))
    model = sorted(keys)
    counter = CHUNK
    for _ in range(6 * CHUNK):
        if model and rnd.random() < 0.35:
            gone = model.pop(rnd.randrange(len(model)))
            keys.remove(gone)
        else:
            counter += 1
            new = (rnd.choice((rnd.randrange(10**6), 10**6 + counter)), counter)
            bisect.insort(model, new)
            keys.add(new)
        if rnd.random() < 0.05:
            probe = (rnd.randrange(10**6 + counter), 0)
            assert keys.bisect_left(probe) == bisect.bisect_left(model, probe)
            assert keys.bisect_right(probe) == bisect.bisect_right(model, probe)
            a, b = sorted(rnd.sample(range(len(model) + 2), 2))
            assert list(keys.slice(a, b)) == model[a:b]
            position = rnd.randrange(len(model))
            assert keys[position] == model[position]
    assert len(keys) == len(model) and list(keys) == model
    with pytest.raises(KeyError):
        keys.remove((-1, -1))


def test_indexed_pages_over_http_with_short_pages_lose_nothing(make_sandbox: MakeSandbox) -> None:
    """Through the SDK: `after` paging of indexed queries, short pages included, equals the scan."""
    sb = make_sandbox(contacts=300, now=T0, faults=FaultConfig(seed=3, short_page_rate=0.4))
    ids = sb.store.all_ids("contacts")
    sb.store.set_modified("contacts", ids[20:260], T0)  # 240 records at one millisecond
    search = client_for(sb).crm.objects.search_api
    lm = "lastmodifieddate"
    shapes = [
        ([_f(lm, "GTE", "0"), _f(lm, "LTE", str(T0_MS))], lm),
        ([_f(lm, "EQ", iso_ms(T0_MS)), _f("hs_object_id", "GT", ids[30])], "hs_object_id"),
        ([_f(lm, "LTE", str(T0_MS)), _f("email", "HAS_PROPERTY")], lm),
    ]
    short = 0
    for filters, sort in shapes:
        body: dict[str, Any] = {
            "filterGroups": [{"filters": filters}],
            "sorts": [{"propertyName": sort, "direction": "ASCENDING"}],
            "limit": 60,
        }
        with sb.store.lock:
            request = searching.parse_request(body, 0)
            expected = searching.scan(sb.store, "contacts", request, sb.clock.now_ms())
        seen: list[str] = []
        while True:
            page = search.do_search("contacts", body, _request_timeout=TIMEOUT)
            assert page.total == len(expected)
            seen.extend(r.id for r in page.results)
            if page.paging is None:
                break
            short += len(page.results) < 60
            body["after"] = page.paging.next.after
        assert seen == expected
    assert short >= 1

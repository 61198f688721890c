"""Search through the last-modified index, for queries that bound the last-modified property.

The connector's sync asks, page after page, for `lastmodifieddate GTE t AND LTE until` sorted by
`lastmodifieddate` ascending, and drains one millisecond with `lastmodifieddate EQ t AND
hs_object_id GT id` sorted by `hs_object_id`. Both are answered here from a bisect of the
(last-modified, id) index instead of a scan and sort of every record:

* a single filter group holding at least one EQ/GT/GTE/LT/LTE/BETWEEN filter on the
  last-modified property narrows the candidates to one slice of the index;
* when that slice holds one instant only, hs_object_id bounds narrow it further (inside one
  instant the index is in id order);
* if the requested order is the index order (last-modified ascending; or id order inside one
  instant), the page is read straight from the slice: with no other filter the total is the
  slice's length, otherwise the slice is walked once, counting matches exactly;
* any other order sorts only the slice, exactly as the full scan sorts its hits (unless the
  slice holds most records: then the scan, which needs no re-sort by id, is cheaper).

Anything else (several groups, no last-modified bound) returns None: the caller scans. Results
are identical to the full scan's by construction; tests/sandbox/test_search_index_oracle.py
checks it on random data.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from connector.hubspot_facts import SEARCH_RESULTS_CAP
from connector.sandbox import search as searching
from connector.sandbox.catalogue import normalise_filter_value
from connector.sandbox.modified_index import ID_PROPERTY, Key, ModifiedIndex
from connector.sandbox.schema import LAST_MODIFIED_PROPERTY
from connector.sandbox.sorted_keys import SortedKeys
from connector.sandbox.store import Record, Store

RANGE_OPERATORS = frozenset({"EQ", "GT", "GTE", "LT", "LTE", "BETWEEN"})
# A slice that is not in result order is re-sorted by id, then sorted as the scan sorts: worth
# it while the slice is a small share of the records (the scan walks them already in id order).
SORT_SLICE_MIN = 2_000
SORT_SLICE_SHARE = 8
_LOW = float("-inf")  # sorts before every id: (value, _LOW) precedes all keys of `value`
_HIGH = float("inf")


@dataclass(frozen=True, slots=True)
class SearchHits:
    """The total match count and the ids of results at positions [first, first + len(ids))."""

    total: int
    first: int
    ids: Sequence[str]

    def window(self, start: int, end: int) -> Sequence[str]:
        """Result ids at positions [start, end) (which must lie within what was collected)."""
        if end <= start:
            return []
        return self.ids[start - self.first : end - self.first]


def find_indexed(
    store: Store, object_type: str, request: searching.SearchRequest, now_ms: int
) -> SearchHits | None:
    """Answer `request` from the last-modified index, or None if its shape needs a scan.

    The hits cover positions [after, after + limit) capped at the 10,000-result cap. Hold
    `store.lock`.
    """
    if len(request.filter_groups) != 1:
        return None
    prop = LAST_MODIFIED_PROPERTY[object_type]
    if searching.key_function(store.catalogue.spec(object_type, prop)) is not str:
        return None  # the index orders values as strings; so must the filters
    group = request.filter_groups[0]
    bounds = [f for f in group if f["propertyName"] == prop and _op(f) in RANGE_OPERATORS]
    if not bounds:
        return None
    index = store.modified_index(object_type, now_ms)
    keys = index.keys
    assert keys is not None  # built by modified_index
    lo, hi = 0, len(keys)
    for raw in bounds:
        lo, hi = _narrow_by_value(store, object_type, keys, raw, lo, hi)
    consumed = len(bounds)
    one_instant = hi - lo <= 1 or keys[lo][0] == keys[hi - 1][0]
    ids_in_order = one_instant and _ids_are_object_ids(store, object_type, index)
    if one_instant and ids_in_order and hi > lo:
        instant = keys[lo][0]
        for raw in group:
            if raw["propertyName"] == ID_PROPERTY and _op(raw) in RANGE_OPERATORS:
                lo, hi = _narrow_by_id(store, object_type, keys, instant, raw, lo, hi)
                consumed += 1
    pure = consumed == len(group) and request.query is None
    start = request.after
    stop = min(start + request.limit, SEARCH_RESULTS_CAP)
    sort = request.sort
    index_order = sort == (prop, False) or (
        one_instant and (sort is None or (sort == (ID_PROPERTY, False) and ids_in_order))
    )
    if index_order and pure:
        total = max(hi - lo, 0)
        ids = [str(k[1]) for k in keys.slice(lo + start, lo + min(stop, total))]
        return SearchHits(total, start, ids)
    if index_order:
        return _walk(store, object_type, request, now_ms, keys.slice(lo, hi), start, stop)
    if hi - lo > max(SORT_SLICE_MIN, len(keys) // SORT_SLICE_SHARE):
        return None  # re-sorting most of the index by id costs more than the id-ordered scan
    return _sorted_slice(store, object_type, request, now_ms, keys.slice(lo, hi))


def _op(raw: Mapping[str, Any]) -> str:
    return str(raw.get("operator", "EQ"))


def _ids_are_object_ids(store: Store, object_type: str, index: ModifiedIndex) -> bool:
    """Whether hs_object_id compares as the records' numeric ids (so id order is its order)."""
    spec = store.catalogue.spec(object_type, ID_PROPERTY)
    return spec is not None and spec.type == "number" and not index.odd_ids


def _narrow_by_value(
    store: Store,
    object_type: str,
    keys: SortedKeys,
    raw: Mapping[str, Any],
    lo: int,
    hi: int,
) -> tuple[int, int]:
    """Intersect [lo, hi) with the keys one last-modified filter accepts."""
    spec = store.catalogue.spec(object_type, str(raw["propertyName"]))
    value = normalise_filter_value(spec, str(raw.get("value", "")))
    op = _op(raw)
    if op == "EQ":
        low, high = keys.bisect_left((value, _LOW)), keys.bisect_right((value, _HIGH))
    elif op == "GT":
        low, high = keys.bisect_right((value, _HIGH)), len(keys)
    elif op == "GTE":
        low, high = keys.bisect_left((value, _LOW)), len(keys)
    elif op == "LT":
        low, high = 0, keys.bisect_left((value, _LOW))
    elif op == "LTE":
        low, high = 0, keys.bisect_right((value, _HIGH))
    else:  # BETWEEN: value <= x <= highValue
        top = normalise_filter_value(spec, str(raw.get("highValue", "")))
        low, high = keys.bisect_left((value, _LOW)), keys.bisect_right((top, _HIGH))
    return max(lo, low), min(hi, high)


def _narrow_by_id(
    store: Store,
    object_type: str,
    keys: SortedKeys,
    instant: str,
    raw: Mapping[str, Any],
    lo: int,
    hi: int,
) -> tuple[int, int]:
    """Intersect [lo, hi), all keys of one instant, with what an hs_object_id filter accepts."""
    spec = store.catalogue.spec(object_type, ID_PROPERTY)
    value = searching.number(normalise_filter_value(spec, str(raw.get("value", ""))))
    op = _op(raw)
    if value != value:  # NaN: an unparsable number matches nothing, as in the scan
        return lo, lo
    if op == "EQ":
        low, high = keys.bisect_left((instant, value)), keys.bisect_right((instant, value))
    elif op == "GT":
        low, high = keys.bisect_right((instant, value)), hi
    elif op == "GTE":
        low, high = keys.bisect_left((instant, value)), hi
    elif op == "LT":
        low, high = lo, keys.bisect_left((instant, value))
    elif op == "LTE":
        low, high = lo, keys.bisect_right((instant, value))
    else:  # BETWEEN
        top = searching.number(normalise_filter_value(spec, str(raw.get("highValue", ""))))
        if top != top:
            return lo, lo
        low, high = keys.bisect_left((instant, value)), keys.bisect_right((instant, top))
    return max(lo, low), min(hi, high)


def _visible(
    store: Store, object_type: str, candidates: Iterable[Key], now_ms: int
) -> Iterator[tuple[Record, Mapping[str, str]]]:
    """The records behind index keys with the version search sees."""
    for _, numeric in candidates:
        rec = store.record(object_type, str(numeric))
        visible = store.searchable(rec, now_ms) if rec is not None else None
        if rec is not None and visible is not None:
            yield rec, visible


def _walk(
    store: Store,
    object_type: str,
    request: searching.SearchRequest,
    now_ms: int,
    candidates: Iterable[Key],
    start: int,
    stop: int,
) -> SearchHits:
    """Match candidates already in result order, counting all, keeping [start, stop)."""
    matches = searching.compile_filters(store, object_type, request)
    total = 0
    ids: list[str] = []
    for rec, visible in _visible(store, object_type, candidates, now_ms):
        if matches(visible):
            if start <= total < stop:
                ids.append(rec.id)
            total += 1
    return SearchHits(total, start, ids)


def _sorted_slice(
    store: Store,
    object_type: str,
    request: searching.SearchRequest,
    now_ms: int,
    candidates: Iterable[Key],
) -> SearchHits:
    """Match and sort candidates as the full scan does (which sees records in id order)."""
    in_id_order = sorted(candidates, key=lambda key: key[1])
    matches = searching.compile_filters(store, object_type, request)
    hits = [h for h in _visible(store, object_type, in_id_order, now_ms) if matches(h[1])]
    ordered = searching.sort_records(store, object_type, hits, request.sort)
    return SearchHits(len(ordered), 0, [rec.id for rec, _ in ordered])

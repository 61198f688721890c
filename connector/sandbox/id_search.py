"""Search by id range, sorted by id: answered from the store's id order instead of a scan.

The connector's backfill walks the portal down from the top by id (`hs_object_id LT x`, and
`GT y` once the list endpoint has read up to y, sorted by `hs_object_id` descending) while the
list endpoint walks it up from the bottom. A scan and sort of every record per page would make
the sandbox, not HubSpot's limits, the bound of that walk; the records' ids are already kept in
order for the list endpoint, so the range is two bisections.

Only a single filter group made of numeric hs_object_id bounds (or no filter at all), sorted by
hs_object_id, with no free-text query, is answered here; anything else returns None and the
caller scans. Results match the scan's: records not yet visible to search (a create inside the
search lag) are skipped and not counted.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence

from connector.hubspot_facts import SEARCH_RESULTS_CAP
from connector.sandbox import search as searching
from connector.sandbox.indexed_search import SearchHits
from connector.sandbox.modified_index import ID_PROPERTY
from connector.sandbox.store import Store

_BOUNDS = frozenset({"GT", "GTE", "LT", "LTE"})


def find_by_id(
    store: Store, object_type: str, request: searching.SearchRequest, now_ms: int
) -> SearchHits | None:
    """Answer `request` from the id order, or None if its shape needs a scan. Hold `store.lock`."""
    if request.query is not None or request.sort is None or request.sort[0] != ID_PROPERTY:
        return None
    if len(request.filter_groups) > 1:
        return None
    group = request.filter_groups[0] if request.filter_groups else []
    spec = store.catalogue.spec(object_type, ID_PROPERTY)
    if spec is None or spec.type != "number":
        return None
    order: Sequence[int] = store.id_order(object_type)
    lo, hi = 0, len(order)
    for raw in group:
        op, value = str(raw.get("operator", "EQ")), str(raw.get("value", ""))
        if raw.get("propertyName") != ID_PROPERTY or op not in _BOUNDS or not value.isdigit():
            return None
        bound = int(value)
        if op == "GT":
            lo = max(lo, bisect.bisect_right(order, bound))
        elif op == "GTE":
            lo = max(lo, bisect.bisect_left(order, bound))
        elif op == "LT":
            hi = min(hi, bisect.bisect_left(order, bound))
        else:
            hi = min(hi, bisect.bisect_right(order, bound))
    store.promote_due(object_type, now_ms)
    descending = request.sort[1]
    ids = range(hi - 1, lo - 1, -1) if descending else range(lo, hi)
    start = request.after
    stop = min(start + request.limit, SEARCH_RESULTS_CAP)
    if not store.pending_index():
        # Every record is visible to search: the range is the result.
        total = max(hi - lo, 0)
        page = [str(order[i]) for i in ids[start:stop]]
        return SearchHits(total, start, page)
    visible = [
        str(order[i])
        for i in ids
        if (rec := store.record(object_type, str(order[i]))) is not None
        and store.searchable(rec, now_ms) is not None
    ]
    return SearchHits(len(visible), start, visible[start:stop])

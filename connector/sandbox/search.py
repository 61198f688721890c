"""CRM search: filters, one sort, paging by offset, the 10,000-result cap (hubspot-api.md §2)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Any

from connector.hubspot_facts import SEARCH_PAGE_MAX, SEARCH_RESULTS_CAP
from connector.sandbox.catalogue import normalise_filter_value
from connector.sandbox.schema import PropertySpec
from connector.sandbox.store import Record, Store
from connector.sandbox.wire import bad_request

MAX_GROUPS = 5  # docs say 5 (the spec says 6): hubspot-api.md §2, §14
MAX_FILTERS_PER_GROUP = 6
MAX_FILTERS = 18
DEFAULT_LIMIT = 10
MAX_BODY_CHARS = 3_000
OPERATORS = frozenset(
    {
        "LT",
        "LTE",
        "GT",
        "GTE",
        "EQ",
        "NEQ",
        "BETWEEN",
        "IN",
        "NOT_IN",
        "HAS_PROPERTY",
        "NOT_HAS_PROPERTY",
        "CONTAINS_TOKEN",
        "NOT_CONTAINS_TOKEN",
    }
)
_QUERY_PROPERTIES: Mapping[str, tuple[str, ...]] = {
    "contacts": ("firstname", "lastname", "email", "phone", "company", "hs_object_id"),
    "companies": ("name", "domain", "website", "phone", "hs_object_id"),
}
_TOKEN_SPLIT = re.compile(r"[\s,;:/()\[\]\"'!?|]+")

Props = Mapping[str, str]
Predicate = Callable[[Props], bool]


@dataclass(frozen=True, slots=True)
class SearchRequest:
    filter_groups: list[list[dict[str, Any]]]
    sort: tuple[str, bool] | None  # (property, descending)
    query: str | None
    properties: list[str] | None
    limit: int
    after: int
    cache_key: str


def parse_request(body: Mapping[str, Any], raw_length: int) -> SearchRequest:
    """Validate a search body as HubSpot does; raise its 400 otherwise."""
    if raw_length > MAX_BODY_CHARS:
        raise bad_request(f"The request body may hold at most {MAX_BODY_CHARS} characters.")
    groups = body.get("filterGroups") or []
    if not isinstance(groups, list):
        raise bad_request("filterGroups must be a list")
    if len(groups) > MAX_GROUPS:
        raise bad_request(f"Too many filter groups: {len(groups)}. The maximum is {MAX_GROUPS}.")
    parsed_groups: list[list[dict[str, Any]]] = []
    total = 0
    for group in groups:
        filters = list((group or {}).get("filters") or [])
        if len(filters) > MAX_FILTERS_PER_GROUP:
            raise bad_request(
                f"Too many filters in a group: {len(filters)}. "
                f"The maximum is {MAX_FILTERS_PER_GROUP}."
            )
        total += len(filters)
        for f in filters:
            op = str(f.get("operator", "EQ"))
            if op not in OPERATORS:
                raise bad_request(f"Unknown filter operator {op!r}.")
            if not f.get("propertyName"):
                raise bad_request("Every filter needs a propertyName.")
        parsed_groups.append(filters)
    if total > MAX_FILTERS:
        raise bad_request(
            f"Too many filters: {total}. The maximum across all groups is {MAX_FILTERS}."
        )
    sorts = body.get("sorts") or []
    if len(sorts) > 1:
        raise bad_request("Only one sort is allowed.")
    sort = _parse_sort(sorts[0]) if sorts else None
    limit = _int(body.get("limit"), DEFAULT_LIMIT, "limit")
    if limit < 0 or limit > SEARCH_PAGE_MAX:
        raise bad_request(f"limit must be between 0 and {SEARCH_PAGE_MAX} (got {limit}).")
    after = _int(body.get("after"), 0, "after")
    if after >= SEARCH_RESULTS_CAP:
        raise bad_request(
            f"The search endpoints are limited to {SEARCH_RESULTS_CAP} total results; "
            f"after={after} pages beyond them."
        )
    props = body.get("properties")
    key = json.dumps([groups, sorts, body.get("query")], sort_keys=True, default=str)
    return SearchRequest(
        parsed_groups,
        sort,
        body.get("query") or None,
        list(props) if props else None,
        limit,
        after,
        key,
    )


def _int(raw: Any, default: int, name: str) -> int:
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except (TypeError, ValueError):
        raise bad_request(f"{name} must be an integer (got {raw!r}).") from None


def _parse_sort(raw: Any) -> tuple[str, bool]:
    if isinstance(raw, str):
        # The SDK types sorts as list[str]; accept "-name" / "name" as well as the object form.
        return (raw[1:], True) if raw.startswith("-") else (raw, False)
    if not isinstance(raw, Mapping) or not raw.get("propertyName"):
        raise bad_request("A sort needs a propertyName.")
    direction = str(raw.get("direction", "ASCENDING")).upper()
    if direction not in ("ASCENDING", "DESCENDING"):
        raise bad_request(f"Unknown sort direction {direction!r}.")
    return str(raw["propertyName"]), direction == "DESCENDING"


def compile_filters(store: Store, object_type: str, request: SearchRequest) -> Predicate:
    """One predicate: groups ORed, filters inside a group ANDed."""
    groups = [[_filter(store, object_type, f) for f in g] for g in request.filter_groups]
    query = _query_predicate(object_type, request.query) if request.query else None

    def matches(props: Props) -> bool:
        if query is not None and not query(props):
            return False
        if not groups:
            return True
        return any(all(p(props) for p in group) for group in groups)

    return matches


def _filter(store: Store, object_type: str, raw: Mapping[str, Any]) -> Predicate:
    name = str(raw["propertyName"])
    op = str(raw.get("operator", "EQ"))
    spec = store.catalogue.spec(object_type, name)
    if op == "HAS_PROPERTY":
        return lambda p: bool(p.get(name))
    if op == "NOT_HAS_PROPERTY":
        return lambda p: not p.get(name)
    kind = spec.type if spec else "string"
    if op in ("IN", "NOT_IN"):
        values = {normalise_filter_value(spec, str(v)) for v in raw.get("values") or []}
        if kind == "number":
            numbers = {number(v) for v in values}
            inside: Predicate = lambda p: number(p.get(name)) in numbers  # noqa: E731
        else:
            # IN on strings compares lower-cased stored values: HubSpot wants lowercase values.
            fold = kind not in ("enumeration", "bool")
            inside = lambda p: _fold(p.get(name), fold) in values  # noqa: E731
        if op == "IN":
            return lambda p: bool(p.get(name)) and inside(p)
        return lambda p: not inside(p)
    if op in ("CONTAINS_TOKEN", "NOT_CONTAINS_TOKEN"):
        token = str(raw.get("value", "")).lower()
        contains: Predicate = lambda p: _has_token(p.get(name), token)  # noqa: E731
        return contains if op == "CONTAINS_TOKEN" else (lambda p: not contains(p))
    key = key_function(spec)
    value = key(normalise_filter_value(spec, str(raw.get("value", ""))))
    if op == "BETWEEN":
        high = key(normalise_filter_value(spec, str(raw.get("highValue", ""))))
        return lambda p: _present(p, name) and value <= key(p[name]) <= high
    compare: dict[str, Callable[[Any, Any], bool]] = {
        "EQ": lambda a, b: a == b,
        "NEQ": lambda a, b: a != b,
        "LT": lambda a, b: a < b,
        "LTE": lambda a, b: a <= b,
        "GT": lambda a, b: a > b,
        "GTE": lambda a, b: a >= b,
    }
    check = compare[op]
    if op == "NEQ":
        return lambda p: not _present(p, name) or check(key(p[name]), value)
    return lambda p: _present(p, name) and check(key(p[name]), value)


def _present(props: Props, name: str) -> bool:
    return bool(props.get(name))


def _fold(value: str | None, fold: bool) -> str | None:
    return value.lower() if fold and value is not None else value


def number(value: str | None) -> float:
    try:
        return float(value) if value is not None else float("nan")
    except ValueError:
        return float("nan")


def key_function(spec: PropertySpec | None) -> Callable[[str], Any]:
    """How values of a property compare: numbers as floats, datetimes as ISO strings,
    enumerations case-sensitively, other text case-insensitively."""
    kind = spec.type if spec else "string"
    if kind == "number":
        return number
    if kind in ("datetime", "date", "enumeration", "bool"):
        return str
    return str.lower


def _has_token(value: str | None, token: str) -> bool:
    if not value:
        return False
    lowered = value.lower()
    tokens = [t for t in _TOKEN_SPLIT.split(lowered) if t]
    if "*" in token:
        return fnmatchcase(lowered, token) or any(fnmatchcase(t, token) for t in tokens)
    return token == lowered or token in tokens or any(token in t.split("@") for t in tokens)


def _query_predicate(object_type: str, query: str) -> Predicate:
    names = _QUERY_PROPERTIES.get(object_type)
    words = [w for w in query.lower().split() if w]

    def matches(props: Props) -> bool:
        fields = [props.get(n) for n in names] if names else list(props.values())
        haystack = " ".join(f.lower() for f in fields if f)
        return all(w in haystack for w in words)

    return matches


def sort_records(
    store: Store, object_type: str, hits: list[tuple[Record, Props]], sort: tuple[str, bool] | None
) -> list[tuple[Record, Props]]:
    """Order hits by the one sort (missing values last); ties and no sort: creation order."""
    if sort is None:
        return hits
    name, descending = sort
    key = key_function(store.catalogue.spec(object_type, name))
    present = [h for h in hits if h[1].get(name)]
    missing = [h for h in hits if not h[1].get(name)]
    present.sort(key=lambda h: key(h[1][name]), reverse=descending)
    return present + missing


def scan(store: Store, object_type: str, request: SearchRequest, now_ms: int) -> list[str]:
    """Ids of every match in result order, by scanning and sorting every record. Hold `lock`."""
    store.promote_due(object_type, now_ms)
    matches = compile_filters(store, object_type, request)
    hits: list[tuple[Record, Props]] = []
    for rec in store.records(object_type):
        visible = store.searchable(rec, now_ms)
        if visible is not None and matches(visible):
            hits.append((rec, visible))
    return [rec.id for rec, _ in sort_records(store, object_type, hits, request.sort)]


def page_bounds(request: SearchRequest, total: int) -> tuple[int, int, str | None]:
    """Slice [start, end) of the sorted hits and the next `after` (a string, as HubSpot sends)."""
    start = request.after
    end = min(start + request.limit, total, SEARCH_RESULTS_CAP)
    nxt = str(end) if end < total and request.limit > 0 else None
    return start, end, nxt

"""CRM search requests: bodies, one page of contacts, every page of tasks.

Search spends its own budget (5/s per account) and its answers carry no rate-limit headers
(hubspot-api.md §1). Page tokens are passed back exactly as HubSpot sent them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from connector.hubspot import _parse
from connector.hubspot._limiter import Budget
from connector.hubspot._transport import RawResponse
from connector.hubspot.models import SearchPage
from connector.hubspot_facts import SEARCH_PAGE_MAX

Call = Callable[..., RawResponse]


def search_filter(name: str, operator: str, value: str) -> dict[str, str]:
    return {"propertyName": name, "operator": operator, "value": value}


def search_body(
    filters: list[dict[str, str]],
    sort_property: str,
    properties: Sequence[str],
    after: str | None,
    limit: int,
    *,
    descending: bool = False,
) -> dict[str, Any]:
    """One filter group (filters ANDed, none: every record), one sort, the properties, the
    page."""
    if not 1 <= limit <= SEARCH_PAGE_MAX:
        raise ValueError(f"limit must be 1..{SEARCH_PAGE_MAX}, got {limit}")
    body: dict[str, Any] = {
        "filterGroups": [{"filters": filters}] if filters else [],
        "sorts": [
            {
                "propertyName": sort_property,
                "direction": "DESCENDING" if descending else "ASCENDING",
            }
        ],
        "properties": list(properties),
        "limit": limit,
    }
    if after is not None:
        body["after"] = after
    return body


def between_filters(date_property: str, since: datetime, until: datetime) -> list[dict[str, str]]:
    """since <= date_property <= until (both inclusive, to the millisecond)."""
    return [
        search_filter(date_property, "GTE", str(_parse.to_epoch_ms(since))),
        search_filter(date_property, "LTE", str(_parse.to_epoch_ms(until))),
    ]


def at_instant_filters(
    date_property: str, instant: datetime, after_id: str | None
) -> list[dict[str, str]]:
    """date_property == instant, and hs_object_id > after_id when given: one crowded
    millisecond drained by id, since the offset stops at 10,000 results."""
    filters = [search_filter(date_property, "EQ", str(_parse.to_epoch_ms(instant)))]
    if after_id is not None:
        filters.append(search_filter("hs_object_id", "GT", str(after_id)))
    return filters


def search_page(
    call: Call, endpoint: str, search: Callable[..., Any], body: dict[str, Any]
) -> SearchPage:
    response = call(
        endpoint,
        Budget.SEARCH,
        search,
        public_object_search_request=body,
    )
    return SearchPage(
        results=tuple(_parse.parse_records(response.body)),
        total=int(response.body.get("total") or 0),
        next_after=_parse.next_after(response.body),
    )

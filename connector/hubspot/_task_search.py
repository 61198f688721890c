"""Search the connector's handoff tasks: the open ones, and the ones created since a time.

One request body for both (two filter groups are ORed), so a run learns every SDR's open
handoffs and today's new ones in one search, paged by 200 (hubspot-api.md §2). Only tasks that
carry the connector's key property are the connector's: a rep's own tasks never count.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from connector.hubspot import _parse
from connector.hubspot._search import search_filter
from connector.hubspot_facts import SEARCH_PAGE_MAX

#: Every task the connector's search returns says who owns it, whether it is done, when it was
#: created; the key tells a handoff task from an escalation's manager task.
TASK_LOAD_PROPERTIES = ("hubspot_owner_id", "hs_task_status", "hs_createdate")
COMPLETED = "COMPLETED"


def handoff_tasks_body(
    *, key_property: str, created_since: datetime, after: str | None, limit: int = SEARCH_PAGE_MAX
) -> dict[str, Any]:
    """Tasks with `key_property` set that are not completed, or were created at or after
    `created_since`; in id order, so paging is stable while tasks are added."""
    if not 1 <= limit <= SEARCH_PAGE_MAX:
        raise ValueError(f"limit must be 1..{SEARCH_PAGE_MAX}, got {limit}")
    keyed = search_filter(key_property, "HAS_PROPERTY", "")
    keyed.pop("value")
    since_ms = str(_parse.to_epoch_ms(created_since))
    body: dict[str, Any] = {
        "filterGroups": [
            {"filters": [keyed, search_filter("hs_task_status", "NEQ", COMPLETED)]},
            {"filters": [keyed, search_filter("hs_createdate", "GTE", since_ms)]},
        ],
        "sorts": [{"propertyName": "hs_object_id", "direction": "ASCENDING"}],
        "properties": [*TASK_LOAD_PROPERTIES, key_property],
        "limit": limit,
    }
    if after is not None:
        body["after"] = after
    return body

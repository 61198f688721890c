"""HubSpot's documented limits and orders, defined once for the connector and its sandbox.

Each value names its source in `../shared/docs/hubspot-api.md` (the section in brackets). This
module imports nothing, so the pure rules core, the gateway, the sync and the sandbox can all
read it without pulling in the SDK.
"""

from __future__ import annotations

from typing import Final

#: "Object API batch endpoints are limited to 100 inputs per request" (§3): batch read,
#: update and create, and the associations batch endpoints.
BATCH_MAX_INPUTS: Final = 100
#: Associations v4 batch read takes up to 1,000 inputs since 2025-02-10 (§3).
ASSOCIATIONS_BATCH_READ_MAX: Final = 1_000
#: A search page holds at most 200 results (§2).
SEARCH_PAGE_MAX: Final = 200
#: Search answers 400 for any page past the first 10,000 results of a query (§2).
SEARCH_RESULTS_CAP: Final = 10_000
#: List endpoints (`GET /crm/v3/objects/…`, owners) return at most 100 records a page (§5).
LIST_PAGE_MAX: Final = 100

#: HubSpot's standard lifecycle stages in forward order; the API moves a stage only forward
#: unless it is cleared first (§4).
LIFECYCLE_ORDER: Final[tuple[str, ...]] = (
    "subscriber",
    "lead",
    "marketingqualifiedlead",
    "salesqualifiedlead",
    "opportunity",
    "customer",
    "evangelist",
    "other",
)

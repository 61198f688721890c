"""HubSpot's documented limits and orders, defined once for the connector and its sandbox.

Each value names its source in `../shared/docs/hubspot-api.md` (the section in brackets). This
module imports nothing, so the pure rules core, the gateway, the sync and the sandbox can all
read it without pulling in the SDK.
"""

from __future__ import annotations

from dataclasses import dataclass
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
#: The longest task subject the connector sends (HubSpot shows a subject on one line; longer
#: text belongs in the body): every task it creates or marks is cut here.
TASK_SUBJECT_MAX_CHARS: Final = 500

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


#: The burst window: each budget of calls is counted over 10 s
#: (`X-HubSpot-RateLimit-Interval-Milliseconds: 10000`, §1).
BURST_WINDOW_SECONDS: Final = 10.0
#: The search budget is counted per second (§1, "CRM search limit").
SEARCH_WINDOW_SECONDS: Final = 1.0


@dataclass(frozen=True, slots=True)
class ApiBudget:
    """A subscription tier's API budget for a private app (§1); None = no limit (a sandbox)."""

    per_ten_seconds: int | None
    per_day: int | None
    search_per_second: int | None


#: The smallest paid tier's (Starter's) burst and search budgets: what the connector assumes
#: unless told the portal's tier (§1).
DEFAULT_CALLS_PER_TEN_SECONDS: Final = 100
DEFAULT_SEARCHES_PER_SECOND: Final = 5

#: Private apps' budgets by tier (§1, "Limits by app type and tier").
API_BUDGETS: Final = {
    "free": ApiBudget(DEFAULT_CALLS_PER_TEN_SECONDS, 250_000, DEFAULT_SEARCHES_PER_SECOND),
    "starter": ApiBudget(DEFAULT_CALLS_PER_TEN_SECONDS, 250_000, DEFAULT_SEARCHES_PER_SECOND),
    "professional": ApiBudget(190, 625_000, 5),
    "enterprise": ApiBudget(190, 1_000_000, 5),
    "unlimited": ApiBudget(None, None, None),
}


@dataclass(frozen=True, slots=True)
class ScopeNeed:
    """A scope the connector needs, with the scopes HubSpot accepts in its place (§11)."""

    scope: str
    why: str
    also_accepted: tuple[str, ...] = ()
    #: Only writing commands need it: a dry run may preview with a read-only token.
    for_writes: bool = False

    def met_by(self, granted: frozenset[str]) -> bool:
        return self.scope in granted or any(s in granted for s in self.also_accepted)


#: The scopes of a private app that runs every command (§11). Property definitions can be read
#: with the object's read scope, so the schema read scopes are accepted, not required.
REQUIRED_SCOPES: Final[tuple[ScopeNeed, ...]] = (
    ScopeNeed("crm.objects.contacts.read", "to read contacts, their tasks and associations"),
    ScopeNeed(
        "crm.objects.contacts.write",
        "to write scores and lifecycle stages and to create SDR tasks",
        for_writes=True,
    ),
    ScopeNeed("crm.objects.companies.read", "to read the companies the rules score"),
    ScopeNeed("crm.objects.owners.read", "to route handoffs to SDR owners"),
    ScopeNeed(
        "crm.schemas.contacts.write",
        "for `connector setup` to create the score properties",
        for_writes=True,
    ),
)

#: A private app's token, posted in the body, comes back with its scopes (§11):
#: `{"hubId", "appId", "userId", "scopes": [...]}`. OAuth tokens are not private-app tokens and
#: are answered with an error, so the check is skipped for them.
TOKEN_INFO_PATH: Final = "/oauth/v2/private-apps/get/access-token-info"

"""Which endpoint the first run (backfill) should read the portal with: the arithmetic.

HubSpot gives two independent budgets: CRM search (5 requests per second per account, 200 records
per page, not counted in the 10-second budget) and everything else (the 10-second budget, 100 or 190
calls per 10 s by tier), which the write-back also spends. A backfill of N contacts that writes W of
them costs:

- search:  N/200 search calls, in parallel with W/100 writes on the other budget:
           time = max(N/200 / search_rate, W/100 / burst_rate)
- list:    N/100 list calls plus W/100 writes, all on the 10-second budget:
           time = (N/100 + W/100) / burst_rate

On the first run nearly every contact gets its score written (W ≈ N), so search wins on every tier
(Professional: N/1000 s against N/950 s; Starter: N/1000 against N/500). List wins when few contacts
need writing, e.g. re-running a backfill against a portal that is already scored.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from connector.hubspot_facts import BATCH_MAX_INPUTS, LIST_PAGE_MAX, SEARCH_PAGE_MAX


class BackfillMethod(StrEnum):
    SEARCH = "search"
    LIST = "list"


@dataclass(frozen=True, slots=True)
class BackfillEstimate:
    method: BackfillMethod
    search_seconds: float
    list_seconds: float


def choose_backfill(
    *,
    contacts: int,
    write_share: float,
    burst_per_second: float,
    search_per_second: float,
) -> BackfillEstimate:
    """The faster method for reading `contacts` and writing `write_share` of them.

    Args:
        contacts: how many contacts the portal holds (search's `total`).
        write_share: expected share of contacts that need a write (0–1).
        burst_per_second: the 10-second budget divided by 10.
        search_per_second: the search budget.
    """
    writes = contacts * max(0.0, min(1.0, write_share)) / BATCH_MAX_INPUTS
    search_time = max(contacts / SEARCH_PAGE_MAX / search_per_second, writes / burst_per_second)
    list_time = (contacts / LIST_PAGE_MAX + writes) / burst_per_second
    method = BackfillMethod.SEARCH if search_time <= list_time else BackfillMethod.LIST
    return BackfillEstimate(method=method, search_seconds=search_time, list_seconds=list_time)

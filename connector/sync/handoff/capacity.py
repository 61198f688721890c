"""How loaded each owner is: open handoff tasks, and new ones today, as HubSpot knows them.

The caps (an SDR's `max_open_handoffs`, `handoff.max_new_per_sdr_per_day`) must hold when the
state store is lost, so the counts come from HubSpot: one search over the connector's tasks
(those carrying its key property) that are open or were created since the local midnight,
paged by 200, once per run. With caps in force that is one or two calls.

Search lags writes by seconds, so the ledger fills the gap: a handoff it holds whose task the
search did not return counts too while it is pending or younger than `SEARCH_GRACE`. An older
one the search did not return is done or deleted in HubSpot, which wins.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from connector.errors import ConnectorError
from connector.hubspot.models import CrmRecord
from connector.hubspot_facts import SEARCH_RESULTS_CAP
from connector.logging import get_logger
from connector.rules.pool_capacity import pool_shortfall
from connector.rules.routing import HANDOFF_KEY_PREFIX, DailyCap, ResolvedPool
from connector.rules.values import parse_timestamp
from connector.state import HandoffRecord
from connector.sync.ports import HubSpotPort

log = get_logger(__name__)

#: How long a task may be missing from search after its create: search lags by seconds
#: (hubspot-api.md §2); minutes leave room for a slow index.
SEARCH_GRACE = timedelta(minutes=10)
_COMPLETED = "COMPLETED"


@dataclass(slots=True)
class OwnerLoad:
    """Open handoff tasks and handoffs created today, per owner id."""

    open_counts: Counter[str] = field(default_factory=Counter)
    created_today: Counter[str] = field(default_factory=Counter)
    #: search calls spent (the run summary shows them)
    search_calls: int = 0
    #: False when HubSpot could not be asked: the counts are the ledger's alone
    from_hubspot: bool = False


def _is_handoff(task: CrmRecord, key_property: str) -> bool:
    # Escalations' manager tasks carry "esc-hq-…": a manager's load, not an SDR's handoffs.
    return (task.get(key_property) or "").startswith(f"{HANDOFF_KEY_PREFIX}-")


def read_owner_load(
    port: HubSpotPort,
    ledger: Iterable[HandoffRecord],
    *,
    key_property: str,
    day_start: datetime,
    now: datetime,
) -> OwnerLoad:
    """The load per owner: HubSpot's handoff tasks merged with the ledger's recent handoffs.

    Args:
        port: HubSpot.
        ledger: the ledger's open handoffs and those created since `day_start`.
        key_property: the task property holding a handoff's key.
        day_start: the local midnight of today in the SLA calendar's zone.
        now: the run's time.
    """
    load = OwnerLoad()
    seen: set[str] = set()
    after: str | None = None
    fetched = 0
    try:
        while True:
            page = port.search_handoff_tasks(
                key_property=key_property, created_since=day_start, after=after
            )
            load.search_calls += 1
            for task in page.results:
                if task.id in seen or not _is_handoff(task, key_property):
                    continue
                seen.add(task.id)
                owner = task.get("hubspot_owner_id") or ""
                if task.get("hs_task_status") != _COMPLETED:
                    load.open_counts[owner] += 1
                created = parse_timestamp(task.get("hs_createdate"))
                if created is not None and created >= day_start.timestamp():
                    load.created_today[owner] += 1
            fetched += len(page.results)
            after = page.next_after
            if after is None or not page.results:
                break
            if fetched >= SEARCH_RESULTS_CAP:
                # Only with no cap in force can there be this many; the rest are not counted.
                log.warning("handoff_load_search_capped", counted=fetched)
                break
        load.from_hubspot = True
    except ConnectorError as exc:
        # The ledger still knows this store's handoffs; a run does not fail over a count.
        log.warning("handoff_load_search_failed", error=type(exc).__name__)
    keys: set[str] = set()
    for handoff in ledger:
        if handoff.key in keys:
            continue
        keys.add(handoff.key)
        if handoff.task_id is not None and handoff.task_id in seen:
            continue  # HubSpot said where it stands
        recent = handoff.task_id is None or now - handoff.created_at < SEARCH_GRACE
        if not recent and load.from_hubspot:
            continue  # done or deleted in HubSpot
        if handoff.status != "closed":
            load.open_counts[handoff.owner_id] += 1
        if handoff.created_at >= day_start:
            load.created_today[handoff.owner_id] += 1
    return load


def ledger_load(ledger: Iterable[HandoffRecord], day_start: datetime) -> OwnerLoad:
    """The load as the local ledger alone knows it."""
    load = OwnerLoad()
    for handoff in {h.key: h for h in ledger}.values():
        if handoff.status != "closed":
            load.open_counts[handoff.owner_id] += 1
        if handoff.created_at >= day_start:
            load.created_today[handoff.owner_id] += 1
    return load


def shortfall_summary(
    *,
    pool: ResolvedPool,
    today: date,
    load: OwnerLoad,
    daily: DailyCap,
    unassigned: int,
    capped: int,
    backlogged: int,
    waiting: Mapping[str, int],
) -> dict[str, Any]:
    """The run's capacity in one mapping: the run summary, `status` and `sla` show it."""
    return {
        "sdrs": pool_shortfall(pool, today, load.open_counts, daily),
        "no_sdr_available": unassigned,
        "run_capped": capped,
        "backlogged": backlogged,
        "backlog": waiting.get("backlog", 0),
        "queued": waiting.get("queued", 0),
        "load_from_hubspot": load.from_hubspot,
        "load_search_calls": load.search_calls,
    }

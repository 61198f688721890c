"""What the sync needs from HubSpot and from its state store, as Protocols.

The gateway and `StateStore` implement them; a dry run swaps in `RecordingPort` and
`ScratchState` (`connector/sync/dry_run.py`, `scratch_state.py`), which keep writes instead of
making them. Nothing else in the sync knows whether a run is a dry run.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any, Protocol

from connector.hubspot import LimiterSnapshot
from connector.hubspot.models import (
    BatchOutcome,
    CallStats,
    CrmRecord,
    CustomPropertyUsage,
    ListPage,
    NewProperty,
    NewTask,
    Owner,
    PropertyDefinition,
    RecordUpdate,
    SearchPage,
)
from connector.hubspot_facts import LIST_PAGE_MAX, SEARCH_PAGE_MAX
from connector.state import ContactMemory, Cursor, DeadLetter, HandoffRecord, Lease


class HubSpotPort(Protocol):
    def search_contacts_modified(
        self,
        *,
        since: datetime,
        until: datetime,
        properties: Sequence[str],
        after: str | None = None,
        limit: int = SEARCH_PAGE_MAX,
    ) -> SearchPage:
        """Contacts with since <= lastmodifieddate <= until, sorted by lastmodifieddate ASC."""
        ...

    def search_contacts_by_id(
        self,
        *,
        above_id: str | None,
        below_id: str | None,
        properties: Sequence[str],
        after: str | None = None,
        limit: int = SEARCH_PAGE_MAX,
    ) -> SearchPage:
        """Contacts with above_id < hs_object_id < below_id (None: unbounded), highest first."""
        ...

    def search_contacts_modified_at(
        self,
        *,
        instant: datetime,
        after_id: str | None,
        properties: Sequence[str],
        limit: int = SEARCH_PAGE_MAX,
        after: str | None = None,
    ) -> SearchPage:
        """Contacts with lastmodifieddate == instant and hs_object_id > after_id, sorted by id.

        `after` is HubSpot's page token, followed only for empty pages that say "more".
        """
        ...

    def list_contacts(
        self, *, properties: Sequence[str], after: str | None = None, limit: int = LIST_PAGE_MAX
    ) -> ListPage: ...

    def read_contacts(self, ids: Sequence[str], properties: Sequence[str]) -> list[CrmRecord]: ...

    def read_companies(self, ids: Sequence[str], properties: Sequence[str]) -> list[CrmRecord]: ...

    def update_contacts(self, updates: Sequence[RecordUpdate]) -> BatchOutcome: ...

    def create_tasks(self, tasks: Sequence[NewTask]) -> BatchOutcome:
        """Create tasks; `created_ids[i]` is the id of the task made for `tasks[i]`, or None."""
        ...

    def read_tasks(self, ids: Sequence[str], properties: Sequence[str]) -> list[CrmRecord]: ...

    def update_tasks(self, updates: Sequence[RecordUpdate]) -> BatchOutcome: ...

    def search_handoff_tasks(
        self, *, key_property: str, created_since: datetime, after: str | None = None
    ) -> SearchPage:
        """One page of the connector's tasks that are open or created since `created_since`."""
        ...

    def contact_task_ids(self, contact_ids: Sequence[str]) -> dict[str, list[str]]:
        """Ids of the tasks associated with each contact (associations v4, consistent reads)."""
        ...

    def list_owners(self) -> list[Owner]:
        """Every owner, archived ones included (their `archived` flag set)."""
        ...

    def read_property_definitions(self, object_type: str) -> list[PropertyDefinition]: ...

    def granted_scopes(self) -> frozenset[str] | None:
        """The token's scopes, or None when HubSpot will not say (not a private app)."""
        ...

    def create_property_group(self, object_type: str, name: str, label: str) -> None: ...

    def create_properties(
        self, object_type: str, properties: Sequence[NewProperty]
    ) -> BatchOutcome: ...

    def custom_property_usage(self) -> list[CustomPropertyUsage]: ...

    def stats(self) -> CallStats: ...

    def reset_stats(self) -> None:
        """Start counting afresh (each run reports its own calls)."""
        ...

    def budget_snapshot(self) -> LimiterSnapshot:
        """How much of each rate-limit budget is in use right now (for the backfill's pacing)."""
        ...


class ReadThrough:
    """A HubSpot port that passes every read to `inner` unchanged: the base of the wrappers
    that change only writes (the dry run's `RecordingPort`, the lease's `FencedPort`)."""

    def __init__(self, inner: HubSpotPort) -> None:
        self._inner = inner

    def search_contacts_modified(
        self,
        *,
        since: datetime,
        until: datetime,
        properties: Sequence[str],
        after: str | None = None,
        limit: int = SEARCH_PAGE_MAX,
    ) -> SearchPage:
        return self._inner.search_contacts_modified(
            since=since, until=until, properties=properties, after=after, limit=limit
        )

    def search_contacts_by_id(
        self,
        *,
        above_id: str | None,
        below_id: str | None,
        properties: Sequence[str],
        after: str | None = None,
        limit: int = SEARCH_PAGE_MAX,
    ) -> SearchPage:
        return self._inner.search_contacts_by_id(
            above_id=above_id,
            below_id=below_id,
            properties=properties,
            after=after,
            limit=limit,
        )

    def search_contacts_modified_at(
        self,
        *,
        instant: datetime,
        after_id: str | None,
        properties: Sequence[str],
        limit: int = SEARCH_PAGE_MAX,
        after: str | None = None,
    ) -> SearchPage:
        return self._inner.search_contacts_modified_at(
            instant=instant, after_id=after_id, properties=properties, limit=limit, after=after
        )

    def list_contacts(
        self, *, properties: Sequence[str], after: str | None = None, limit: int = LIST_PAGE_MAX
    ) -> ListPage:
        return self._inner.list_contacts(properties=properties, after=after, limit=limit)

    def read_contacts(self, ids: Sequence[str], properties: Sequence[str]) -> list[CrmRecord]:
        return self._inner.read_contacts(ids, properties)

    def read_companies(self, ids: Sequence[str], properties: Sequence[str]) -> list[CrmRecord]:
        return self._inner.read_companies(ids, properties)

    def read_tasks(self, ids: Sequence[str], properties: Sequence[str]) -> list[CrmRecord]:
        return self._inner.read_tasks(ids, properties)

    def contact_task_ids(self, contact_ids: Sequence[str]) -> dict[str, list[str]]:
        return self._inner.contact_task_ids(contact_ids)

    def search_handoff_tasks(
        self, *, key_property: str, created_since: datetime, after: str | None = None
    ) -> SearchPage:
        return self._inner.search_handoff_tasks(
            key_property=key_property, created_since=created_since, after=after
        )

    def list_owners(self) -> list[Owner]:
        return self._inner.list_owners()

    def read_property_definitions(self, object_type: str) -> list[PropertyDefinition]:
        return self._inner.read_property_definitions(object_type)

    def granted_scopes(self) -> frozenset[str] | None:
        return self._inner.granted_scopes()

    def custom_property_usage(self) -> list[CustomPropertyUsage]:
        return self._inner.custom_property_usage()

    def stats(self) -> CallStats:
        return self._inner.stats()

    def reset_stats(self) -> None:
        self._inner.reset_stats()

    def budget_snapshot(self) -> LimiterSnapshot:
        return self._inner.budget_snapshot()


class SyncState(Protocol):
    """The state store as the sync uses it; every method keyed by portal."""

    # The run record and the lease are the only state a dry run writes for real.
    def acquire_lease(
        self, portal: str, *, worker_id: str, now: datetime, ttl: timedelta
    ) -> bool: ...

    def renew_lease(
        self, portal: str, *, worker_id: str, now: datetime, ttl: timedelta
    ) -> bool: ...

    def release_lease(self, portal: str, worker_id: str) -> bool: ...

    def lease_holder(self, portal: str) -> Lease | None: ...

    def start_run(self, portal: str, *, started_at: datetime, dry_run: bool) -> int: ...

    def finish_run(
        self, run_id: int, *, finished_at: datetime, status: str, summary: Mapping[str, Any]
    ) -> None: ...

    def interrupt_unfinished_runs(self, portal: str, *, finished_at: datetime) -> int: ...

    def get_cursor(self, portal: str) -> Cursor | None: ...

    def save_cursor(self, portal: str, cursor: Cursor) -> None: ...

    def get_memory(self, portal: str, contact_ids: Sequence[str]) -> dict[str, ContactMemory]: ...

    def save_memory(self, portal: str, rows: Sequence[ContactMemory]) -> None: ...

    def due_for_rescore(self, portal: str, *, now: datetime, limit: int) -> list[str]: ...

    def forget_memory(self, portal: str, contact_ids: Sequence[str]) -> int: ...

    def add_dead_letters(
        self, portal: str, items: Sequence[tuple[str, str, str]], *, now: datetime
    ) -> None: ...

    def due_dead_letters(self, portal: str, *, now: datetime, limit: int) -> list[DeadLetter]: ...

    def resolve_dead_letters(self, portal: str, contact_ids: Sequence[str]) -> int: ...

    def count_dead_letters(self, portal: str) -> int: ...

    def reserve_handoff(self, portal: str, record: HandoffRecord) -> bool: ...

    def complete_handoff(self, portal: str, key: str, task_id: str) -> None: ...

    def close_handoff(self, portal: str, key: str) -> bool: ...

    def reassign_handoff(self, portal: str, key: str, *, owner_id: str) -> bool: ...

    def mark_escalated(
        self, portal: str, key: str, *, at: datetime, escalation_task_id: str | None
    ) -> bool: ...

    def get_handoff(self, portal: str, key: str) -> HandoffRecord | None: ...

    def open_handoffs(self, portal: str) -> list[HandoffRecord]: ...

    def handoffs_between(
        self, portal: str, start: datetime, end: datetime
    ) -> list[HandoffRecord]: ...

    def sdr_round_robin_state(self, portal: str) -> dict[str, float]: ...

    def save_sdr_round_robin_state(self, portal: str, state: Mapping[str, float]) -> None: ...

    def get_blob(self, portal: str, name: str) -> dict[str, Any] | None: ...

    def save_blob(self, portal: str, name: str, value: Mapping[str, Any]) -> None: ...

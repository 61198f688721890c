"""What the sync needs from HubSpot, as a Protocol: the gateway implements it, tests may too."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

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


class HubSpotPort(Protocol):
    def search_contacts_modified(
        self,
        *,
        since: datetime,
        until: datetime,
        properties: Sequence[str],
        after: str | None = None,
        limit: int = 200,
    ) -> SearchPage:
        """Contacts with since <= lastmodifieddate <= until, sorted by lastmodifieddate ASC."""
        ...

    def search_contacts_modified_at(
        self,
        *,
        instant: datetime,
        after_id: str | None,
        properties: Sequence[str],
        limit: int = 200,
        after: str | None = None,
    ) -> SearchPage:
        """Contacts with lastmodifieddate == instant and hs_object_id > after_id, sorted by id.

        `after` is HubSpot's page token, followed only for empty pages that say "more".
        """
        ...

    def list_contacts(
        self, *, properties: Sequence[str], after: str | None = None, limit: int = 100
    ) -> ListPage: ...

    def read_contacts(self, ids: Sequence[str], properties: Sequence[str]) -> list[CrmRecord]: ...

    def read_companies(self, ids: Sequence[str], properties: Sequence[str]) -> list[CrmRecord]: ...

    def update_contacts(self, updates: Sequence[RecordUpdate]) -> BatchOutcome: ...

    def create_tasks(self, tasks: Sequence[NewTask]) -> BatchOutcome:
        """Create tasks; `created_ids[i]` is the id of the task made for `tasks[i]`, or None."""
        ...

    def read_tasks(self, ids: Sequence[str], properties: Sequence[str]) -> list[CrmRecord]: ...

    def update_tasks(self, updates: Sequence[RecordUpdate]) -> BatchOutcome: ...

    def search_tasks(
        self, *, property_name: str, value: str, properties: Sequence[str]
    ) -> list[CrmRecord]:
        """Tasks whose property contains the token `value` (CONTAINS_TOKEN), all pages."""
        ...

    def contact_task_ids(self, contact_ids: Sequence[str]) -> dict[str, list[str]]:
        """Ids of the tasks associated with each contact (associations v4, consistent reads)."""
        ...

    def list_owners(self) -> list[Owner]:
        """Every owner, archived ones included (their `archived` flag set)."""
        ...

    def read_property_definitions(self, object_type: str) -> list[PropertyDefinition]: ...

    def create_property_group(self, object_type: str, name: str, label: str) -> None: ...

    def create_properties(
        self, object_type: str, properties: Sequence[NewProperty]
    ) -> BatchOutcome: ...

    def custom_property_usage(self) -> list[CustomPropertyUsage]: ...

    def stats(self) -> CallStats: ...

    def reset_stats(self) -> None:
        """Start counting afresh (each run reports its own calls)."""
        ...

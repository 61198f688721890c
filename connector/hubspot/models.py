"""Typed values that cross the gateway. Nothing past the gateway sees a raw HubSpot dict.

HubSpot sends every property value as a string (or null); the gateway keeps them as strings and
the rules parse them, so a garbage value is a scoring fact, not a crash.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class CrmRecord(_Frozen):
    """A contact, company or task: its id, the properties asked for, and its timestamps."""

    id: str
    properties: Mapping[str, str | None] = Field(default_factory=dict)
    created_at: datetime | None = None
    updated_at: datetime | None = None

    def get(self, name: str) -> str | None:
        return self.properties.get(name)


class SearchPage(_Frozen):
    """One page of a search: results in HubSpot's order and the cursor HubSpot returned."""

    results: tuple[CrmRecord, ...]
    total: int
    next_after: str | None = None


class ListPage(_Frozen):
    """One page of a list (GET objects) call."""

    results: tuple[CrmRecord, ...]
    next_after: str | None = None


class RecordUpdate(_Frozen):
    """Properties to write on one record; an empty string clears a property."""

    id: str
    properties: Mapping[str, str]


class RecordFailure(_Frozen):
    """A record HubSpot rejected inside a batch, with its reason."""

    id: str
    category: str
    message: str


class BatchOutcome(_Frozen):
    """Per-record result of a batch call (HubSpot 200 or 207)."""

    succeeded: tuple[str, ...] = ()
    failed: tuple[RecordFailure, ...] = ()
    records: tuple[CrmRecord, ...] = ()  # what HubSpot returned for the succeeded ones
    #: create calls only: the created id for each input, in input order (None: that input failed;
    #: its RecordFailure.id is "input:<index>")
    created_ids: tuple[str | None, ...] = ()


class TaskPriority(StrEnum):
    LOW = "LOW"
    MEDIUM = "MEDIUM"
    HIGH = "HIGH"


class TaskType(StrEnum):
    EMAIL = "EMAIL"
    CALL = "CALL"
    TODO = "TODO"


class NewTask(_Frozen):
    """A task to create, associated with a contact (204) and optionally its company (192)."""

    subject: str
    body: str
    due_at: datetime
    owner_id: str | None
    priority: TaskPriority = TaskPriority.MEDIUM
    task_type: TaskType = TaskType.TODO
    contact_id: str
    company_id: str | None = None
    extra_properties: Mapping[str, str] = Field(default_factory=dict)


class Owner(_Frozen):
    id: str
    email: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    user_id: int | None = None
    archived: bool = False
    teams: tuple[str, ...] = ()  #: team names (the id where HubSpot gives no name)


class PropertyOption(_Frozen):
    label: str
    value: str
    hidden: bool = False
    display_order: int | None = None


class PropertyDefinition(_Frozen):
    name: str
    label: str
    type: str
    field_type: str
    group_name: str | None = None
    options: tuple[PropertyOption, ...] = ()
    hubspot_defined: bool = False
    description: str | None = None
    #: Kept out of HubSpot's UI (record sidebar, property lists); the API reads and writes it.
    hidden: bool = False


class NewProperty(_Frozen):
    """A custom property to create (HubSpot requires name, label, type, fieldType, groupName)."""

    name: str
    label: str
    type: str
    field_type: str
    group_name: str
    description: str = ""
    options: tuple[PropertyOption, ...] = ()
    #: Kept out of HubSpot's UI: for the connector's bookkeeping, which reps must not edit.
    hidden: bool = False


class CustomPropertyUsage(_Frozen):
    object_type: str
    usage: int
    limit: int


class CallStats(_Frozen):
    """What the gateway spent, for the run summary and metrics."""

    calls_by_endpoint: Mapping[str, int]
    calls_by_status: Mapping[str, int]
    retries: int
    rate_limited: int
    total_calls: int
    #: endpoint -> status -> attempts ("200", "207", "429", "503", "timeout", "connection_error")
    calls_by_endpoint_status: Mapping[str, Mapping[str, int]] = Field(default_factory=dict)
    retries_by_endpoint: Mapping[str, int] = Field(default_factory=dict)
    #: attempts that did not get a 2xx (HubSpot wants these under 5% of daily calls)
    error_responses: int = 0

"""Dry run as one seam: a HubSpot port that forwards reads and records writes.

`RecordingPort` wraps the real port the way httpx's `MockTransport` stands in for the network:
every stage of the run talks to it exactly as to HubSpot, so a dry run plans precisely what a
real run would send, and no stage carries a dry-run branch. Writes are answered as HubSpot
answers a success (created tasks get placeholder ids, `dry-run-task-<n>`).

`planned_changes` turns what was recorded into the report: the net value each contact property
would end with (scores, stages, lead status, owner assignments, the handoff proof) beside its
current value in HubSpot, and each task that would be created with its owner, due time and SLA
tier (from the dry run's own ledger, `ScratchState`).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from connector.hubspot.models import (
    BatchOutcome,
    CrmRecord,
    NewProperty,
    NewTask,
    RecordUpdate,
)
from connector.hubspot_facts import BATCH_MAX_INPUTS
from connector.state import HandoffRecord
from connector.sync.ports import HubSpotPort, ReadThrough, SyncState
from connector.sync.scratch_state import ScratchState

TASK_ID_PREFIX = "dry-run-task-"

_Reader = Callable[[Sequence[str], Sequence[str]], list[CrmRecord]]


@dataclass(frozen=True, slots=True)
class PlannedChange:
    """One row of the dry-run report.

    `action` is "update contact", "update task" or "create task". For updates, `record_id` is
    the contact or task and `new` the value the property would end with. For a task to create,
    `record_id` is its contact, `new` its subject, and `owner_id`, `due_at` and `tier` are set.
    """

    action: str
    record_id: str
    property: str
    current: str | None
    new: str
    owner_id: str | None = None
    due_at: datetime | None = None
    tier: str | None = None

    def row(self) -> tuple[str, str, str, str, str, str, str, str]:
        due = self.due_at.astimezone(UTC).isoformat(timespec="seconds") if self.due_at else ""
        return (
            self.action,
            self.record_id,
            self.property,
            self.current or "",
            self.new,
            self.owner_id or "",
            due,
            self.tier or "",
        )


REPORT_HEADERS = ("action", "id", "property", "current", "would write", "owner", "due", "tier")


class RecordingPort(ReadThrough):
    """`HubSpotPort` that sends reads to `real` and keeps writes; safe across writer threads."""

    def __init__(self, real: HubSpotPort) -> None:
        super().__init__(real)
        self._lock = threading.Lock()
        # Net values per record: a clear followed by a set (a recycled stage) leaves the set.
        self.contact_writes: dict[str, dict[str, str]] = {}
        self.task_writes: dict[str, dict[str, str]] = {}
        self.tasks: list[tuple[str, NewTask]] = []
        self.properties: list[tuple[str, NewProperty]] = []

    # -- writes, recorded ------------------------------------------------------------------------

    def update_contacts(self, updates: Sequence[RecordUpdate]) -> BatchOutcome:
        return self._record(self.contact_writes, updates)

    def update_tasks(self, updates: Sequence[RecordUpdate]) -> BatchOutcome:
        return self._record(self.task_writes, updates)

    def create_tasks(self, tasks: Sequence[NewTask]) -> BatchOutcome:
        with self._lock:
            start = len(self.tasks)
            ids = [f"{TASK_ID_PREFIX}{start + i + 1}" for i in range(len(tasks))]
            self.tasks.extend(zip(ids, tasks, strict=True))
        return BatchOutcome(succeeded=tuple(ids), created_ids=tuple(ids))

    def create_property_group(self, object_type: str, name: str, label: str) -> None:
        return None

    def create_properties(
        self, object_type: str, properties: Sequence[NewProperty]
    ) -> BatchOutcome:
        with self._lock:
            self.properties.extend((object_type, p) for p in properties)
        return BatchOutcome(succeeded=tuple(p.name for p in properties))

    def _record(
        self, into: dict[str, dict[str, str]], updates: Sequence[RecordUpdate]
    ) -> BatchOutcome:
        with self._lock:
            for update in updates:
                into.setdefault(update.id, {}).update(update.properties)
        return BatchOutcome(succeeded=tuple(dict.fromkeys(u.id for u in updates)))


@dataclass(frozen=True, slots=True)
class DryRun:
    """A dry run's two seams, the port and the store its stages write through, and its report."""

    port: RecordingPort
    store: ScratchState
    real: HubSpotPort

    @classmethod
    def over(cls, port: HubSpotPort, store: SyncState) -> DryRun:
        return cls(RecordingPort(port), ScratchState(store), port)

    def report(self) -> list[PlannedChange]:
        return planned_changes(self.port, self.real, self.store.handoffs_made())


def planned_changes(
    recorded: RecordingPort, real: HubSpotPort, handoffs: Sequence[HandoffRecord]
) -> list[PlannedChange]:
    """The report of a dry run: property changes (current values read from `real`), then tasks.

    Only properties whose net value differs from HubSpot's are listed, so a value written and
    then written back (never the case today) would not show as a change.
    """
    changes = list(_updates("update contact", recorded.contact_writes, real.read_contacts))
    changes += _updates("update task", recorded.task_writes, real.read_tasks)
    tier_of = {h.task_id: h.sla_tier for h in handoffs if h.task_id}
    for task_id, task in recorded.tasks:
        # A run creates two kinds of task: a handoff's (in the ledger, with its SLA tier) and
        # an escalation's manager task (not in the ledger).
        changes.append(
            PlannedChange(
                action="create task",
                record_id=task.contact_id,
                property="",
                current=None,
                new=task.subject,
                owner_id=task.owner_id,
                due_at=task.due_at,
                tier=tier_of.get(task_id, "escalation"),
            )
        )
    return changes


def _updates(
    action: str,
    writes: Mapping[str, Mapping[str, str]],
    read: _Reader,
) -> Iterator[PlannedChange]:
    ids = sorted(writes, key=_numeric_first)
    for start in range(0, len(ids), BATCH_MAX_INPUTS):
        chunk = ids[start : start + BATCH_MAX_INPUTS]
        # Placeholder task ids do not exist in HubSpot; their current values are empty.
        names = sorted({name for i in chunk for name in writes[i]})
        real_ids = [i for i in chunk if not i.startswith(TASK_ID_PREFIX)]
        current = {r.id: r for r in read(real_ids, names)} if real_ids else {}
        for record_id in chunk:
            record = current.get(record_id)
            for name, value in writes[record_id].items():
                before = record.get(name) if record is not None else None
                if (before or "") != value:
                    yield PlannedChange(action, record_id, name, before, value)


def _numeric_first(record_id: str) -> tuple[int, str]:
    return (int(record_id), "") if record_id.isdigit() else (0, record_id)

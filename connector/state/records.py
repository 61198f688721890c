"""The rows the state store hands out: frozen values, every timestamp aware UTC."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final, Literal

RunStatus = Literal["running", "ok", "failed", "interrupted"]
#: The statuses a finished run may carry; "running" is only ever set by `start_run`.
FINISHED_RUN_STATUSES: Final[frozenset[str]] = frozenset({"ok", "failed", "interrupted"})

HandoffStatus = Literal["pending", "created", "closed"]
HANDOFF_STATUSES: Final[frozenset[str]] = frozenset({"pending", "created", "closed"})
#: A handoff is open until its task is closed; a "pending" one is reserved but not yet confirmed.
OPEN_HANDOFF_STATUSES: Final[tuple[str, ...]] = ("pending", "created")


@dataclass(frozen=True, slots=True)
class Cursor:
    """Every contact modified at or before `ts` has been processed (scored and written).

    Attributes:
        ts: the high-water mark of `lastmodifieddate`.
        backfill_done: whether the first full pass over the portal has finished.
        updated_at: when the cursor was last saved.
    """

    ts: datetime
    backfill_done: bool
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class RunRecord:
    """One sync run. `finished_at` is None and `status` "running" until `finish_run`."""

    id: int
    portal: str
    started_at: datetime
    finished_at: datetime | None
    status: str
    dry_run: bool
    summary: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class DeadLetter:
    """A contact HubSpot rejected; retried from `next_attempt_at` on with exponential backoff."""

    contact_id: str
    category: str
    message: str
    attempts: int
    first_failed_at: datetime
    last_failed_at: datetime
    next_attempt_at: datetime


@dataclass(frozen=True, slots=True)
class ContactMemory:
    """What the connector last decided and wrote for one contact, and when to look again.

    Attributes:
        contact_id: HubSpot's contact id.
        score: the last score written.
        label: the grade or temperature label last written.
        lead_status_written: the lead status the connector itself last set (None if never),
            so a status a rep set since can be recognised and left alone.
        lifecycle_written: the lifecycle stage the connector itself last set (None if never).
        below_bar_since: when the score fell below the handoff bar (for hysteresis/cool-down).
        in_handoff: whether the contact currently holds the handoff condition.
        rescore_at: when decay alone changes the score next (None: never without an edit).
        scored_at: when the contact was last scored.
        rules_version: the rules version that produced the score.
        signal_memory: bottom-of-funnel signal name → when it last occurred, so a demo request
            keeps its decayed credit after HubSpot overwrites "recent conversion".
    """

    contact_id: str
    score: int
    label: str
    lead_status_written: str | None
    lifecycle_written: str | None
    below_bar_since: datetime | None
    in_handoff: bool
    rescore_at: datetime | None
    scored_at: datetime
    rules_version: str
    signal_memory: Mapping[str, datetime] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class HandoffRecord:
    """One handoff episode in the ledger; `key` is deterministic and unique per portal.

    Attributes:
        key: the handoff key (for example contact id plus episode start), unique per portal.
        contact_id: the contact handed off.
        owner_id: the HubSpot owner the task is assigned to.
        task_id: the HubSpot task id once created (None while "pending").
        sla_tier: the SLA tier name from configuration.
        created_at: when the handoff was reserved.
        due_at: the SLA deadline (business time already applied).
        status: "pending" (reserved), "created" (task exists) or "closed" (task done).
        escalated_at: when the breach was escalated (None if never).
        escalation_task_id: the manager task created by the escalation, if any.
    """

    key: str
    contact_id: str
    owner_id: str
    task_id: str | None
    sla_tier: str
    created_at: datetime
    due_at: datetime
    status: str = "pending"
    escalated_at: datetime | None = None
    escalation_task_id: str | None = None


@dataclass(frozen=True, slots=True)
class Lease:
    """Which worker holds a portal's sync, until when."""

    portal: str
    worker_id: str
    acquired_at: datetime
    expires_at: datetime

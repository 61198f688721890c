"""`connector sla`: handoffs, time to first touch, open, overdue and breached per owner.

First touch is when the handoff task was completed (`hs_task_completion_date`, or the task's
last modification when HubSpot gives no completion date), measured in business hours of the SLA
calendar, so a lead handed off on Friday evening and called on Monday morning counts as fast.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from connector.hubspot.models import CrmRecord
from connector.rules.business_time import BusinessCalendar
from connector.state import HandoffRecord

TASK_PROPERTIES = ("hs_task_status", "hs_task_completion_date", "hubspot_owner_id")


@dataclass(frozen=True, slots=True)
class OwnerSla:
    owner_id: str
    handoffs: int
    touched: int
    median_hours_to_touch: float | None
    open: int
    overdue: int
    breached: int


def _parse(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        if value.isdigit():
            return datetime.fromtimestamp(int(value) / 1000, tz=UTC)
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else None


def touch_time(task: CrmRecord | None) -> datetime | None:
    """When the task was done, or None while it is open."""
    if task is None or (task.get("hs_task_status") or "") != "COMPLETED":
        return None
    return _parse(task.get("hs_task_completion_date")) or task.updated_at


def summarise(
    handoffs: Sequence[HandoffRecord],
    tasks: Mapping[str, CrmRecord],
    *,
    calendar: BusinessCalendar,
    now: datetime,
) -> list[OwnerSla]:
    """One row per owner, busiest first."""
    rows: dict[str, list[HandoffRecord]] = defaultdict(list)
    for handoff in handoffs:
        rows[handoff.owner_id].append(handoff)
    report = []
    for owner_id, items in rows.items():
        hours: list[float] = []
        open_count = overdue = breached = 0
        for handoff in items:
            done = touch_time(tasks.get(handoff.task_id or ""))
            if done is None:
                open_count += 1
                overdue += handoff.due_at <= now
            else:
                hours.append(calendar.business_hours_between(handoff.created_at, done))
            late = done is not None and done > handoff.due_at
            breached += handoff.escalated_at is not None or late
        report.append(
            OwnerSla(
                owner_id=owner_id,
                handoffs=len(items),
                touched=len(hours),
                median_hours_to_touch=statistics.median(hours) if hours else None,
                open=open_count,
                overdue=overdue,
                breached=breached,
            )
        )
    return sorted(report, key=lambda r: (-r.handoffs, r.owner_id))

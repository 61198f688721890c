"""The handoff ledger: one row per handoff episode, written with exactly-once helpers.

Exactly-once rests on the unique (portal, key) primary key and on conditional UPDATEs whose row
count says who won: two workers racing on the same key or the same escalation cannot both win,
on SQLite or PostgreSQL, whatever the interleaving.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Row

from connector.state.records import HANDOFF_STATUSES, OPEN_HANDOFF_STATUSES, HandoffRecord
from connector.state.schema import handoffs
from connector.state.upsert import dialect_insert


def reserve(conn: Connection, portal: str, record: HandoffRecord) -> bool:
    """Insert the record unless its key exists; True when this call inserted it."""
    if record.status not in HANDOFF_STATUSES:
        raise ValueError(f"handoff status must be one of {sorted(HANDOFF_STATUSES)}")
    insert = dialect_insert(conn, handoffs)
    stmt = insert.values(
        portal=portal,
        key=record.key,
        contact_id=record.contact_id,
        owner_id=record.owner_id,
        task_id=record.task_id,
        sla_tier=record.sla_tier,
        created_at=record.created_at,
        due_at=record.due_at,
        status=record.status,
        escalated_at=record.escalated_at,
        escalation_task_id=record.escalation_task_id,
    ).on_conflict_do_nothing(index_elements=[handoffs.c.portal, handoffs.c.key])
    # RETURNING, not rowcount: psycopg reports -1 for INSERT … ON CONFLICT through SQLAlchemy.
    return conn.execute(stmt.returning(handoffs.c.key)).first() is not None


def complete(conn: Connection, portal: str, key: str, task_id: str) -> None:
    """Record the created task; idempotent for the same task id.

    Raises:
        KeyError: no handoff has this key.
        ValueError: the handoff already records a different task.
    """
    result = conn.execute(
        handoffs.update()
        .where(handoffs.c.portal == portal, handoffs.c.key == key, handoffs.c.status == "pending")
        .values(task_id=task_id, status="created")
    )
    if result.rowcount == 1:
        return
    existing = get(conn, portal, key)
    if existing is None:
        raise KeyError(f"no handoff with key {key!r} for portal {portal!r}")
    if existing.task_id != task_id:
        raise ValueError(f"handoff {key!r} already records task {existing.task_id}, not {task_id}")


def close(conn: Connection, portal: str, key: str) -> bool:
    """Mark the handoff's task done; True if it was open."""
    result = conn.execute(
        handoffs.update()
        .where(handoffs.c.portal == portal, handoffs.c.key == key, handoffs.c.status != "closed")
        .values(status="closed")
    )
    return int(result.rowcount) == 1


def reassign(conn: Connection, portal: str, key: str, *, owner_id: str) -> bool:
    """Point an open handoff at another owner (escalation by reassignment); True if changed."""
    result = conn.execute(
        handoffs.update()
        .where(
            handoffs.c.portal == portal,
            handoffs.c.key == key,
            handoffs.c.status.in_(OPEN_HANDOFF_STATUSES),
        )
        .values(owner_id=owner_id)
    )
    return int(result.rowcount) == 1


def mark_escalated(
    conn: Connection, portal: str, key: str, *, at: datetime, escalation_task_id: str | None
) -> bool:
    """Record the escalation unless one was recorded already; True only for the first call."""
    result = conn.execute(
        handoffs.update()
        .where(
            handoffs.c.portal == portal,
            handoffs.c.key == key,
            handoffs.c.escalated_at.is_(None),
        )
        .values(escalated_at=at, escalation_task_id=escalation_task_id)
    )
    return int(result.rowcount) == 1


def get(conn: Connection, portal: str, key: str) -> HandoffRecord | None:
    row = conn.execute(
        sa.select(handoffs).where(handoffs.c.portal == portal, handoffs.c.key == key)
    ).one_or_none()
    return None if row is None else _record(row)


def open_(conn: Connection, portal: str) -> list[HandoffRecord]:
    """Pending and created handoffs, the earliest due first."""
    rows = conn.execute(
        sa.select(handoffs)
        .where(handoffs.c.portal == portal, handoffs.c.status.in_(OPEN_HANDOFF_STATUSES))
        .order_by(handoffs.c.due_at, handoffs.c.key)
    )
    return [_record(row) for row in rows]


def between(conn: Connection, portal: str, start: datetime, end: datetime) -> list[HandoffRecord]:
    """Handoffs created in [start, end), oldest first."""
    rows = conn.execute(
        sa.select(handoffs)
        .where(
            handoffs.c.portal == portal,
            handoffs.c.created_at >= start,
            handoffs.c.created_at < end,
        )
        .order_by(handoffs.c.created_at, handoffs.c.key)
    )
    return [_record(row) for row in rows]


def _record(row: Row[Any]) -> HandoffRecord:
    return HandoffRecord(
        key=row.key,
        contact_id=row.contact_id,
        owner_id=row.owner_id,
        task_id=row.task_id,
        sla_tier=row.sla_tier,
        created_at=row.created_at,
        due_at=row.due_at,
        status=row.status,
        escalated_at=row.escalated_at,
        escalation_task_id=row.escalation_task_id,
    )

"""Leases: at most one worker syncs a portal at a time, and a dead worker's lease expires.

A lease is a row (portal, worker_id, expires_at). Taking it is one conditional upsert: insert,
or take over the row when it is ours or expired. PostgreSQL row locks (and SQLite's single
writer) make that atomic, so two workers racing for a portal cannot both win.

Times come from the callers' clocks, so workers must keep them in sync (NTP) and use a ttl much
longer than the skew between them; a renewal well before expiry keeps a lease.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from connector.state.records import Lease
from connector.state.schema import leases
from connector.state.upsert import dialect_insert


def _check_ttl(ttl: timedelta) -> None:
    if ttl <= timedelta(0):
        raise ValueError(f"lease ttl must be positive, not {ttl}")


def acquire(
    conn: Connection, portal: str, *, worker_id: str, now: datetime, ttl: timedelta
) -> bool:
    """Take or extend the portal's lease; False while another worker holds an unexpired one."""
    _check_ttl(ttl)
    insert = dialect_insert(conn, leases)
    ours = leases.c.worker_id == insert.excluded.worker_id
    stmt = insert.values(
        portal=portal, worker_id=worker_id, acquired_at=now, expires_at=now + ttl
    ).on_conflict_do_update(
        index_elements=[leases.c.portal],
        set_={
            "worker_id": insert.excluded.worker_id,
            # Re-acquiring our own lease keeps its original start, for `status` displays.
            "acquired_at": sa.case((ours, leases.c.acquired_at), else_=insert.excluded.acquired_at),
            "expires_at": insert.excluded.expires_at,
        },
        where=sa.or_(ours, leases.c.expires_at <= insert.excluded.acquired_at),
    )
    # RETURNING, not rowcount: psycopg reports -1 for INSERT … ON CONFLICT through SQLAlchemy.
    return conn.execute(stmt.returning(leases.c.portal)).first() is not None


def renew(conn: Connection, portal: str, *, worker_id: str, now: datetime, ttl: timedelta) -> bool:
    """Extend our unexpired lease; False if it expired or another worker holds it (stop work)."""
    _check_ttl(ttl)
    result = conn.execute(
        leases.update()
        .where(
            leases.c.portal == portal,
            leases.c.worker_id == worker_id,
            leases.c.expires_at > now,
        )
        .values(expires_at=now + ttl)
    )
    return int(result.rowcount) == 1


def release(conn: Connection, portal: str, worker_id: str) -> bool:
    """Give the lease up so another worker can start at once; False if it was not ours."""
    result = conn.execute(
        leases.delete().where(leases.c.portal == portal, leases.c.worker_id == worker_id)
    )
    return int(result.rowcount) == 1


def holder(conn: Connection, portal: str) -> Lease | None:
    """The current lease row, expired or not (None if nobody ever held it or it was released)."""
    row = conn.execute(sa.select(leases).where(leases.c.portal == portal)).one_or_none()
    if row is None:
        return None
    return Lease(
        portal=row.portal,
        worker_id=row.worker_id,
        acquired_at=row.acquired_at,
        expires_at=row.expires_at,
    )

"""Records HubSpot rejected, kept for retry with exponential backoff.

The backoff is 1 minute after the first failure, doubling with each further failure, capped at
24 hours: a bad value a rep fixes is picked up within minutes, while a record that can never be
written costs at most one call a day.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Final

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from connector.logging import scrub_text
from connector.state.records import DeadLetter
from connector.state.schema import dead_letters
from connector.state.upsert import IN_CHUNK, chunks, dialect_insert

FIRST_BACKOFF: Final = timedelta(minutes=1)
MAX_BACKOFF: Final = timedelta(hours=24)
# 2**11 minutes already exceeds the cap; clamping the exponent avoids huge integers.
_MAX_DOUBLINGS: Final = 11
MESSAGE_MAX_CHARS: Final = 2_000  # HubSpot messages are short; a bound keeps rows small


def backoff(attempts: int) -> timedelta:
    """The wait before the next retry after `attempts` failures (attempts >= 1)."""
    if attempts < 1:
        raise ValueError(f"attempts must be at least 1, not {attempts}")
    return min(FIRST_BACKOFF * (1 << min(attempts - 1, _MAX_DOUBLINGS)), MAX_BACKOFF)


def add(
    conn: Connection,
    portal: str,
    items: Sequence[tuple[str, str, str]],
    *,
    now: datetime,
) -> None:
    """Record failures: new ones start at attempt 1, known ones count one more attempt.

    A contact listed twice in `items` counts once; its last category and message win.
    """
    latest: dict[str, tuple[str, str]] = {}
    for contact_id, category, message in items:
        # Stored as the logs would show it: HubSpot's 207 messages can quote the rejected value.
        latest[contact_id] = (category, scrub_text(message[:MESSAGE_MAX_CHARS]))
    if not latest:
        return
    known: dict[str, tuple[int, datetime]] = {}
    for chunk in chunks(list(latest), IN_CHUNK):
        rows = conn.execute(
            sa.select(
                dead_letters.c.contact_id,
                dead_letters.c.attempts,
                dead_letters.c.first_failed_at,
            ).where(dead_letters.c.portal == portal, dead_letters.c.contact_id.in_(chunk))
        )
        known.update({row.contact_id: (int(row.attempts), row.first_failed_at) for row in rows})
    params = []
    for contact_id, (category, message) in latest.items():
        attempts, first = known.get(contact_id, (0, now))
        attempts += 1
        params.append(
            {
                "portal": portal,
                "contact_id": contact_id,
                "category": category,
                "message": message,
                "attempts": attempts,
                "first_failed_at": first,
                "last_failed_at": now,
                "next_attempt_at": now + backoff(attempts),
            }
        )
    insert = dialect_insert(conn, dead_letters)
    stmt = insert.on_conflict_do_update(
        index_elements=[dead_letters.c.portal, dead_letters.c.contact_id],
        set_={
            name: insert.excluded[name]
            for name in ("category", "message", "attempts", "last_failed_at", "next_attempt_at")
        },
    )
    conn.execute(stmt, params)


def due(conn: Connection, portal: str, *, now: datetime, limit: int) -> list[DeadLetter]:
    """Dead letters whose retry time has come, the longest-waiting first."""
    return _select(
        conn,
        sa.select(dead_letters)
        .where(dead_letters.c.portal == portal, dead_letters.c.next_attempt_at <= now)
        .order_by(dead_letters.c.next_attempt_at, dead_letters.c.contact_id)
        .limit(limit),
    )


def resolve(conn: Connection, portal: str, contact_ids: Sequence[str]) -> int:
    """Forget these contacts' failures (they were written); returns how many were removed."""
    removed = 0
    for chunk in chunks(list(dict.fromkeys(contact_ids)), IN_CHUNK):
        result = conn.execute(
            dead_letters.delete().where(
                dead_letters.c.portal == portal, dead_letters.c.contact_id.in_(chunk)
            )
        )
        removed += int(result.rowcount)
    return removed


def latest(conn: Connection, portal: str, limit: int) -> list[DeadLetter]:
    """The most recently failed dead letters, for `connector status`."""
    return _select(
        conn,
        sa.select(dead_letters)
        .where(dead_letters.c.portal == portal)
        .order_by(dead_letters.c.last_failed_at.desc(), dead_letters.c.contact_id)
        .limit(limit),
    )


def count(conn: Connection, portal: str) -> int:
    found = conn.execute(
        sa.select(sa.func.count()).select_from(dead_letters).where(dead_letters.c.portal == portal)
    ).scalar()
    return int(found or 0)


def _select(conn: Connection, query: sa.Select[tuple[object, ...]]) -> list[DeadLetter]:
    return [
        DeadLetter(
            contact_id=row.contact_id,
            category=row.category,
            message=row.message,
            attempts=int(row.attempts),
            first_failed_at=row.first_failed_at,
            last_failed_at=row.last_failed_at,
            next_attempt_at=row.next_attempt_at,
        )
        for row in conn.execute(query)
    ]

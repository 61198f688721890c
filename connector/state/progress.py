"""The sync cursor and the run history."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any, Final

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from connector.logging import redact_secrets, scrub_text
from connector.state.engine import dumps_json
from connector.state.records import FINISHED_RUN_STATUSES, Cursor, RunRecord
from connector.state.schema import cursors, runs
from connector.state.upsert import dialect_insert

#: Why a run was still "running" when a later run started: nothing else can know more, since
#: the process that owned it could not record its own end.
UNFINISHED_REASON: Final = (
    "the run did not record its end: its process stopped (killed or crashed) or the state "
    "store was unreachable when it finished; marked by the next run"
)


def redacted(summary: Mapping[str, Any]) -> dict[str, Any]:
    """The summary as the logs would show it: secrets and contact PII taken out.

    The very processor the log pipeline uses, so a stored error text (an SLA owner's e-mail
    address, a token echoed in a message) is scrubbed exactly as a log line would be.
    """
    # To JSON types first, as the column stores them (sets sorted, datetimes as ISO text), so
    # redaction sees plain values and keeps the encoder's order.
    plain = json.loads(dumps_json(dict(summary)))
    return dict(redact_secrets(None, "run_summary", plain))


def get_cursor(conn: Connection, portal: str) -> Cursor | None:
    row = conn.execute(sa.select(cursors).where(cursors.c.portal == portal)).one_or_none()
    if row is None:
        return None
    return Cursor(ts=row.ts, backfill_done=bool(row.backfill_done), updated_at=row.updated_at)


def save_cursor(conn: Connection, portal: str, cursor: Cursor) -> None:
    """Upsert the cursor unless that would move it backwards (one atomic statement)."""
    insert = dialect_insert(conn, cursors)
    stmt = insert.values(
        portal=portal,
        ts=cursor.ts,
        backfill_done=cursor.backfill_done,
        updated_at=cursor.updated_at,
    ).on_conflict_do_update(
        index_elements=[cursors.c.portal],
        set_={
            "ts": insert.excluded.ts,
            "backfill_done": insert.excluded.backfill_done,
            "updated_at": insert.excluded.updated_at,
        },
        where=cursors.c.ts <= insert.excluded.ts,
    )
    # RETURNING, not rowcount: psycopg reports -1 for INSERT … ON CONFLICT through SQLAlchemy.
    if conn.execute(stmt.returning(cursors.c.portal)).first() is None:
        stored = get_cursor(conn, portal)
        shown = stored.ts.isoformat() if stored else "?"
        raise ValueError(
            f"cursor for portal {portal!r} cannot move backwards from {shown} "
            f"to {cursor.ts.isoformat()}"
        )


def start_run(conn: Connection, portal: str, *, started_at: datetime, dry_run: bool) -> int:
    result = conn.execute(
        runs.insert().values(
            portal=portal, started_at=started_at, status="running", dry_run=dry_run, summary=None
        )
    )
    key = result.inserted_primary_key
    if key is None:  # pragma: no cover - both backends always return the generated id
        raise RuntimeError("the database did not return the new run id")
    return int(key[0])


def finish_run(
    conn: Connection,
    run_id: int,
    *,
    finished_at: datetime,
    status: str,
    summary: Mapping[str, Any],
) -> None:
    if status not in FINISHED_RUN_STATUSES:
        raise ValueError(
            f"run status must be one of {sorted(FINISHED_RUN_STATUSES)}, not {status!r}"
        )
    result = conn.execute(
        runs.update()
        .where(runs.c.id == run_id)
        .values(finished_at=finished_at, status=status, summary=redacted(summary))
    )
    if result.rowcount == 0:
        raise KeyError(f"no run with id {run_id}")


def interrupt_unfinished_runs(
    conn: Connection, portal: str, *, finished_at: datetime, reason: str = UNFINISHED_REASON
) -> int:
    """Mark runs still "running" (their process died) as "interrupted"; returns how many.

    The summary says why, so `connector status` never shows a bare "interrupted".
    """
    summary = {"status": "interrupted", "reason": scrub_text(reason)}
    result = conn.execute(
        runs.update()
        .where(runs.c.portal == portal, runs.c.status == "running")
        .values(finished_at=finished_at, status="interrupted", summary=summary)
    )
    return int(result.rowcount)


def recent_runs(conn: Connection, portal: str, limit: int) -> list[RunRecord]:
    rows = conn.execute(
        sa.select(runs)
        .where(runs.c.portal == portal)
        .order_by(runs.c.started_at.desc(), runs.c.id.desc())
        .limit(limit)
    )
    return [
        RunRecord(
            id=int(row.id),
            portal=row.portal,
            started_at=row.started_at,
            finished_at=row.finished_at,
            status=row.status,
            dry_run=bool(row.dry_run),
            summary=dict(row.summary or {}),
        )
        for row in rows
    ]

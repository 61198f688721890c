"""Contact memory: the decay schedule and what the connector last wrote, per contact."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from connector.state.records import ContactMemory
from connector.state.schema import contact_memory
from connector.state.upsert import BULK_CHUNK, IN_CHUNK, chunks, dialect_insert

_VALUE_COLUMNS = (
    "score",
    "label",
    "lead_status_written",
    "lifecycle_written",
    "below_bar_since",
    "in_handoff",
    "rescore_at",
    "scored_at",
    "rules_version",
    "signal_memory",
)


def get(conn: Connection, portal: str, contact_ids: Sequence[str]) -> dict[str, ContactMemory]:
    """Memory for the ids that have some; unknown ids are simply absent from the result."""
    found: dict[str, ContactMemory] = {}
    columns = [contact_memory.c.contact_id, *(contact_memory.c[name] for name in _VALUE_COLUMNS)]
    for chunk in chunks(list(dict.fromkeys(contact_ids)), IN_CHUNK):
        rows = conn.execute(
            sa.select(*columns).where(
                contact_memory.c.portal == portal, contact_memory.c.contact_id.in_(chunk)
            )
        )
        # Positional unpacking: attribute access on rows costs more than the query at 100k.
        for (
            contact_id,
            score,
            label,
            lead_status_written,
            lifecycle_written,
            below_bar_since,
            in_handoff,
            rescore_at,
            scored_at,
            rules_version,
            signals,
        ) in rows:
            found[contact_id] = ContactMemory(
                contact_id=contact_id,
                score=int(score),
                label=label,
                lead_status_written=lead_status_written,
                lifecycle_written=lifecycle_written,
                below_bar_since=below_bar_since,
                in_handoff=bool(in_handoff),
                rescore_at=rescore_at,
                scored_at=scored_at,
                rules_version=rules_version,
                signal_memory=_signals_from_json(signals),
            )
    return found


def save(conn: Connection, portal: str, rows: Sequence[ContactMemory]) -> None:
    """Bulk upsert through executemany; a contact listed twice keeps its last row."""
    latest: dict[str, dict[str, Any]] = {}
    for row in rows:
        latest[row.contact_id] = {
            "portal": portal,
            "contact_id": row.contact_id,
            "score": row.score,
            "label": row.label,
            "lead_status_written": row.lead_status_written,
            "lifecycle_written": row.lifecycle_written,
            "below_bar_since": row.below_bar_since,
            "in_handoff": row.in_handoff,
            "rescore_at": row.rescore_at,
            "scored_at": row.scored_at,
            "rules_version": row.rules_version,
            "signal_memory": _signals_to_json(row.signal_memory),
        }
    if not latest:
        return
    insert = dialect_insert(conn, contact_memory)
    stmt = insert.on_conflict_do_update(
        index_elements=[contact_memory.c.portal, contact_memory.c.contact_id],
        set_={name: insert.excluded[name] for name in _VALUE_COLUMNS},
    )
    for chunk in chunks(list(latest.values()), BULK_CHUNK):
        conn.execute(stmt, chunk)


def _signals_to_json(signals: Mapping[str, datetime]) -> dict[str, int] | None:
    if not signals:
        return None
    return {name: int(at.timestamp() * 1000) for name, at in signals.items()}


def _signals_from_json(raw: object) -> dict[str, datetime]:
    # Tolerant: a damaged document only costs the remembered credit, never the run.
    if not isinstance(raw, dict):
        return {}
    out: dict[str, datetime] = {}
    for name, value in raw.items():
        if isinstance(value, int | float) and not isinstance(value, bool):
            out[str(name)] = datetime.fromtimestamp(value / 1000, tz=UTC)
    return out


def due_for_rescore(conn: Connection, portal: str, *, now: datetime, limit: int) -> list[str]:
    """Ids whose `rescore_at` has come, the most overdue first (served by the rescore index)."""
    rows = conn.execute(
        sa.select(contact_memory.c.contact_id)
        .where(contact_memory.c.portal == portal, contact_memory.c.rescore_at <= now)
        .order_by(contact_memory.c.rescore_at, contact_memory.c.contact_id)
        .limit(limit)
    )
    return [row.contact_id for row in rows]


def forget(conn: Connection, portal: str, contact_ids: Sequence[str]) -> int:
    """Drop memory for contacts that no longer exist (deleted or merged away)."""
    removed = 0
    for chunk in chunks(list(dict.fromkeys(contact_ids)), IN_CHUNK):
        result = conn.execute(
            contact_memory.delete().where(
                contact_memory.c.portal == portal, contact_memory.c.contact_id.in_(chunk)
            )
        )
        removed += int(result.rowcount)
    return removed

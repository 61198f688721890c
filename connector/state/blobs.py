"""Small named JSON documents per portal (round-robin state, owner caches…)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from connector.state.schema import portal_blobs
from connector.state.upsert import dialect_insert


def get(conn: Connection, portal: str, name: str) -> dict[str, Any] | None:
    value = conn.execute(
        sa.select(portal_blobs.c.value).where(
            portal_blobs.c.portal == portal, portal_blobs.c.name == name
        )
    ).scalar_one_or_none()
    return None if value is None else dict(value)


def put(
    conn: Connection, portal: str, name: str, value: Mapping[str, Any], *, now: datetime
) -> None:
    insert = dialect_insert(conn, portal_blobs)
    conn.execute(
        insert.values(
            portal=portal, name=name, value=dict(value), updated_at=now
        ).on_conflict_do_update(
            index_elements=[portal_blobs.c.portal, portal_blobs.c.name],
            set_={"value": insert.excluded.value, "updated_at": insert.excluded.updated_at},
        )
    )

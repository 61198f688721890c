"""INSERT … ON CONFLICT for both backends: SQLite and PostgreSQL share the same syntax."""

from __future__ import annotations

from typing import Final, TypeVar

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from connector.errors import StateStoreError

_T = TypeVar("_T")

#: Largest IN list or executemany chunk sent at once: well under SQLite's 32,766 host-parameter
#: limit and PostgreSQL's 65,535, and small enough to keep statements cheap to build.
IN_CHUNK: Final = 500

#: Rows per executemany call in bulk upserts; bounds the parameter list held in memory.
BULK_CHUNK: Final = 10_000


def dialect_insert(conn: Connection, table: sa.Table) -> postgresql.Insert | sqlite.Insert:
    """An INSERT that supports `on_conflict_do_update` / `on_conflict_do_nothing`."""
    name = conn.dialect.name
    if name == "postgresql":
        return postgresql.insert(table)
    if name == "sqlite":
        return sqlite.insert(table)
    raise StateStoreError(f"the state store supports SQLite and PostgreSQL, not {name}")


def chunks(items: list[_T], size: int) -> list[list[_T]]:
    """Consecutive slices of at most `size` items."""
    return [items[start : start + size] for start in range(0, len(items), size)]

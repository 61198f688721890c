"""The versioned schema: an ordered list of migrations, applied once each, atomically.

`schema_version` holds one row per applied migration. `migrate` runs in one transaction that
first takes a lock (a transaction-scoped advisory lock on PostgreSQL; `BEGIN IMMEDIATE` on SQLite,
see engine.py), so two processes starting together apply each migration exactly once: the second
waits, then finds nothing left to do. PostgreSQL and SQLite both roll DDL back with the
transaction, so a failed migration leaves the previous version intact.

Each migration spells out the tables as they were at its version, never the current
`schema.py`: a later migration that alters a table must find the shape it expects. A test checks
that the last version equals `schema.py`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Final

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from connector.errors import StateStoreError
from connector.logging import get_logger
from connector.state.engine import describe_error, fix_hint, safe_url
from connector.state.schema import ID_LENGTH, STATUS_LENGTH, run_id_type, schema_version
from connector.state.sqltypes import UtcDateTime, json_type

# An arbitrary fixed int64: every version of the connector must use the same one so that old
# and new workers starting together still serialise their migrations.
ADVISORY_LOCK_KEY: Final = 0x2C5E_91A3_7D40_1B66

_log = get_logger(__name__)


@dataclass(frozen=True, slots=True)
class Migration:
    version: int
    name: str
    apply: Callable[[Connection], None]


def _id(name: str, *, primary_key: bool = False, nullable: bool = False) -> sa.Column[str]:
    return sa.Column(name, sa.String(ID_LENGTH), primary_key=primary_key, nullable=nullable)


def _v1_cursor_runs_dead_letters(conn: Connection) -> None:
    md = sa.MetaData()
    sa.Table(
        "cursors",
        md,
        _id("portal", primary_key=True),
        sa.Column("ts", UtcDateTime, nullable=False),
        sa.Column("backfill_done", sa.Boolean, nullable=False),
        sa.Column("updated_at", UtcDateTime, nullable=False),
    )
    sa.Table(
        "runs",
        md,
        sa.Column("id", run_id_type(), primary_key=True, autoincrement=True),
        _id("portal"),
        sa.Column("started_at", UtcDateTime, nullable=False),
        sa.Column("finished_at", UtcDateTime, nullable=True),
        sa.Column("status", sa.String(STATUS_LENGTH), nullable=False),
        sa.Column("dry_run", sa.Boolean, nullable=False),
        sa.Column("summary", json_type(), nullable=True),
        sa.Index("ix_runs_portal_started", "portal", "started_at"),
    )
    sa.Table(
        "dead_letters",
        md,
        _id("portal", primary_key=True),
        _id("contact_id", primary_key=True),
        _id("category"),
        sa.Column("message", sa.Text, nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("first_failed_at", UtcDateTime, nullable=False),
        sa.Column("last_failed_at", UtcDateTime, nullable=False),
        sa.Column("next_attempt_at", UtcDateTime, nullable=False),
        sa.Index("ix_dead_letters_due", "portal", "next_attempt_at"),
    )
    md.create_all(conn, checkfirst=False)


def _v2_contact_memory_and_handoffs(conn: Connection) -> None:
    md = sa.MetaData()
    sa.Table(
        "contact_memory",
        md,
        _id("portal", primary_key=True),
        _id("contact_id", primary_key=True),
        sa.Column("score", sa.Integer, nullable=False),
        _id("label"),
        _id("lead_status_written", nullable=True),
        _id("lifecycle_written", nullable=True),
        sa.Column("below_bar_since", UtcDateTime, nullable=True),
        sa.Column("in_handoff", sa.Boolean, nullable=False),
        sa.Column("rescore_at", UtcDateTime, nullable=True),
        sa.Column("scored_at", UtcDateTime, nullable=False),
        _id("rules_version"),
        sa.Index("ix_contact_memory_rescore", "portal", "rescore_at"),
    )
    sa.Table(
        "handoffs",
        md,
        _id("portal", primary_key=True),
        _id("key", primary_key=True),
        _id("contact_id"),
        _id("owner_id"),
        _id("task_id", nullable=True),
        _id("sla_tier"),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("due_at", UtcDateTime, nullable=False),
        sa.Column("status", sa.String(STATUS_LENGTH), nullable=False),
        sa.Column("escalated_at", UtcDateTime, nullable=True),
        _id("escalation_task_id", nullable=True),
        sa.Index("ix_handoffs_status", "portal", "status"),
        sa.Index("ix_handoffs_created", "portal", "created_at"),
        sa.Index("ix_handoffs_contact", "portal", "contact_id"),
    )
    md.create_all(conn, checkfirst=False)


def _v3_leases_and_portal_blobs(conn: Connection) -> None:
    md = sa.MetaData()
    sa.Table(
        "portal_blobs",
        md,
        _id("portal", primary_key=True),
        _id("name", primary_key=True),
        sa.Column("value", json_type(), nullable=False),
        sa.Column("updated_at", UtcDateTime, nullable=False),
    )
    sa.Table(
        "leases",
        md,
        _id("portal", primary_key=True),
        _id("worker_id"),
        sa.Column("acquired_at", UtcDateTime, nullable=False),
        sa.Column("expires_at", UtcDateTime, nullable=False),
    )
    md.create_all(conn, checkfirst=False)


def _v4_contact_signal_memory(conn: Connection) -> None:
    # Added after release: memory of bottom-of-funnel signals (JSON name → epoch ms).
    column_type = json_type().compile(dialect=conn.dialect)
    conn.execute(sa.text(f"ALTER TABLE contact_memory ADD COLUMN signal_memory {column_type}"))


#: Append only. Never edit or reorder a released migration: add a new one.
MIGRATIONS: Final[tuple[Migration, ...]] = (
    Migration(1, "cursor, run history and dead letters", _v1_cursor_runs_dead_letters),
    Migration(2, "contact memory and handoff ledger", _v2_contact_memory_and_handoffs),
    Migration(3, "leases and per-portal blobs", _v3_leases_and_portal_blobs),
    Migration(4, "signal memory per contact", _v4_contact_signal_memory),
)
LATEST_VERSION: Final = MIGRATIONS[-1].version


def current_version(conn: Connection) -> int:
    """The highest applied migration, 0 for an empty database."""
    if not sa.inspect(conn).has_table(schema_version.name):
        return 0
    found = conn.execute(sa.select(sa.func.max(schema_version.c.version))).scalar()
    return int(found or 0)


def migrate(
    engine: Engine,
    *,
    target: int = LATEST_VERSION,
    migrations: tuple[Migration, ...] = MIGRATIONS,
) -> int:
    """Bring the schema up to `target`; safe to call from several processes at once.

    Args:
        engine: the state store's engine.
        target: the version to stop at (tests use older ones to check upgrades).
        migrations: the ordered list to apply (tests pass a failing one).

    Returns:
        The schema version after the call.

    Raises:
        StateStoreError: a migration failed (nothing of it is kept), or the database is newer
            than this connector knows.
    """
    where = safe_url(engine.url)
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": ADVISORY_LOCK_KEY})
        schema_version.create(conn, checkfirst=True)
        version = current_version(conn)
        known = migrations[-1].version if migrations else 0
        if version > known:
            raise StateStoreError(
                f"the state store at {where} has schema version {version}, newer than this "
                f"connector knows ({known}): upgrade the connector or point CONNECTOR_STATE_URL "
                "at another database"
            )
        for migration in migrations:
            if version < migration.version <= target:
                _apply(conn, migration, where)
                version = migration.version
    return version


def _apply(conn: Connection, migration: Migration, where: str) -> None:
    try:
        migration.apply(conn)
    except Exception as exc:  # any failure aborts the whole transaction, so report it as such
        raise StateStoreError(
            f"schema migration {migration.version} ({migration.name}) failed on {where}: "
            f"{describe_error(exc, where)}; nothing was changed, {fix_hint(where)}"
        ) from exc
    conn.execute(
        schema_version.insert().values(
            version=migration.version, name=migration.name, applied_at=datetime.now(UTC)
        )
    )
    _log.info("state_migration_applied", version=migration.version, name=migration.name)

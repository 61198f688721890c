"""The current shape of every table, for queries. Migrations (migrations.py) build it.

Every table is keyed by `portal` first, so one store serves many portals and every index a
query uses starts with the portal.
"""

from __future__ import annotations

from typing import Any, Final

import sqlalchemy as sa

from connector.state.sqltypes import UtcDateTime, json_type

ID_LENGTH: Final = 255  # HubSpot ids are numeric strings; keys and worker ids are longer
STATUS_LENGTH: Final = 16

metadata = sa.MetaData()


def run_id_type() -> sa.types.TypeEngine[Any]:
    """BIGINT identity on PostgreSQL; INTEGER on SQLite, where only that aliases the rowid."""
    return sa.BigInteger().with_variant(sa.Integer(), "sqlite")


schema_version = sa.Table(
    "schema_version",
    metadata,
    sa.Column("version", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("name", sa.String(ID_LENGTH), nullable=False),
    sa.Column("applied_at", UtcDateTime, nullable=False),
)

cursors = sa.Table(
    "cursors",
    metadata,
    sa.Column("portal", sa.String(ID_LENGTH), primary_key=True),
    sa.Column("ts", UtcDateTime, nullable=False),
    sa.Column("backfill_done", sa.Boolean, nullable=False),
    sa.Column("updated_at", UtcDateTime, nullable=False),
)

runs = sa.Table(
    "runs",
    metadata,
    sa.Column("id", run_id_type(), primary_key=True, autoincrement=True),
    sa.Column("portal", sa.String(ID_LENGTH), nullable=False),
    sa.Column("started_at", UtcDateTime, nullable=False),
    sa.Column("finished_at", UtcDateTime, nullable=True),
    sa.Column("status", sa.String(STATUS_LENGTH), nullable=False),
    sa.Column("dry_run", sa.Boolean, nullable=False),
    sa.Column("summary", json_type(), nullable=True),
    sa.Index("ix_runs_portal_started", "portal", "started_at"),
)

dead_letters = sa.Table(
    "dead_letters",
    metadata,
    sa.Column("portal", sa.String(ID_LENGTH), primary_key=True),
    sa.Column("contact_id", sa.String(ID_LENGTH), primary_key=True),
    sa.Column("category", sa.String(ID_LENGTH), nullable=False),
    sa.Column("message", sa.Text, nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False),
    sa.Column("first_failed_at", UtcDateTime, nullable=False),
    sa.Column("last_failed_at", UtcDateTime, nullable=False),
    sa.Column("next_attempt_at", UtcDateTime, nullable=False),
    sa.Index("ix_dead_letters_due", "portal", "next_attempt_at"),
)

contact_memory = sa.Table(
    "contact_memory",
    metadata,
    sa.Column("portal", sa.String(ID_LENGTH), primary_key=True),
    sa.Column("contact_id", sa.String(ID_LENGTH), primary_key=True),
    sa.Column("score", sa.Integer, nullable=False),
    sa.Column("label", sa.String(ID_LENGTH), nullable=False),
    sa.Column("lead_status_written", sa.String(ID_LENGTH), nullable=True),
    sa.Column("lifecycle_written", sa.String(ID_LENGTH), nullable=True),
    sa.Column("below_bar_since", UtcDateTime, nullable=True),
    sa.Column("in_handoff", sa.Boolean, nullable=False),
    sa.Column("rescore_at", UtcDateTime, nullable=True),
    sa.Column("scored_at", UtcDateTime, nullable=False),
    sa.Column("rules_version", sa.String(ID_LENGTH), nullable=False),
    sa.Column("signal_memory", json_type(), nullable=True),
    sa.Index("ix_contact_memory_rescore", "portal", "rescore_at"),
)

handoffs = sa.Table(
    "handoffs",
    metadata,
    sa.Column("portal", sa.String(ID_LENGTH), primary_key=True),
    sa.Column("key", sa.String(ID_LENGTH), primary_key=True),
    sa.Column("contact_id", sa.String(ID_LENGTH), nullable=False),
    sa.Column("owner_id", sa.String(ID_LENGTH), nullable=False),
    sa.Column("task_id", sa.String(ID_LENGTH), nullable=True),
    sa.Column("sla_tier", sa.String(ID_LENGTH), nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("due_at", UtcDateTime, nullable=False),
    sa.Column("status", sa.String(STATUS_LENGTH), nullable=False),
    sa.Column("escalated_at", UtcDateTime, nullable=True),
    sa.Column("escalation_task_id", sa.String(ID_LENGTH), nullable=True),
    sa.Index("ix_handoffs_status", "portal", "status"),
    sa.Index("ix_handoffs_created", "portal", "created_at"),
    sa.Index("ix_handoffs_contact", "portal", "contact_id"),
)

portal_blobs = sa.Table(
    "portal_blobs",
    metadata,
    sa.Column("portal", sa.String(ID_LENGTH), primary_key=True),
    sa.Column("name", sa.String(ID_LENGTH), primary_key=True),
    sa.Column("value", json_type(), nullable=False),
    sa.Column("updated_at", UtcDateTime, nullable=False),
)

leases = sa.Table(
    "leases",
    metadata,
    sa.Column("portal", sa.String(ID_LENGTH), primary_key=True),
    sa.Column("worker_id", sa.String(ID_LENGTH), nullable=False),
    sa.Column("acquired_at", UtcDateTime, nullable=False),
    sa.Column("expires_at", UtcDateTime, nullable=False),
)

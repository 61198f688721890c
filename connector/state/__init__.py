"""The state store: cursor, run history, dead letters, decay schedule, handoff ledger, leases.

SQLAlchemy Core over SQLite (default) or PostgreSQL (`postgresql+psycopg://`), with a versioned
schema migrated on `StateStore.connect`.
"""

from connector.state.dead_letters import backoff as dead_letter_backoff
from connector.state.migrations import LATEST_VERSION
from connector.state.records import (
    ContactMemory,
    Cursor,
    DeadLetter,
    HandoffRecord,
    Lease,
    RunRecord,
)
from connector.state.store import StateStore

__all__ = [
    "LATEST_VERSION",
    "ContactMemory",
    "Cursor",
    "DeadLetter",
    "HandoffRecord",
    "Lease",
    "RunRecord",
    "StateStore",
    "dead_letter_backoff",
]

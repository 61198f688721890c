"""`StateStore`: the one object the rest of the connector uses to remember things.

Every method runs in its own transaction (`engine.begin()`), keyed by portal. Database failures
surface as `StateStoreError` with one line naming the URL (password hidden) and the fix.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from datetime import UTC, datetime, timedelta
from typing import Any, Final, Self

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from connector.errors import StateStoreError
from connector.logging import get_logger
from connector.state import blobs, dead_letters, handoffs, leases, memory, progress
from connector.state.engine import (
    create_state_engine,
    describe_error,
    fix_hint,
    is_memory_sqlite,
    safe_url,
)
from connector.state.migrations import LATEST_VERSION, current_version, migrate
from connector.state.records import (
    ContactMemory,
    Cursor,
    DeadLetter,
    HandoffRecord,
    Lease,
    RunRecord,
)

ROUND_ROBIN_BLOB: Final = "sdr_round_robin"

_log = get_logger(__name__)


class StateStore:
    """Cursor, run history, dead letters, contact memory, handoff ledger and leases.

    Build it with `StateStore.connect(url)`; it is safe to share between threads.
    """

    def __init__(self, engine: Engine) -> None:
        """Wrap an engine whose schema is already migrated; prefer `connect`."""
        self._engine = engine
        self._where = safe_url(engine.url)
        # An in-memory SQLite database is one shared connection: serialise its transactions.
        self._lock: threading.RLock | None = (
            threading.RLock() if is_memory_sqlite(engine.url) else None
        )

    @classmethod
    def connect(cls, url: str, *, target_version: int = LATEST_VERSION) -> Self:
        """Open the store at `url` and bring its schema up to date.

        Args:
            url: `sqlite:///path`, `sqlite://` (memory) or `postgresql+psycopg://…`.
            target_version: stop migrating at this version (for upgrade tests only).

        Raises:
            StateStoreError: the database is unreachable, the URL is unusable, or a migration
                failed; the message is one line with the URL (no password) and the fix.
        """
        where = safe_url(url)
        try:
            engine = create_state_engine(url)
        except Exception as exc:  # bad URL or missing driver
            raise StateStoreError(
                f"cannot use the state store URL {where}: {describe_error(exc, url)}; "
                f"{fix_hint(url)}"
            ) from None
        try:
            version = migrate(engine, target=target_version)
        except StateStoreError:
            engine.dispose()
            raise
        except Exception as exc:
            engine.dispose()
            raise StateStoreError(
                f"cannot open the state store at {where}: {describe_error(exc, url)}; "
                f"{fix_hint(url)}"
            ) from None
        _log.debug("state_store_opened", url=where, schema_version=version)
        return cls(engine)

    def close(self) -> None:
        """Release every pooled connection."""
        self._engine.dispose()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    @property
    def url(self) -> str:
        """The store's URL with its password hidden."""
        return self._where

    @property
    def engine(self) -> Engine:
        return self._engine

    @contextmanager
    def _begin(self) -> Iterator[Connection]:
        guard: AbstractContextManager[Any] = self._lock if self._lock else nullcontext()
        with guard:
            try:
                with self._engine.begin() as conn:
                    yield conn
            except sa.exc.DBAPIError as exc:
                raise StateStoreError(
                    f"the state store at {self._where} failed: "
                    f"{describe_error(exc, self._engine.url)}; {fix_hint(self._engine.url)}"
                ) from exc

    def schema_version(self) -> int:
        with self._begin() as conn:
            return current_version(conn)

    # -- cursor ---------------------------------------------------------------------------

    def get_cursor(self, portal: str) -> Cursor | None:
        """The portal's cursor, or None before the first successful run."""
        with self._begin() as conn:
            return progress.get_cursor(conn, portal)

    def save_cursor(self, portal: str, cursor: Cursor) -> None:
        """Save the cursor; call only once everything up to `cursor.ts` is written.

        Raises:
            ValueError: `cursor.ts` is earlier than the stored cursor (it never moves back).
        """
        with self._begin() as conn:
            progress.save_cursor(conn, portal, cursor)

    # -- runs -----------------------------------------------------------------------------

    def start_run(self, portal: str, *, started_at: datetime, dry_run: bool) -> int:
        """Record a run as "running"; returns its id for `finish_run`."""
        with self._begin() as conn:
            return progress.start_run(conn, portal, started_at=started_at, dry_run=dry_run)

    def finish_run(
        self,
        run_id: int,
        *,
        finished_at: datetime,
        status: str,
        summary: Mapping[str, Any],
    ) -> None:
        """Close a run with status "ok", "failed" or "interrupted" and a JSON summary.

        Raises:
            ValueError: unknown status. KeyError: unknown run id.
        """
        with self._begin() as conn:
            progress.finish_run(
                conn, run_id, finished_at=finished_at, status=status, summary=summary
            )

    def interrupt_unfinished_runs(
        self, portal: str, *, finished_at: datetime, reason: str = progress.UNFINISHED_REASON
    ) -> int:
        """Mark runs left "running" by a dead process as "interrupted", saying why in their
        summary; returns how many."""
        with self._begin() as conn:
            return progress.interrupt_unfinished_runs(
                conn, portal, finished_at=finished_at, reason=reason
            )

    def recent_runs(self, portal: str, limit: int) -> list[RunRecord]:
        """The latest runs, newest first."""
        with self._begin() as conn:
            return progress.recent_runs(conn, portal, limit)

    # -- dead letters ---------------------------------------------------------------------

    def add_dead_letters(
        self, portal: str, items: Sequence[tuple[str, str, str]], *, now: datetime
    ) -> None:
        """Record (contact_id, category, message) failures; retry after 1 min doubling to 24 h."""
        with self._begin() as conn:
            dead_letters.add(conn, portal, items, now=now)

    def due_dead_letters(self, portal: str, *, now: datetime, limit: int) -> list[DeadLetter]:
        """Dead letters due for a retry, the longest-waiting first."""
        with self._begin() as conn:
            return dead_letters.due(conn, portal, now=now, limit=limit)

    def resolve_dead_letters(self, portal: str, contact_ids: Sequence[str]) -> int:
        """Forget failures of contacts since written; returns how many were removed."""
        with self._begin() as conn:
            return dead_letters.resolve(conn, portal, contact_ids)

    def dead_letters(self, portal: str, limit: int) -> list[DeadLetter]:
        """The most recently failed dead letters."""
        with self._begin() as conn:
            return dead_letters.latest(conn, portal, limit)

    def count_dead_letters(self, portal: str) -> int:
        with self._begin() as conn:
            return dead_letters.count(conn, portal)

    # -- contact memory -------------------------------------------------------------------

    def get_memory(self, portal: str, contact_ids: Sequence[str]) -> dict[str, ContactMemory]:
        """Memory of the given contacts, by id; ids without memory are absent."""
        with self._begin() as conn:
            return memory.get(conn, portal, contact_ids)

    def save_memory(self, portal: str, rows: Sequence[ContactMemory]) -> None:
        """Bulk upsert (100,000 rows take about a second on SQLite)."""
        with self._begin() as conn:
            memory.save(conn, portal, rows)

    def due_for_rescore(self, portal: str, *, now: datetime, limit: int) -> list[str]:
        """Contact ids whose decay makes a re-score due (`rescore_at <= now`), oldest first."""
        with self._begin() as conn:
            return memory.due_for_rescore(conn, portal, now=now, limit=limit)

    def forget_memory(self, portal: str, contact_ids: Sequence[str]) -> int:
        """Drop memory of deleted or merged contacts; returns how many rows went."""
        with self._begin() as conn:
            return memory.forget(conn, portal, contact_ids)

    # -- handoff ledger -------------------------------------------------------------------

    def reserve_handoff(self, portal: str, record: HandoffRecord) -> bool:
        """Insert the handoff if its key is new; False if the key exists (someone has it)."""
        with self._begin() as conn:
            return handoffs.reserve(conn, portal, record)

    def complete_handoff(self, portal: str, key: str, task_id: str) -> None:
        """Record the task created for a reserved handoff (status "created"); idempotent.

        Raises:
            KeyError: unknown key. ValueError: the handoff records another task already.
        """
        with self._begin() as conn:
            handoffs.complete(conn, portal, key, task_id)

    def close_handoff(self, portal: str, key: str) -> bool:
        """Mark the handoff "closed" (its task is done); True if it was open."""
        with self._begin() as conn:
            return handoffs.close(conn, portal, key)

    def reassign_handoff(self, portal: str, key: str, *, owner_id: str) -> bool:
        """Record a new owner for an open handoff; True if changed."""
        with self._begin() as conn:
            return handoffs.reassign(conn, portal, key, owner_id=owner_id)

    def get_handoff(self, portal: str, key: str) -> HandoffRecord | None:
        with self._begin() as conn:
            return handoffs.get(conn, portal, key)

    def open_handoffs(self, portal: str) -> list[HandoffRecord]:
        """Handoffs "pending" or "created" (not closed), the earliest due first."""
        with self._begin() as conn:
            return handoffs.open_(conn, portal)

    def mark_escalated(
        self, portal: str, key: str, *, at: datetime, escalation_task_id: str | None
    ) -> bool:
        """Record the escalation once: True for the first call, False ever after."""
        with self._begin() as conn:
            return handoffs.mark_escalated(
                conn, portal, key, at=at, escalation_task_id=escalation_task_id
            )

    def handoffs_between(self, portal: str, start: datetime, end: datetime) -> list[HandoffRecord]:
        """Handoffs created in [start, end), oldest first."""
        with self._begin() as conn:
            return handoffs.between(conn, portal, start, end)

    def sdr_round_robin_state(self, portal: str) -> dict[str, float]:
        """The round-robin counters per SDR (empty before the first handoff)."""
        with self._begin() as conn:
            stored = blobs.get(conn, portal, ROUND_ROBIN_BLOB) or {}
        return {str(owner): float(value) for owner, value in stored.items()}

    def save_sdr_round_robin_state(self, portal: str, state: Mapping[str, float]) -> None:
        values = {str(owner): float(value) for owner, value in state.items()}
        with self._begin() as conn:
            blobs.put(conn, portal, ROUND_ROBIN_BLOB, values, now=datetime.now(UTC))

    def get_blob(self, portal: str, name: str) -> dict[str, Any] | None:
        """A named JSON document kept for the portal, or None."""
        with self._begin() as conn:
            return blobs.get(conn, portal, name)

    def save_blob(self, portal: str, name: str, value: Mapping[str, Any]) -> None:
        """Replace a named JSON document for the portal."""
        with self._begin() as conn:
            blobs.put(conn, portal, name, value, now=datetime.now(UTC))

    # -- leases ---------------------------------------------------------------------------

    def acquire_lease(self, portal: str, *, worker_id: str, now: datetime, ttl: timedelta) -> bool:
        """Take (or extend) the portal's lease; False while another worker holds it."""
        with self._begin() as conn:
            return leases.acquire(conn, portal, worker_id=worker_id, now=now, ttl=ttl)

    def renew_lease(self, portal: str, *, worker_id: str, now: datetime, ttl: timedelta) -> bool:
        """Extend our lease; False means it was lost: stop before writing anything more."""
        with self._begin() as conn:
            return leases.renew(conn, portal, worker_id=worker_id, now=now, ttl=ttl)

    def release_lease(self, portal: str, worker_id: str) -> bool:
        """Give the lease up; False if we did not hold it."""
        with self._begin() as conn:
            return leases.release(conn, portal, worker_id)

    def lease_holder(self, portal: str) -> Lease | None:
        """The portal's lease row (check `expires_at` against now), or None."""
        with self._begin() as conn:
            return leases.holder(conn, portal)

from __future__ import annotations

import subprocess
import sys
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from connector.errors import StateStoreError
from connector.state import LATEST_VERSION, Cursor, StateStore
from connector.state.engine import create_state_engine
from connector.state.migrations import MIGRATIONS, Migration, current_version, migrate
from connector.state.schema import metadata

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def _versions(store: StateStore) -> list[int]:
    with store.engine.connect() as conn:
        return list(
            conn.execute(sa.text("SELECT version FROM schema_version ORDER BY version")).scalars()
        )


def test_fresh_database_gets_every_migration_once(store: StateStore) -> None:
    assert store.schema_version() == LATEST_VERSION
    assert _versions(store) == [m.version for m in MIGRATIONS]
    assert [m.version for m in MIGRATIONS] == list(range(1, LATEST_VERSION + 1))


def test_connecting_again_is_a_no_op_and_keeps_data(db_url: str) -> None:
    first = StateStore.connect(db_url)
    first.save_cursor("p", Cursor(ts=T0, backfill_done=True, updated_at=T0))
    first.close()
    second = StateStore.connect(db_url)
    try:
        assert _versions(second) == [m.version for m in MIGRATIONS]
        assert second.get_cursor("p") == Cursor(ts=T0, backfill_done=True, updated_at=T0)
    finally:
        second.close()


def test_upgrade_from_version_1_keeps_data(db_url: str) -> None:
    old = StateStore.connect(db_url, target_version=1)
    assert old.schema_version() == 1
    old.save_cursor("p", Cursor(ts=T0, backfill_done=True, updated_at=T0))
    run_id = old.start_run("p", started_at=T0, dry_run=False)
    old.finish_run(run_id, finished_at=T0, status="ok", summary={"written": 3})
    old.add_dead_letters("p", [("42", "VALIDATION_ERROR", "bad value")], now=T0)
    with old.engine.connect() as conn:
        assert not sa.inspect(conn).has_table("handoffs")
    old.close()

    new = StateStore.connect(db_url)
    try:
        assert new.schema_version() == LATEST_VERSION
        assert new.get_cursor("p") == Cursor(ts=T0, backfill_done=True, updated_at=T0)
        assert [(r.id, r.summary) for r in new.recent_runs("p", 5)] == [(run_id, {"written": 3})]
        assert [d.contact_id for d in new.dead_letters("p", 5)] == ["42"]
        # The tables of later versions now work.
        assert new.acquire_lease("p", worker_id="w", now=T0, ttl=timedelta(minutes=1))
    finally:
        new.close()


def _columns(conn: Connection) -> dict[str, dict[str, tuple[str, bool]]]:
    inspector = sa.inspect(conn)
    return {
        table: {
            c["name"]: (type(c["type"]).__name__, bool(c["nullable"]))
            for c in inspector.get_columns(table)
        }
        for table in sorted(inspector.get_table_names())
    }


def test_migrated_schema_equals_schema_module(store: StateStore, db_url: str) -> None:
    """The migrations and schema.py must describe the same tables, columns and indexes."""
    reference_url = db_url
    with store.engine.connect() as conn:
        migrated = _columns(conn)
        migrated_indexes = {
            t: sorted(
                (i["name"], tuple(i["column_names"])) for i in sa.inspect(conn).get_indexes(t)
            )
            for t in migrated
        }
    engine = create_state_engine(reference_url)
    try:
        with engine.begin() as conn:
            for table in metadata.sorted_tables:
                conn.execute(sa.text(f"DROP TABLE {table.name}"))
            metadata.create_all(conn)
        with engine.connect() as conn:
            expected = _columns(conn)
            expected_indexes = {
                t: sorted(
                    (i["name"], tuple(i["column_names"])) for i in sa.inspect(conn).get_indexes(t)
                )
                for t in expected
            }
    finally:
        engine.dispose()
    assert migrated == expected
    assert migrated_indexes == expected_indexes


def test_failed_migration_changes_nothing_and_says_so(db_url: str) -> None:
    def broken(conn: Connection) -> None:
        conn.execute(sa.text("CREATE TABLE half_done (id INTEGER)"))
        conn.execute(sa.text("SELECT * FROM no_such_table"))

    engine = create_state_engine(db_url)
    try:
        migrate(engine, target=1)
        with pytest.raises(StateStoreError) as caught:
            migrate(
                engine,
                migrations=(*MIGRATIONS, Migration(99, "broken on purpose", broken)),
                target=99,
            )
        message = str(caught.value)
        assert "\n" not in message
        assert "migration 99 (broken on purpose) failed" in message
        with engine.connect() as conn:
            # Versions 2..LATEST ran in the same transaction as 99, so they rolled back too.
            assert current_version(conn) == 1
            assert not sa.inspect(conn).has_table("half_done")
            assert not sa.inspect(conn).has_table("handoffs")
        assert migrate(engine) == LATEST_VERSION
    finally:
        engine.dispose()


def test_database_newer_than_the_code_is_refused(db_url: str) -> None:
    StateStore.connect(db_url).close()
    engine = create_state_engine(db_url)
    try:
        with engine.begin() as conn:
            conn.execute(
                sa.text(
                    "INSERT INTO schema_version (version, name, applied_at) VALUES (:v, 'x', :t)"
                ),
                {"v": LATEST_VERSION + 1, "t": 0 if engine.dialect.name == "sqlite" else T0},
            )
    finally:
        engine.dispose()
    with pytest.raises(StateStoreError, match=f"schema version {LATEST_VERSION + 1}, newer"):
        StateStore.connect(db_url)


def _connect_together(url: str, threads: int = 4) -> tuple[list[StateStore], list[BaseException]]:
    """Open the store at `url` from `threads` threads released at the same instant."""
    barrier = threading.Barrier(threads)
    errors: list[BaseException] = []
    stores: list[StateStore] = []
    lock = threading.Lock()

    def start() -> None:
        barrier.wait()
        try:
            opened = StateStore.connect(url)
        except BaseException as exc:  # reported by the caller
            with lock:
                errors.append(exc)
            return
        with lock:
            stores.append(opened)

    started = [threading.Thread(target=start) for _ in range(threads)]
    for thread in started:
        thread.start()
    for thread in started:
        thread.join()
    return stores, errors


def test_concurrent_connects_migrate_exactly_once(db_url: str) -> None:
    stores, errors = _connect_together(db_url)
    try:
        assert errors == []
        assert len(stores) == 4
        assert _versions(stores[0]) == [m.version for m in MIGRATIONS]
    finally:
        for opened in stores:
            opened.close()


_CHILD = """
import sys
from connector.state import StateStore
store = StateStore.connect(sys.argv[1])
print(store.schema_version())
store.close()
"""


def test_two_processes_starting_together(db_url: str) -> None:
    children = [
        subprocess.Popen(
            [sys.executable, "-c", _CHILD, db_url],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    outputs = [child.communicate(timeout=60) for child in children]
    assert [child.returncode for child in children] == [0, 0], outputs
    # Unconfigured structlog prints to stdout; the version is the last line.
    assert [out.strip().splitlines()[-1] for out, _ in outputs] == [str(LATEST_VERSION)] * 2
    store = StateStore.connect(db_url)
    try:
        assert _versions(store) == [m.version for m in MIGRATIONS]
    finally:
        store.close()


def test_threads_opening_a_new_sqlite_file_together_never_see_a_lock(tmp_path: Path) -> None:
    # The switch to WAL fails at once, without the busy timeout, when another connection holds a
    # lock; this raced in about one new file in ten before the connect hook waited for it.
    for attempt in range(60):
        stores, errors = _connect_together(f"sqlite:///{tmp_path / f'race{attempt}.sqlite3'}")
        for opened in stores:
            opened.close()
        assert errors == [], f"attempt {attempt}"

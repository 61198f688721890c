"""Unreachable or unusable databases stop with one line: the URL (no password) and the fix."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from connector.errors import StateStoreError
from connector.state import StateStore
from connector.state.engine import safe_url

SECRET = "s3cr3t-pa55"


def test_unreachable_postgres_is_one_line_without_password() -> None:
    url = f"postgresql+psycopg://nobody:{SECRET}@127.0.0.1:1/x"
    with pytest.raises(StateStoreError) as caught:
        StateStore.connect(url)
    message = str(caught.value)
    assert "\n" not in message
    assert SECRET not in message
    assert "postgresql+psycopg://nobody:***@127.0.0.1:1/x" in message
    assert "PostgreSQL is running" in message
    assert caught.value.__cause__ is None or SECRET not in str(caught.value.__cause__)


def test_unreachable_postgres_without_password() -> None:
    with pytest.raises(StateStoreError, match=r"postgresql\+psycopg://nobody@127.0.0.1:1/x"):
        StateStore.connect("postgresql+psycopg://nobody@127.0.0.1:1/x")


def test_sqlite_in_a_missing_directory(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/missing/dir/state.sqlite3"
    with pytest.raises(StateStoreError) as caught:
        StateStore.connect(url)
    message = str(caught.value)
    assert "\n" not in message
    assert url in message
    assert "directory" in message


@pytest.mark.parametrize("url", ["nosuchdb://x/y", "not a url at all"])
def test_unusable_url(url: str) -> None:
    with pytest.raises(StateStoreError, match="CONNECTOR_STATE_URL"):
        StateStore.connect(url)


def test_safe_url_hides_the_password() -> None:
    assert (
        safe_url(f"postgresql+psycopg://u:{SECRET}@h:5432/d")
        == "postgresql+psycopg://u:***@h:5432/d"
    )
    assert safe_url("sqlite:///state.sqlite3") == "sqlite:///state.sqlite3"


def test_failures_after_connecting_are_state_store_errors(store: StateStore) -> None:
    with store.engine.begin() as conn:
        conn.execute(sa.text("DROP TABLE cursors"))
    with pytest.raises(StateStoreError) as caught:
        store.get_cursor("p")
    assert "\n" not in str(caught.value)
    assert store.url in str(caught.value)


def test_memory_database_is_shared_across_threads() -> None:
    import threading
    from datetime import UTC, datetime

    from connector.state import Cursor

    store = StateStore.connect("sqlite://")
    now = datetime(2026, 1, 1, tzinfo=UTC)
    try:
        thread = threading.Thread(
            target=store.save_cursor, args=("p", Cursor(ts=now, backfill_done=True, updated_at=now))
        )
        thread.start()
        thread.join()
        assert store.get_cursor("p") == Cursor(ts=now, backfill_done=True, updated_at=now)
    finally:
        store.close()


def test_a_file_that_is_not_a_database(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite3"
    path.write_bytes(b"this is not a database, just some text " * 200)
    with pytest.raises(StateStoreError) as caught:
        StateStore.connect(f"sqlite:///{path}")
    assert "\n" not in str(caught.value)
    assert str(path) in str(caught.value)

"""Engines for the state store: SQLite (file or memory) and PostgreSQL through psycopg 3.

SQLite's Python driver starts transactions lazily and never around DDL, which makes migrations
non-atomic and lets two connections deadlock when both upgrade a read lock to a write lock. The
engine therefore takes over transaction control and opens every transaction with
`BEGIN IMMEDIATE`: writers queue on the busy timeout instead of failing, and a migration holds the
database from its first read of `schema_version` to its commit.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import sqlite3
import time
from collections.abc import Set as AbstractSet
from datetime import date, datetime, timedelta
from enum import Enum
from typing import Any, Final

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.pool import StaticPool

SQLITE_BUSY_TIMEOUT_S: Final = 30.0  # a writer waits this long for another one to commit
PG_CONNECT_TIMEOUT_S: Final = 5  # fail fast with a clear message when PostgreSQL is down
_WAL_RETRY_SLEEP_S: Final = 0.005
_REASON_MAX_CHARS: Final = 200  # keeps StateStoreError messages to one readable line
#: The state file holds contact memory, run summaries and error texts: its owner's alone.
#: SQLite gives its -wal and -shm files the database file's mode, so they follow.
SQLITE_FILE_MODE: Final = 0o600


def safe_url(url: str | URL) -> str:
    """The URL as text with its password replaced by ***; safe to log and show."""
    try:
        parsed = make_url(url) if isinstance(url, str) else url
    except Exception:  # an unparsable URL: show only its scheme so no secret leaks
        scheme = str(url).split(":", 1)[0]
        return f"{scheme}:(unparsable URL)"
    return parsed.render_as_string(hide_password=True)


def is_memory_sqlite(url: URL) -> bool:
    """Whether the URL names a private in-memory SQLite database (`sqlite://`)."""
    if url.get_backend_name() != "sqlite":
        return False
    return url.database in (None, "", ":memory:") or url.query.get("mode") == "memory"


def _json_default(value: Any) -> Any:
    """Run summaries carry datetimes, durations, enums and sets; store them readably."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, timedelta):
        return value.total_seconds()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, AbstractSet):
        return sorted(value, key=str)
    return str(value)


def dumps_json(value: Any) -> str:
    """The JSON encoder of the state store's JSON columns."""
    return json.dumps(value, default=_json_default, ensure_ascii=False)


def create_state_engine(url: str) -> Engine:
    """An engine configured for the state store; connects lazily.

    Args:
        url: `sqlite:///path`, `sqlite://` (memory) or `postgresql+psycopg://…`.

    Raises:
        sqlalchemy.exc.ArgumentError: the URL cannot be parsed.
        sqlalchemy.exc.NoSuchModuleError: the dialect or driver is not installed.
    """
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(parsed)
    connect_args: dict[str, Any] = {}
    if parsed.get_backend_name() == "postgresql":
        connect_args = {
            "connect_timeout": PG_CONNECT_TIMEOUT_S,
            "application_name": "hubspot-lead-qualifier",
        }
    # Workers sleep between runs for minutes; pre-ping replaces connections the server dropped.
    return sa.create_engine(
        parsed, connect_args=connect_args, pool_pre_ping=True, json_serializer=dumps_json
    )


def _sqlite_engine(url: URL) -> Engine:
    memory = is_memory_sqlite(url)
    connect_args: dict[str, Any] = {
        "timeout": SQLITE_BUSY_TIMEOUT_S,
        "check_same_thread": False,
    }
    if memory:
        # One shared connection, so every thread sees the same in-memory database.
        engine = sa.create_engine(
            url, connect_args=connect_args, poolclass=StaticPool, json_serializer=dumps_json
        )
    else:
        if url.database:
            _create_private(url.database)
        engine = sa.create_engine(url, connect_args=connect_args, json_serializer=dumps_json)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves (see module doc)
        if not memory:
            _enable_wal(dbapi_connection)

    @event.listens_for(engine, "begin")
    def _on_begin(connection: sa.Connection) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def _create_private(path: str) -> None:
    """Create the SQLite file with mode 0600 before SQLite does (it would use 0644 under the
    usual umask), and take group and other access away from a file created earlier.

    A directory that does not exist is left for SQLite to report, with the usual hint.
    """
    if path.startswith("file:"):
        return  # a URI filename: SQLite parses it, and there is no plain path to create
    try:
        fd = os.open(path, os.O_CREAT | os.O_RDWR, SQLITE_FILE_MODE)
    except OSError:
        return
    try:
        mode = os.fstat(fd).st_mode & 0o777
        if mode & ~SQLITE_FILE_MODE:
            os.fchmod(fd, mode & SQLITE_FILE_MODE)
    except OSError:
        pass  # not ours to change (another user's file): SQLite still opens it as before
    finally:
        os.close(fd)
    for suffix in ("-wal", "-shm"):
        # Side files left by an earlier version, or by a crash, keep their own mode.
        with contextlib.suppress(OSError):
            os.chmod(path + suffix, SQLITE_FILE_MODE)


def _enable_wal(dbapi_connection: sqlite3.Connection) -> None:
    """Switch the file to WAL, which lets readers (`connector status`) run while a sync writes.

    The switch needs an exclusive lock, and SQLite answers `database is locked` at once instead of
    waiting on the busy timeout when another connection holds one; two workers (or threads) opening
    a new state file together hit that. So wait here, up to the same busy timeout.
    """
    deadline = time.monotonic() + SQLITE_BUSY_TIMEOUT_S
    while True:
        try:
            dbapi_connection.execute("PRAGMA journal_mode=WAL").close()
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() >= deadline:
                raise
        time.sleep(_WAL_RETRY_SLEEP_S)


def describe_error(exc: BaseException, url: str | URL) -> str:
    """One line saying what went wrong, with any password from the URL scrubbed out."""
    original = getattr(exc, "orig", None) or exc
    text = " ".join(str(original).split())
    if not text:
        text = type(original).__name__
    try:
        password = (make_url(url) if isinstance(url, str) else url).password
    except Exception:
        password = None
    if password:
        text = text.replace(str(password), "***")
    # Drivers sometimes echo connection strings such as "password=…"; never show those.
    text = re.sub(r"(password=)\S+", r"\1***", text, flags=re.IGNORECASE)
    if len(text) > _REASON_MAX_CHARS:
        text = text[: _REASON_MAX_CHARS - 1] + "…"
    return text


def fix_hint(url: str | URL) -> str:
    """What the admin should check, for the backend the URL names."""
    try:
        backend = (make_url(url) if isinstance(url, str) else url).get_backend_name()
    except Exception:
        backend = ""
    if backend == "postgresql":
        return (
            "check that PostgreSQL is running and that CONNECTOR_STATE_URL names the right "
            "host, port, user and database (postgresql+psycopg://user@host:5432/db)"
        )
    if backend == "sqlite":
        return (
            "check that the directory in CONNECTOR_STATE_URL exists and is writable "
            "(sqlite:///path/to/state.sqlite3)"
        )
    return "set CONNECTOR_STATE_URL to a sqlite:/// or postgresql+psycopg:// URL"

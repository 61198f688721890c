"""Fixtures that run every state-store test on SQLite and, when configured, on PostgreSQL.

`CONNECTOR_TEST_POSTGRES_URL` (read here only, never in connector/) adds the PostgreSQL backend.
When it is set the PostgreSQL tests always run, and fail when the server is unreachable. Each
PostgreSQL test gets its own schema (through `search_path` in the URL), dropped afterwards, so
tests never see each other's rows and can run in parallel.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine, make_url

from connector.state import StateStore

POSTGRES_ENV = "CONNECTOR_TEST_POSTGRES_URL"
_POSTGRES_URL = os.environ.get(POSTGRES_ENV, "").strip()

BACKENDS = [pytest.param("sqlite", id="sqlite")]
if _POSTGRES_URL:
    BACKENDS.append(pytest.param("postgres", id="postgres", marks=pytest.mark.postgres))


@pytest.fixture(scope="session")
def pg_admin() -> Iterator[Engine]:
    """An engine on the test PostgreSQL; fails (never skips) when it cannot connect."""
    engine = sa.create_engine(_POSTGRES_URL, connect_args={"connect_timeout": 5})
    try:
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
    except sa.exc.OperationalError as exc:
        pytest.fail(f"{POSTGRES_ENV} is set but PostgreSQL is unreachable: {exc.orig}")
    yield engine
    engine.dispose()


def _pg_schema_url(schema: str) -> str:
    url = make_url(_POSTGRES_URL).update_query_dict({"options": f"-csearch_path={schema}"})
    return url.render_as_string(hide_password=False)


@pytest.fixture
def new_db_url(
    backend: str, request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Callable[[], str]]:
    """A factory of URLs to empty databases on the test's backend."""
    schemas: list[str] = []

    def make() -> str:
        if backend == "sqlite":
            return f"sqlite:///{tmp_path_factory.mktemp('state') / 'state.sqlite3'}"
        schema = f"state_test_{uuid.uuid4().hex[:16]}"
        admin: Engine = request.getfixturevalue("pg_admin")
        with admin.begin() as conn:
            conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
        schemas.append(schema)
        return _pg_schema_url(schema)

    yield make
    if schemas:
        admin = request.getfixturevalue("pg_admin")
        with admin.begin() as conn:
            for schema in schemas:
                conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    name: str = request.param
    return name


@pytest.fixture
def db_url(new_db_url: Callable[[], str]) -> str:
    """The URL of an empty database on the test's backend."""
    return new_db_url()


@pytest.fixture
def store(db_url: str) -> Iterator[StateStore]:
    """A migrated store on an empty database."""
    opened = StateStore.connect(db_url)
    yield opened
    opened.close()

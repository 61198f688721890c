"""State-store throughput: bulk memory upsert, lookups and the rescore query.

Run: `.venv/bin/python -m bench.state_store [--rows 100000] [--postgres-url URL] [--write-docs]`.
`--write-docs` replaces the "## State store" section of docs/benchmarks.md with the results.
"""

from __future__ import annotations

import argparse
import platform
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import TypeVar

import sqlalchemy as sa
from sqlalchemy.engine import make_url

from bench.docs import write_section
from connector.state import ContactMemory, StateStore

T = TypeVar("T")
NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
HEADING = "## State store"


def rows(count: int, score_offset: int = 0) -> list[ContactMemory]:
    return [
        ContactMemory(
            contact_id=str(100_000_000 + i),
            score=(i + score_offset) % 101,
            label="warm",
            lead_status_written="OPEN" if i % 3 == 0 else None,
            lifecycle_written="marketingqualifiedlead" if i % 2 == 0 else None,
            below_bar_since=None if i % 5 else NOW - timedelta(days=1),
            in_handoff=i % 7 == 0,
            rescore_at=NOW + timedelta(minutes=i % 10_000 - 5_000),
            scored_at=NOW,
            rules_version="bench",
        )
        for i in range(count)
    ]


def timed(action: Callable[[], T]) -> tuple[float, T]:
    start = time.perf_counter()
    result = action()
    return time.perf_counter() - start, result


def measure(url: str, count: int) -> list[tuple[str, float]]:
    store = StateStore.connect(url)
    try:
        first = rows(count)
        again = rows(count, score_offset=1)
        ids = [r.contact_id for r in first]
        results = [
            (f"save_memory, {count:,} new rows", timed(lambda: store.save_memory("b", first))[0]),
            (
                f"save_memory, {count:,} existing rows (upsert)",
                timed(lambda: store.save_memory("b", again))[0],
            ),
        ]
        seconds, found = timed(lambda: store.get_memory("b", ids))
        assert len(found) == count
        results.append((f"get_memory, {count:,} ids (chunks of 500)", seconds))
        seconds, due = timed(lambda: store.due_for_rescore("b", now=NOW, limit=1_000))
        assert len(due) == 1_000
        results.append(("due_for_rescore, limit 1,000", seconds))
        return results
    finally:
        store.close()


def postgres_schema_url(url: str) -> tuple[str, Callable[[], None]]:
    schema = f"bench_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(url)
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))

    def drop() -> None:
        with admin.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()

    scoped = make_url(url).update_query_dict({"options": f"-csearch_path={schema}"})
    return scoped.render_as_string(hide_password=False), drop


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--postgres-url", default=None)
    parser.add_argument("--write-docs", action="store_true")
    args = parser.parse_args()

    table: list[tuple[str, str, float]] = []
    with tempfile.TemporaryDirectory() as tmp:
        for name, seconds in measure(f"sqlite:///{tmp}/bench.sqlite3", args.rows):
            table.append(("SQLite (file, WAL)", name, seconds))
    if args.postgres_url:
        url, drop = postgres_schema_url(args.postgres_url)
        try:
            for name, seconds in measure(url, args.rows):
                table.append(("PostgreSQL 15 (loopback)", name, seconds))
        finally:
            drop()

    lines = [
        "| backend | operation | seconds | rows/s |",
        "| --- | --- | ---: | ---: |",
    ]
    for backend, name, seconds in table:
        per_second = f"{args.rows / seconds:,.0f}" if "rows" in name or "ids" in name else "–"
        lines.append(f"| {backend} | {name} | {seconds:.2f} | {per_second} |")
    report = "\n".join(lines)
    print(report)
    if args.write_docs:
        machine = (
            f"{platform.python_implementation()} {platform.python_version()}, {platform.machine()}"
        )
        section = (
            f"`python -m bench.state_store --rows {args.rows}` on {machine}, "
            f"{datetime.now(UTC):%Y-%m-%d}. Target: save_memory of 100,000 rows in under 5 s on "
            "SQLite (one transaction, executemany of INSERT … ON CONFLICT DO UPDATE in chunks of "
            "10,000).\n\n"
            f"{report}\n"
        )
        write_section(HEADING, section)


if __name__ == "__main__":
    main()

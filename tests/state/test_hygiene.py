"""State hygiene: a private SQLite file, stored texts redacted as the logs are, no run left
"running" without a reason."""

from __future__ import annotations

import os
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from connector.logging import register_secret
from connector.state import StateStore

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_sqlite_file_and_its_wal_are_created_private(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite3"
    old = os.umask(0o022)  # the usual umask, which gives SQLite's own files 0644
    try:
        with StateStore.connect(f"sqlite:///{path}") as store:
            store.start_run("p1", started_at=T0, dry_run=False)
            assert _mode(path) == 0o600
            wal = Path(f"{path}-wal")
            assert wal.exists() and _mode(wal) == 0o600
    finally:
        os.umask(old)


def test_an_existing_world_readable_file_is_made_private(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite3"
    StateStore.connect(f"sqlite:///{path}").close()
    path.chmod(0o644)
    StateStore.connect(f"sqlite:///{path}").close()
    assert _mode(path) == 0o600


def test_run_summaries_are_stored_redacted(store: StateStore) -> None:
    register_secret("pat-na1-0123abcd-secret-token-value")
    run_id = store.start_run("p1", started_at=T0, dry_run=False)
    summary = {
        "error": "SlaConfigError: owner jane.doe@example.com has no HubSpot user; "
        "token pat-na1-0123abcd-secret-token-value",
        "pulled": 3,
        "email": "jane.doe@example.com",
        "nested": {"authorization": "Bearer abc.def", "note": "ask bob@example.org"},
        "unreadable_by_property": [["email", 2], ["jobtitle", 1]],
    }
    store.finish_run(run_id, finished_at=T0, status="failed", summary=summary)
    (run,) = store.recent_runs("p1", 1)
    text = repr(run.summary)
    assert "example.com" not in text and "example.org" not in text
    assert "secret-token-value" not in text and "abc.def" not in text
    assert run.summary["pulled"] == 3
    assert run.summary["error"].startswith("SlaConfigError: owner [EMAIL] has no HubSpot user")
    # Counts by property name survive: a list of pairs, not a mapping keyed by "email".
    assert run.summary["unreadable_by_property"] == [["email", 2], ["jobtitle", 1]]


def test_dead_letter_messages_are_stored_redacted(store: StateStore) -> None:
    message = "Property values were not valid: invalid email 'jane.doe@example.com'"
    store.add_dead_letters("p1", [("1", "validation", message)], now=T0)
    (letter,) = store.dead_letters("p1", 10)
    assert "jane.doe" not in letter.message
    assert letter.message == "Property values were not valid: invalid email '[EMAIL]'"


@pytest.mark.parametrize("finished", [False, True])
def test_a_run_left_running_is_marked_interrupted_with_the_reason(
    store: StateStore, finished: bool
) -> None:
    left = store.start_run("p1", started_at=T0, dry_run=False)
    if finished:
        store.finish_run(left, finished_at=T0, status="ok", summary={"pulled": 1})
    marked = store.interrupt_unfinished_runs("p1", finished_at=T0 + timedelta(minutes=5))
    (run,) = store.recent_runs("p1", 1)
    if finished:
        assert marked == 0 and run.status == "ok" and run.summary == {"pulled": 1}
        return
    assert marked == 1 and run.status == "interrupted"
    assert run.finished_at == T0 + timedelta(minutes=5)
    assert "state store was unreachable" in run.summary["reason"]


def test_the_reason_given_is_stored_redacted(store: StateStore) -> None:
    store.start_run("p1", started_at=T0, dry_run=False)
    store.interrupt_unfinished_runs(
        "p1", finished_at=T0, reason="worker of ops@example.com was killed"
    )
    (run,) = store.recent_runs("p1", 1)
    assert run.summary["reason"] == "worker of [EMAIL] was killed"

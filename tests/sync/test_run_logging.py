"""Every log line of a run names its run and portal, wherever in the run it is emitted."""

from __future__ import annotations

import io
import json
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

import pytest
import structlog

from connector.hubspot.models import BatchOutcome, RecordUpdate
from connector.logging import configure_logging
from connector.sandbox import FaultConfig
from connector.state import ContactMemory
from connector.sync.checkpoints import CheckpointTracker
from connector.sync.diff import PlannedWrite
from connector.sync.ports import HubSpotPort, SyncState
from connector.sync.services import build_run
from connector.sync.writer import BatchedWriter, WriteItem
from tests.conftest import MakeSandbox
from tests.sync.conftest import ready_services

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


def json_lines(stream: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stream.getvalue().splitlines() if line.startswith("{")]


def test_log_lines_from_deep_in_a_run_carry_its_run_id_and_portal(
    make_sandbox: MakeSandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sandbox = make_sandbox(
        contacts=800, seed=3, faults=FaultConfig(seed=4, reject_record_rate=0.01)
    )
    services = ready_services(sandbox, tmp_path / "state.sqlite3", monkeypatch)
    stream = io.StringIO()
    configure_logging(level="INFO", fmt="json", stream=stream)

    now = datetime.now(UTC)  # the seeded engagement is recent: hand-offs happen now
    result = build_run(services, dry_run=False, clock=lambda: now).execute()
    services.close()

    events = {line["event"]: line for line in json_lines(stream)}
    # The writer (rejected records), the hand-off stage (tasks) and the run's own last line.
    for event in ("batch_update_partial_failure", "handoff_created", "sync_run_finished"):
        assert events[event]["run_id"] == result.run_id, event
        assert events[event]["portal"] == "default", event
    assert structlog.contextvars.get_contextvars() == {}  # nothing leaks past the run


class _ContextPort:
    """Records the log context each update call runs in (on the writer's threads)."""

    def __init__(self) -> None:
        self.contexts: list[dict[str, Any]] = []

    def update_contacts(self, updates: Sequence[RecordUpdate]) -> BatchOutcome:
        self.contexts.append(structlog.contextvars.get_contextvars())
        return BatchOutcome(succeeded=tuple(u.id for u in updates))


class _Store:
    def save_memory(self, portal: str, rows: Sequence[ContactMemory]) -> None:
        pass

    def resolve_dead_letters(self, portal: str, contact_ids: Sequence[str]) -> int:
        return 0


def test_the_writer_threads_log_in_the_run_context() -> None:
    port = _ContextPort()
    tracker = CheckpointTracker()
    writer = BatchedWriter(
        port=cast(HubSpotPort, port),
        store=cast(SyncState, _Store()),
        tracker=tracker,
        portal="p",
        now=NOW,
        threads=2,
        dead_letters_exist=False,
    )
    seq = tracker.open_page(NOW)
    tracker.hold(seq, 150)
    items = [
        WriteItem(
            seq,
            PlannedWrite(str(i), {"qualification_score": "1"}, False, {}),
            ContactMemory(str(i), 1, "C-cold", None, None, None, False, None, NOW, "v"),
        )
        for i in range(150)
    ]
    with structlog.contextvars.bound_contextvars(run_id=7, portal="p"):
        writer.write(items)
        writer.flush()
    writer.close()
    assert port.contexts == [{"run_id": 7, "portal": "p"}] * 2
    assert tracker.committable() == NOW

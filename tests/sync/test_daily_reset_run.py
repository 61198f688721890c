"""`connector run` keeps working after HubSpot's daily budget resets (issue 12, failure 5).

The scheduler is replaced by one that runs its job on a script of ticks, and the gateway's
limiter reads wall-clock time from the sandbox clock, so crossing midnight takes no real time.
"""

from __future__ import annotations

import functools
import signal
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, ClassVar

import pytest

from connector.hubspot import _limiter
from connector.settings import load_settings
from connector.sync import scheduler
from connector.sync.run import RunResult
from tests.conftest import MakeSandbox
from tests.sync.conftest import ready_services


class ScriptedScheduler:
    """Runs the scheduled job once per step of `script`, after calling the step."""

    script: ClassVar[list[Callable[[], None]]] = []

    def __init__(self, *_: Any, **__: Any) -> None:
        self._job: Callable[[], None] | None = None

    def add_job(self, func: Callable[[], None], *_: Any, **__: Any) -> None:
        self._job = func

    def start(self) -> None:
        assert self._job is not None
        for step in self.script:
            step()
            self._job()

    def shutdown(self, wait: bool = True) -> None:
        pass


def test_connector_run_works_again_after_the_daily_budget_resets(
    make_sandbox: MakeSandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    day_one = (datetime.now(UTC) - timedelta(days=2)).replace(
        hour=22, minute=0, second=0, microsecond=0
    )
    sandbox = make_sandbox(contacts=300, seed=11, daily_limit=100_000, now=day_one)
    # The limiter's wall clock is the sandbox's: its midnight is HubSpot's day boundary here.
    monkeypatch.setattr(_limiter, "Timer", functools.partial(_limiter.Timer, now=sandbox.clock.now))
    ready_services(sandbox, tmp_path / "state.sqlite3", monkeypatch).close()
    # Other apps spent the day: the start-up check (two property reads, two owner pages) fits,
    # and the first run runs out.
    sandbox.spend_daily_budget(leave=7)

    results: list[RunResult] = []
    sent: list[int] = []

    def calls() -> int:
        return sum(sandbox.request_counts().values())

    def at(instant: datetime) -> Callable[[], None]:
        def step() -> None:
            sandbox.clock.freeze(instant)
            sent.append(calls())

        return step

    ScriptedScheduler.script = [
        at(day_one),  # runs out of budget
        at(day_one + timedelta(minutes=30)),  # same day: refused without a call
        at(day_one + timedelta(hours=2, minutes=30)),  # 00:30 the next day: works again
        at(day_one + timedelta(hours=2, minutes=45)),
    ]
    monkeypatch.setattr(scheduler, "BlockingScheduler", ScriptedScheduler)
    monkeypatch.setattr(signal, "signal", lambda *_: None)
    monkeypatch.setattr(scheduler, "print_result", lambda result, **_: results.append(result))

    assert scheduler.serve(load_settings(), dry_run=False) == 0
    sent.append(calls())

    assert [r.status for r in results] == ["failed", "failed", "ok", "ok"], [
        r.summary.get("error") for r in results
    ]
    assert sent[2] == sent[1]  # the second tick sent nothing: the limiter knew
    assert results[2].summary["scored"] > 0

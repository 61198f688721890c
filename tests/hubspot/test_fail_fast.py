"""An unreachable HubSpot fails fast; faults that pass keep their retries (fake clock).

Connection refused, DNS failures and connect timeouts mean HubSpot is not there at all: the
runner stops trying after `unreachable_cap` seconds counted across calls, so a run fails in
about that long instead of one call time cap per call. 5xx, 429 and read timeouts keep the
per-call cap.
"""

from __future__ import annotations

import random
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import urllib3.exceptions

from connector.cli import main
from connector.errors import RetriableHubSpotError
from connector.hubspot._limiter import Budget, RateLimiter
from connector.hubspot._stats import CallAccounting
from connector.hubspot._transport import CallRunner, RetryPolicy
from tests.hubspot.fakes import FakeClock, FakeResponse, sdk_error

CAP = 120.0
UNREACHABLE = 10.0


def _refused() -> Exception:
    cause = urllib3.exceptions.NewConnectionError(None, "Connection refused")  # type: ignore[arg-type]
    return urllib3.exceptions.MaxRetryError(None, "/x", reason=cause)  # type: ignore[arg-type]


def _read_timeout() -> Exception:
    cause = urllib3.exceptions.ReadTimeoutError(None, "/x", "Read timed out.")  # type: ignore[arg-type]
    return urllib3.exceptions.MaxRetryError(None, "/x", reason=cause)  # type: ignore[arg-type]


class Forever:
    """A `send` that always fails the same way; a connect timeout costs the connect timeout."""

    def __init__(self, clock: FakeClock, make: Any, *, cost: str = "quick") -> None:
        self._clock, self._make, self._cost = clock, make, cost
        self.calls = 0
        self.timeouts: list[tuple[float, float]] = []

    def __call__(self, timeout: tuple[float, float]) -> Any:
        self.calls += 1
        self.timeouts.append(timeout)
        cost = {"quick": 0.01, "connect": timeout[0], "read": timeout[1]}[self._cost]
        self._clock.advance(cost)
        raise self._make()


def _runner(clock: FakeClock, **policy: float) -> CallRunner:
    limiter = RateLimiter(requests_per_10s=1000, search_per_second=50, timer=clock.timer())
    settings: dict[str, float] = {
        "connect_timeout": 5.0,
        "read_timeout": 30.0,
        "call_time_cap": CAP,
        "unreachable_cap": UNREACHABLE,
        **policy,
    }
    return CallRunner(
        limiter=limiter,
        policy=RetryPolicy(**settings),
        stats=CallAccounting(),
        rng=random.Random(0),
    )


def _fail(runner: CallRunner, send: Any) -> RetriableHubSpotError:
    with pytest.raises(RetriableHubSpotError) as failed:
        runner.run("contacts.search", Budget.STANDARD, send)
    return failed.value


def test_connection_refused_fails_within_the_unreachable_cap_across_calls() -> None:
    clock = FakeClock()
    runner = _runner(clock)
    send = Forever(clock, _refused)
    start = clock.monotonic()

    first = _fail(runner, send)
    assert first.details.category == "CONNECT_FAILED"
    assert send.calls > 1  # a blip is still retried

    # However many calls the run makes, together they stop trying within the cap ...
    for _ in range(10):
        _fail(runner, send)
    assert clock.monotonic() - start <= UNREACHABLE + 0.1
    # ... and from then on fail at once, without another attempt or wait.
    tried, before = send.calls, clock.monotonic()
    again = _fail(runner, send)
    assert "unreachable" in str(again)
    assert (send.calls, clock.monotonic()) == (tried, before)


def test_connect_timeouts_are_bounded_by_the_cap_too() -> None:
    clock = FakeClock()
    runner = _runner(clock, unreachable_cap=3.0)
    timeout = urllib3.exceptions.ConnectTimeoutError("connect timed out")

    def connect_timeout() -> Exception:
        return urllib3.exceptions.MaxRetryError(None, "/x", reason=timeout)  # type: ignore[arg-type]

    send = Forever(clock, connect_timeout, cost="connect")
    start = clock.monotonic()
    error = _fail(runner, send)
    assert error.details.category == "CONNECT_FAILED"
    assert clock.monotonic() - start <= 3.0 + 0.1
    assert all(t[0] <= 3.0 for t in send.timeouts)


def test_a_stale_streak_is_forgotten_so_the_next_scheduled_run_tries_again() -> None:
    clock = FakeClock()
    runner = _runner(clock)
    send = Forever(clock, _refused)
    _fail(runner, send)
    tried = send.calls
    clock.advance(15 * 60)  # the next tick of `connector run`
    _fail(runner, send)
    assert send.calls > tried


def test_an_answer_from_hubspot_ends_the_streak() -> None:
    clock = FakeClock()
    runner = _runner(clock)
    answers: Iterator[Any] = iter([_refused(), FakeResponse(200, {"results": []})])

    def send(_timeout: tuple[float, float]) -> Any:
        answer = next(answers)
        clock.advance(0.01)
        if isinstance(answer, Exception):
            raise answer
        return answer

    assert runner.run("contacts.search", Budget.STANDARD, send).status == 200
    again = Forever(clock, _refused)
    _fail(runner, again)
    assert again.calls > 1  # a fresh streak: retried again, not failed at once


@pytest.mark.parametrize("fault", ["5xx", "read_timeout"])
def test_faults_that_pass_keep_the_per_call_cap(fault: str) -> None:
    clock = FakeClock()
    runner = _runner(clock, call_time_cap=60.0, read_timeout=5.0)
    make = (lambda: sdk_error(503)) if fault == "5xx" else _read_timeout
    send = Forever(clock, make, cost="read" if fault == "read_timeout" else "quick")
    start = clock.monotonic()
    _fail(runner, send)
    elapsed = clock.monotonic() - start
    assert elapsed > UNREACHABLE * 2  # kept retrying well past the unreachable cap
    assert elapsed <= 60.0 + 0.1


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_sync_against_an_unreachable_hubspot_fails_within_the_setting(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = Path(__file__).resolve().parents[2]
    env = {
        "HUBSPOT_BASE_URL": f"http://127.0.0.1:{_closed_port()}",
        "HUBSPOT_ACCESS_TOKEN": "token-for-nobody",
        "CONNECTOR_STATE_URL": f"sqlite:///{tmp_path / 'state.sqlite3'}",
        "CONNECTOR_RULES_FILE": str(repo / "config" / "rules.yaml"),
        "CONNECTOR_SLA_FILE": str(repo / "config" / "sla.yaml"),
        "CONNECTOR_LOG_FORMAT": "json",
        "CONNECTOR_CALL_TIME_CAP": "15",  # what a single call may take on faults that pass
        "CONNECTOR_UNREACHABLE_CAP": "2",
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.chdir(tmp_path)

    began = time.monotonic()
    code = main(["sync"])
    elapsed = time.monotonic() - began

    err = capsys.readouterr().err
    assert code == 1, err
    assert elapsed < 2 + 1.5, f"took {elapsed:.1f} s"
    assert "could not connect" in err or "unreachable" in err
    assert "Traceback" not in err

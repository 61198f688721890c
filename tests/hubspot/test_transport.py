"""The call runner: retries by error class, waits, the time cap, accounting (fake clock)."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import urllib3.exceptions

from connector.errors import (
    AuthError,
    DailyLimitError,
    FatalHubSpotError,
    RateLimitedError,
    RetriableHubSpotError,
)
from connector.hubspot._limiter import Budget, RateLimiter
from connector.hubspot._stats import CallAccounting
from connector.hubspot._transport import CallRunner, RetryPolicy
from tests.hubspot.fakes import FakeClock, FakeResponse, hubspot_error_body, sdk_error

OK = {"results": [], "status": "COMPLETE"}
CAP = 20.0


def _rate_body(policy: str) -> dict[str, str]:
    return {
        "status": "error",
        "message": f"You have reached your {policy.lower()} limit.",
        "errorType": "RATE_LIMIT",
        "correlationId": "c",
        "policyName": policy,
    }


def _read_timeout() -> Exception:
    cause = urllib3.exceptions.ReadTimeoutError(None, "/x", "Read timed out.")  # type: ignore[arg-type]
    return urllib3.exceptions.MaxRetryError(None, "/x", reason=cause)  # type: ignore[arg-type]


class Script:
    """A `send` that plays answers in order: a FakeResponse is returned, an exception raised."""

    def __init__(self, clock: FakeClock, answers: list[Any], *, cost: float = 0.01) -> None:
        self._answers: Iterator[Any] = iter(answers)
        self._clock = clock
        self._cost = cost
        self.timeouts: list[tuple[float, float]] = []

    def __call__(self, timeout: tuple[float, float]) -> Any:
        self.timeouts.append(timeout)
        answer = next(self._answers)
        if isinstance(answer, Exception):
            # A timeout costs the read timeout; other failures are quick.
            is_timeout = isinstance(answer, urllib3.exceptions.MaxRetryError)
            self._clock.advance(timeout[1] if is_timeout else self._cost)
            raise answer
        self._clock.advance(self._cost)
        return answer


def _runner(clock: FakeClock, **policy: float) -> tuple[CallRunner, CallAccounting, RateLimiter]:
    limiter = RateLimiter(requests_per_10s=100, search_per_second=5, timer=clock.timer())
    stats = CallAccounting()
    settings: dict[str, float] = {
        "connect_timeout": 1.0,
        "read_timeout": 3.0,
        "call_time_cap": CAP,
        **policy,
    }
    runner = CallRunner(
        limiter=limiter,
        policy=RetryPolicy(**settings),  # type: ignore[arg-type]
        stats=stats,
        rng=random.Random(0),
    )
    return runner, stats, limiter


def _run(runner: CallRunner, send: Callable[..., Any], **kwargs: Any) -> Any:
    return runner.run("contacts.batch_update", Budget.STANDARD, send, **kwargs)


def test_success_returns_status_headers_and_json() -> None:
    clock = FakeClock()
    runner, stats, _ = _runner(clock)
    response = FakeResponse(207, OK, {"X-HubSpot-RateLimit-Remaining": "99"})
    result = _run(runner, Script(clock, [response]))
    assert result.status == 207
    assert result.body == OK
    assert result.headers["x-hubspot-ratelimit-remaining"] == "99"
    assert response.released
    assert stats.snapshot().calls_by_status == {"207": 1}


def test_5xx_and_timeouts_are_retried_with_growing_jittered_backoff() -> None:
    clock = FakeClock()
    runner, stats, _ = _runner(clock)
    script = Script(clock, [sdk_error(502), _read_timeout(), sdk_error(503), FakeResponse(200, OK)])
    assert _run(runner, script).status == 200
    waits = clock.sleeps
    assert len(waits) == 3
    # Equal jitter: each wait lies in [step/2, step] with step = 0.5, 1, 2 s.
    for wait, step in zip(waits, (0.5, 1.0, 2.0), strict=True):
        assert step / 2 <= wait <= step
    snap = stats.snapshot()
    assert snap.retries == 3
    assert snap.calls_by_status == {"502": 1, "timeout": 1, "503": 1, "200": 1}
    assert snap.error_responses == 3
    assert snap.retries_by_endpoint == {"contacts.batch_update": 3}


def test_429_honours_retry_after() -> None:
    clock = FakeClock()
    runner, stats, _ = _runner(clock)
    limited = sdk_error(429, _rate_body("TEN_SECONDLY_ROLLING"), {"Retry-After": "4"})
    _run(runner, Script(clock, [limited, FakeResponse(200, OK)]))
    assert 4.0 <= clock.sleeps[0] <= 4.4
    assert stats.snapshot().rate_limited == 1


def test_429_without_retry_after_waits_by_policy() -> None:
    clock = FakeClock()
    runner, _, _ = _runner(clock, ten_secondly_wait=10.0, secondly_wait=1.0)
    burst = sdk_error(429, _rate_body("TEN_SECONDLY_ROLLING"))
    _run(runner, Script(clock, [burst, FakeResponse(200, OK)]))
    assert 10.0 <= clock.sleeps[0] <= 11.0
    clock = FakeClock()
    runner, _, _ = _runner(clock, ten_secondly_wait=10.0, secondly_wait=1.0)
    secondly = sdk_error(429, _rate_body("SECONDLY"))
    _run(runner, Script(clock, [secondly, FakeResponse(200, OK)]))
    assert 1.0 <= clock.sleeps[0] <= 1.1


def test_search_429_without_policy_waits_about_a_second() -> None:
    clock = FakeClock()
    runner, _, _ = _runner(clock)
    limited = sdk_error(
        429, {"status": "error", "message": "You have reached your secondly limit."}
    )
    runner.run("contacts.search", Budget.SEARCH, Script(clock, [limited, FakeResponse(200, OK)]))
    assert 1.0 <= clock.sleeps[0] <= 1.1


def test_a_429_slows_the_limiter_down() -> None:
    clock = FakeClock()
    runner, _, limiter = _runner(clock)
    limited = sdk_error(429, _rate_body("TEN_SECONDLY_ROLLING"), {"Retry-After": "0"})
    _run(runner, Script(clock, [limited, FakeResponse(200, OK)]))
    assert limiter.snapshot().burst_delay > 0


def test_daily_429_raises_at_once_and_stops_later_calls_without_sending() -> None:
    clock = FakeClock()
    runner, stats, _ = _runner(clock)
    with pytest.raises(DailyLimitError):
        _run(runner, Script(clock, [sdk_error(429, _rate_body("DAILY"))]))
    assert clock.sleeps == []
    never = Script(clock, [])
    with pytest.raises(DailyLimitError):
        _run(runner, never)
    assert never.timeouts == []
    assert stats.snapshot().total_calls == 1


@pytest.mark.parametrize(
    ("status", "error_class"),
    [(400, FatalHubSpotError), (404, FatalHubSpotError), (401, AuthError), (403, AuthError)],
)
def test_client_errors_are_not_retried(status: int, error_class: type[Exception]) -> None:
    clock = FakeClock()
    runner, stats, _ = _runner(clock)
    body = hubspot_error_body("VALIDATION_ERROR", "no")
    with pytest.raises(error_class):
        _run(runner, Script(clock, [sdk_error(status, body), FakeResponse(200, OK)]))
    assert stats.snapshot().total_calls == 1
    assert clock.sleeps == []


def test_time_cap_surfaces_the_last_error_and_is_never_exceeded() -> None:
    clock = FakeClock()
    runner, stats, _ = _runner(clock)
    start = clock.monotonic()
    script = Script(clock, [_read_timeout() for _ in range(100)])
    with pytest.raises(RetriableHubSpotError) as info:
        _run(runner, script)
    assert info.value.details.category == "TIMEOUT"
    assert clock.monotonic() - start <= CAP
    assert stats.snapshot().total_calls >= 3
    # The attempt timeout shrinks so that the last attempt ends by the cap.
    assert all(read <= 3.0 for _, read in script.timeouts)


def test_a_retry_after_beyond_the_cap_is_not_waited_for() -> None:
    clock = FakeClock()
    runner, _, _ = _runner(clock)
    limited = sdk_error(429, _rate_body("TEN_SECONDLY_ROLLING"), {"Retry-After": "3600"})
    with pytest.raises(RateLimitedError):
        _run(runner, Script(clock, [limited, FakeResponse(200, OK)]))
    assert clock.sleeps == []


def test_non_idempotent_calls_are_not_retried_after_an_ambiguous_failure() -> None:
    clock = FakeClock()
    runner, stats, _ = _runner(clock)
    with pytest.raises(RetriableHubSpotError):
        _run(runner, Script(clock, [_read_timeout(), FakeResponse(200, OK)]), idempotent=False)
    with pytest.raises(RetriableHubSpotError):
        _run(runner, Script(clock, [sdk_error(500), FakeResponse(200, OK)]), idempotent=False)
    assert stats.snapshot().total_calls == 2


def test_non_idempotent_calls_are_retried_when_hubspot_surely_did_nothing() -> None:
    clock = FakeClock()
    runner, _, _ = _runner(clock)
    refused = urllib3.exceptions.MaxRetryError(
        None,  # type: ignore[arg-type]
        "/x",
        reason=urllib3.exceptions.NewConnectionError(None, "refused"),  # type: ignore[arg-type]
    )
    limited = sdk_error(429, _rate_body("TEN_SECONDLY_ROLLING"), {"Retry-After": "0"})
    script = Script(clock, [refused, sdk_error(503), limited, FakeResponse(201, OK)])
    assert _run(runner, script, idempotent=False).status == 201


def test_truncated_2xx_body_is_a_retriable_connection_error() -> None:
    clock = FakeClock()
    runner, stats, _ = _runner(clock)
    script = Script(clock, [FakeResponse(200, b'{"results": [{"id"'), FakeResponse(200, OK)])
    assert _run(runner, script).body == OK
    assert stats.snapshot().calls_by_status == {"connection_error": 1, "200": 1}


def test_reset_stats_starts_a_new_period() -> None:
    clock = FakeClock()
    runner, stats, _ = _runner(clock)
    _run(runner, Script(clock, [FakeResponse(200, OK)]))
    stats.reset()
    assert stats.snapshot().total_calls == 0

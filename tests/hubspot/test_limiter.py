"""The rate limiter, driven by a fake clock (and once by real threads on a virtual clock)."""

from __future__ import annotations

import threading

import pytest

from connector.errors import DailyLimitError, RateLimitedError
from connector.hubspot._limiter import (
    ADAPTIVE_DECAY_FACTOR,
    ADAPTIVE_INITIAL_DELAY_SECONDS,
    Budget,
    RateLimiter,
)
from tests.hubspot.fakes import FakeClock, VirtualClock


def _limiter(clock: FakeClock, *, burst: int = 3, search: int = 2, daily: int | None = None):
    return RateLimiter(
        requests_per_10s=burst, search_per_second=search, daily_limit=daily, timer=clock.timer()
    )


def _call(limiter: RateLimiter, budget: Budget = Budget.STANDARD, **release: object) -> None:
    limiter.acquire(budget)
    limiter.release(budget, **release)  # type: ignore[arg-type]


def test_burst_budget_waits_for_the_oldest_call_to_leave_the_window() -> None:
    clock = FakeClock()
    limiter = _limiter(clock, burst=3)
    for _ in range(3):
        _call(limiter)
    assert clock.sleeps == []
    _call(limiter)
    # The first call was stamped at t0, so the fourth may start at t0 + 10 s, not earlier.
    assert sum(clock.sleeps) == pytest.approx(10.0, abs=1e-3)


def test_search_has_its_own_per_second_budget_and_does_not_spend_the_burst_window() -> None:
    clock = FakeClock()
    limiter = _limiter(clock, burst=3, search=2)
    _call(limiter, Budget.SEARCH)
    _call(limiter, Budget.SEARCH)
    for _ in range(3):
        _call(limiter)  # the burst window is untouched by search
    assert clock.sleeps == []
    _call(limiter, Budget.SEARCH)
    assert sum(clock.sleeps) == pytest.approx(1.0, abs=1e-3)


def test_a_slot_is_held_while_the_call_is_in_flight() -> None:
    clock = FakeClock()
    limiter = _limiter(clock, burst=1)
    limiter.acquire(Budget.STANDARD)
    # A second acquire would poll forever on the fake clock; bound it by a deadline instead.
    with pytest.raises(RateLimitedError):
        limiter.acquire(Budget.STANDARD, deadline=clock.monotonic() + 0.5)
    limiter.release(Budget.STANDARD)
    assert limiter.snapshot().burst_used == 1  # now a completed stamp, not in flight


def test_window_counts_from_completion_so_latency_never_undercounts() -> None:
    clock = FakeClock()
    limiter = _limiter(clock, burst=1)
    limiter.acquire(Budget.STANDARD)
    clock.advance(3.0)  # a slow call: HubSpot counted it somewhere in these 3 s
    limiter.release(Budget.STANDARD)
    start = clock.monotonic()
    _call(limiter)
    assert clock.monotonic() - start == pytest.approx(10.0, abs=1e-3)


def test_learns_max_and_interval_from_headers() -> None:
    clock = FakeClock()
    limiter = _limiter(clock, burst=2)
    limiter.acquire(Budget.STANDARD)
    limiter.release(
        Budget.STANDARD,
        headers={
            "X-HubSpot-RateLimit-Max": "190",
            "X-HubSpot-RateLimit-Interval-Milliseconds": "10000",
            "X-HubSpot-RateLimit-Remaining": "189",
        },
    )
    snap = limiter.snapshot()
    assert snap.burst_capacity == 190
    assert snap.burst_interval == 10.0
    assert snap.burst_used == 1  # remaining matched our own view: nothing booked


def test_books_calls_someone_else_spent_when_remaining_is_lower_than_expected() -> None:
    clock = FakeClock()
    limiter = _limiter(clock, burst=10)
    limiter.acquire(Budget.STANDARD)
    limiter.release(
        Budget.STANDARD,
        headers={"x-hubspot-ratelimit-max": "10", "x-hubspot-ratelimit-remaining": "4"},
    )
    # We made 1 call, HubSpot counted 6: 5 belong to another process sharing the budget.
    assert limiter.snapshot().burst_used == 6
    for _ in range(4):
        _call(limiter)
    assert clock.sleeps == []
    _call(limiter)
    assert sum(clock.sleeps) > 0


def test_search_responses_without_headers_teach_nothing_about_the_burst_window() -> None:
    clock = FakeClock()
    limiter = _limiter(clock, burst=5)
    limiter.acquire(Budget.SEARCH)
    limiter.release(Budget.SEARCH, headers={"x-hubspot-ratelimit-max": "1"})
    assert limiter.snapshot().burst_capacity == 5


def test_daily_remaining_zero_stops_further_calls_at_once() -> None:
    clock = FakeClock()
    limiter = _limiter(clock)
    limiter.acquire(Budget.STANDARD)
    limiter.release(Budget.STANDARD, headers={"X-HubSpot-RateLimit-Daily-Remaining": "0"})
    with pytest.raises(DailyLimitError, match="daily"):
        limiter.acquire(Budget.STANDARD)
    with pytest.raises(DailyLimitError):
        limiter.acquire(Budget.SEARCH)
    assert clock.sleeps == []


def test_configured_daily_limit_caps_calls_until_headers_say_otherwise() -> None:
    clock = FakeClock()
    limiter = _limiter(clock, burst=100, daily=2)
    _call(limiter)
    _call(limiter, Budget.SEARCH)
    with pytest.raises(DailyLimitError):
        limiter.acquire(Budget.STANDARD)


def test_daily_exhausted_refuses_calls() -> None:
    limiter = _limiter(FakeClock())
    limiter.daily_exhausted()
    with pytest.raises(DailyLimitError):
        limiter.acquire(Budget.STANDARD)


def test_deadline_raises_rate_limited_instead_of_waiting_past_it() -> None:
    clock = FakeClock()
    limiter = _limiter(clock, burst=1)
    _call(limiter)
    with pytest.raises(RateLimitedError) as info:
        limiter.acquire(Budget.STANDARD, deadline=clock.monotonic() + 2.0)
    assert info.value.details.category == "LOCAL_RATE_LIMIT"
    assert clock.sleeps == []  # it did not sleep 10 s only to give up


def test_429_grows_the_spacing_between_calls_and_successes_shrink_it() -> None:
    clock = FakeClock()
    limiter = _limiter(clock, burst=1000)
    _call(limiter, rate_limited=True)
    assert limiter.snapshot().burst_delay == pytest.approx(ADAPTIVE_INITIAL_DELAY_SECONDS)
    _call(limiter, rate_limited=True)
    grown = limiter.snapshot().burst_delay
    assert grown == pytest.approx(ADAPTIVE_INITIAL_DELAY_SECONDS * 4)
    start = clock.monotonic()
    limiter.acquire(Budget.STANDARD)
    assert clock.monotonic() - start == pytest.approx(grown, abs=1e-6)
    limiter.release(Budget.STANDARD)
    assert limiter.snapshot().burst_delay == pytest.approx(grown * ADAPTIVE_DECAY_FACTOR)
    for _ in range(30):
        _call(limiter)
    assert limiter.snapshot().burst_delay == 0.0


def test_threads_never_exceed_the_window() -> None:
    """8 threads, a 0.3 s window of 5: no 0.3 s span ever holds more than 5 call starts.

    Real threads contend for the limiter's lock; time is a `VirtualClock`, so each call's 2 ms
    and every wait for the window take no real time and do not depend on the machine's load.
    """
    clock = VirtualClock()
    limiter = RateLimiter(requests_per_10s=5, search_per_second=5, timer=clock.timer())
    limiter.acquire(Budget.STANDARD)
    limiter.release(
        Budget.STANDARD,
        headers={
            "x-hubspot-ratelimit-interval-milliseconds": "300",
            "x-hubspot-ratelimit-max": "5",
        },
    )
    starts: list[float] = []
    lock = threading.Lock()

    def worker() -> None:
        with clock.worker():
            for _ in range(4):
                limiter.acquire(Budget.STANDARD)
                with lock:
                    starts.append(clock.monotonic())
                clock.sleep(0.002)  # the call's latency
                limiter.release(Budget.STANDARD)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert len(starts) == 32
    starts.sort()
    for i, first in enumerate(starts):
        in_window = [s for s in starts[i:] if s < first + 0.3]
        assert len(in_window) <= 5
    # And it is not over-cautious: the first window still holds the header-learning call, so 32
    # calls at 5 per 0.302 s (window plus latency) start within 6 windows and a bit.
    assert starts[-1] - starts[0] < 6 * 0.302 + 0.05

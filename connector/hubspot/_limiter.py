"""A proactive, thread-safe rate limiter for one HubSpot portal.

Three budgets, as HubSpot counts them (hubspot-api.md §1):

- the rolling burst window (``X-HubSpot-RateLimit-Max`` calls per
  ``-Interval-Milliseconds``, 10 s), which every call except search spends;
- the search window (5 calls per second per account), which only search spends: search is exempt
  from the burst window and its responses carry no rate-limit headers;
- the daily budget (``-Daily`` / ``-Daily-Remaining``), which every call spends. HubSpot resets it
  at midnight in the account's time zone; once spent, calls are refused locally until that
  boundary (or, with the zone unknown, until the next hourly probe), never for the life of the
  process (docs/gateway.md, "Daily budget").

How a window is counted: a slot is held from the moment a call is let through until its response
has arrived, and the response time is what is remembered. HubSpot counts a call when it arrives,
which is always between those two instants, so this view never under-counts our own calls, however
large the network latency. When HubSpot reports fewer calls remaining than this view expects,
someone else is spending the same budget (another process, another app): the difference is
booked locally so we slow down too.

On top of the windows sits an adaptive spacing between call starts, after Estuary's limiter
(sync-techniques.md §1.1): each 429 multiplies it, each success shrinks it, so a portal that keeps
answering 429 is approached more and more gently, and one that stopped gets full speed back
within a few dozen calls.

Time is injected (`Timer`) so unit tests drive the limiter with a fake clock and never sleep.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, tzinfo
from enum import StrEnum

from connector.errors import DailyLimitError, HubSpotErrorDetails, RateLimitedError
from connector.hubspot_facts import BURST_WINDOW_SECONDS, SEARCH_WINDOW_SECONDS
from connector.logging import get_logger

log = get_logger(__name__)

#: First spacing after a 429 when none was in force (s): small, so a stray 429 costs little.
ADAPTIVE_INITIAL_DELAY_SECONDS = 0.05
#: Each 429 multiplies the spacing by this: three 429s in a row mean 0.05 → 0.2 → 0.8 s.
ADAPTIVE_GROWTH = 4.0
#: Each success keeps this share of the spacing: after a storm, ~20 calls bring 0.8 s back
#: under 0.01 s. (Estuary decays linearly; with HubSpot's 429s often injected by a short
#: burst of other traffic, a slow linear decay cost us far more throughput than it saved.)
ADAPTIVE_DECAY_FACTOR = 0.8
#: Below this the spacing is dropped entirely (s).
ADAPTIVE_FLOOR_SECONDS = 0.01
#: Upper bound on the spacing (s): one burst window; beyond it the retry waits take over.
ADAPTIVE_MAX_DELAY_SECONDS = 10.0
#: How long a waiting thread sleeps when every slot is held by calls still in flight (s).
IN_FLIGHT_POLL_SECONDS = 0.01
#: With the portal's time zone unknown, how often a spent daily budget is tried again. HubSpot
#: resets it at midnight in the account's zone, which falls on some hour of the UTC day (or
#: half hour, for a few zones): an hourly probe finds the reset within an hour in every zone,
#: for at most 24 refused calls a day. Guessing UTC midnight instead would strand a portal in
#: Tokyo 9 h after its reset and, west of UTC, spend the guess on a 429 and wait a whole day.
DAILY_PROBE_INTERVAL = timedelta(hours=1)


def _utc_now() -> datetime:
    return datetime.now(UTC)


class Budget(StrEnum):
    """Which rolling window a call spends (both spend the daily budget)."""

    STANDARD = "standard"  #: the 10-second burst window
    SEARCH = "search"  #: the per-second search window


@dataclass(frozen=True, slots=True)
class Timer:
    """Where the limiter and the retry loop read time and sleep; tests pass fakes.

    `now` is wall-clock time, read only for the daily budget's boundary (the windows use
    `monotonic`, which no clock change can move).
    """

    monotonic: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep
    now: Callable[[], datetime] = _utc_now


@dataclass(slots=True)
class _Window:
    capacity: int
    interval: float
    stamps: deque[float] = field(default_factory=deque)
    in_flight: int = 0
    delay: float = 0.0  # adaptive spacing between starts (s), applied from the last start
    last_start: float = float("-inf")

    def purge(self, now: float) -> None:
        horizon = now - self.interval
        while self.stamps and self.stamps[0] <= horizon:
            self.stamps.popleft()

    def used(self) -> int:
        return self.in_flight + len(self.stamps)

    def wait_for_slot(self, now: float) -> float:
        """Seconds until a call may start (0 when it may start now)."""
        self.purge(now)
        spacing_wait = max(0.0, self.last_start + self.delay - now)
        if self.used() < self.capacity:
            return spacing_wait
        overflow = self.used() - self.capacity  # stamps that must expire before a slot frees
        if overflow < len(self.stamps):
            expiry = self.stamps[overflow] + self.interval - now
            return max(spacing_wait, expiry, 1e-6)
        return max(spacing_wait, IN_FLIGHT_POLL_SECONDS)

    def book_external(self, now: float, count: int) -> None:
        """Record calls HubSpot counted that we did not make (shared budget)."""
        for _ in range(count):
            self.stamps.append(now)


@dataclass(frozen=True, slots=True)
class LimiterSnapshot:
    """What the limiter currently believes, for logs, metrics and tests."""

    burst_capacity: int
    burst_interval: float
    burst_used: int
    search_capacity: int
    search_used: int
    daily_remaining: int | None
    #: While the daily budget is spent: when calls are let through again (UTC).
    daily_blocked_until: datetime | None
    burst_delay: float
    search_delay: float


class RateLimiter:
    """Paces calls to one portal across all threads. Share one instance per portal."""

    def __init__(
        self,
        *,
        requests_per_10s: int,
        search_per_second: int,
        daily_limit: int | None = None,
        timer: Timer | None = None,
        daily_reset_zone: tzinfo | None = None,
    ) -> None:
        """Create a limiter with the configured budgets (learned headers override them).

        Args:
            requests_per_10s: burst budget until HubSpot's headers say otherwise.
            search_per_second: search budget (search responses carry no headers to learn from).
            daily_limit: calls this limiter may spend until a Daily-Remaining header is seen;
                None means unknown (only HubSpot's headers and DAILY 429s stop us).
            timer: clock and sleep; real time by default.
            daily_reset_zone: the portal's time zone, whose midnight resets the daily budget;
                None (unknown): a spent budget is probed every `DAILY_PROBE_INTERVAL`.
        """
        self._timer = timer or Timer()
        self._lock = threading.Lock()
        self._windows: dict[Budget, _Window] = {
            Budget.STANDARD: _Window(capacity=requests_per_10s, interval=BURST_WINDOW_SECONDS),
            Budget.SEARCH: _Window(capacity=search_per_second, interval=SEARCH_WINDOW_SECONDS),
        }
        # The configured ceiling is per day: it comes back at each reset, as HubSpot's does.
        self._daily_limit = daily_limit
        self._daily_remaining: int | None = daily_limit
        self._daily_reset_zone = daily_reset_zone
        self._daily_blocked_until: datetime | None = None
        self._daily_learned = False  # a Daily-Remaining header was seen

    @property
    def timer(self) -> Timer:
        return self._timer

    @property
    def daily_reset_zone(self) -> tzinfo | None:
        """The portal's time zone whose midnight resets the daily budget, if known."""
        return self._daily_reset_zone

    def acquire(self, budget: Budget, *, deadline: float | None = None) -> None:
        """Block until a call on `budget` may start, then hold a slot for it.

        Every successful `acquire` must be followed by exactly one `release`.

        Args:
            budget: the window the call spends.
            deadline: monotonic instant after which waiting is pointless (the call's time cap).

        Raises:
            DailyLimitError: the daily budget is spent; waiting will not help today.
            RateLimitedError: no slot frees up before `deadline`.
        """
        while True:
            now = self._timer.monotonic()
            with self._lock:
                wait = self._try_reserve(budget, now)
            if wait <= 0:
                return
            if deadline is not None and now + wait > deadline:
                raise RateLimitedError(
                    f"local rate limiter: the {budget.value} budget has no free slot before the "
                    "call's time cap",
                    HubSpotErrorDetails(category="LOCAL_RATE_LIMIT", policy_name=budget.value),
                )
            self._timer.sleep(wait)

    def release(
        self,
        budget: Budget,
        *,
        headers: Mapping[str, str] | None = None,
        rate_limited: bool = False,
    ) -> None:
        """Return the slot taken by `acquire`, learning from the response.

        Args:
            budget: the window passed to `acquire`.
            headers: the response headers, if a response arrived (case-insensitive lookup
                is done here).
            rate_limited: the response was a 429 for a rolling window.
        """
        now = self._timer.monotonic()
        with self._lock:
            window = self._windows[budget]
            window.purge(now)
            if headers:
                self._learn(budget, _lower_keys(headers), now)
            window.in_flight = max(0, window.in_flight - 1)
            window.stamps.append(now)
            if rate_limited:
                window.delay = min(
                    ADAPTIVE_MAX_DELAY_SECONDS,
                    max(ADAPTIVE_INITIAL_DELAY_SECONDS, window.delay * ADAPTIVE_GROWTH),
                )
            else:
                decayed = window.delay * ADAPTIVE_DECAY_FACTOR
                window.delay = decayed if decayed >= ADAPTIVE_FLOOR_SECONDS else 0.0

    def daily_exhausted(self) -> None:
        """HubSpot said the daily budget is spent (a DAILY 429): refuse further calls."""
        with self._lock:
            self._daily_remaining = 0
            self._daily_blocked_until = self._next_daily_reset()

    def snapshot(self) -> LimiterSnapshot:
        now = self._timer.monotonic()
        with self._lock:
            burst = self._windows[Budget.STANDARD]
            search = self._windows[Budget.SEARCH]
            burst.purge(now)
            search.purge(now)
            return LimiterSnapshot(
                burst_capacity=burst.capacity,
                burst_interval=burst.interval,
                burst_used=burst.used(),
                search_capacity=search.capacity,
                search_used=search.used(),
                daily_remaining=self._daily_remaining,
                daily_blocked_until=self._daily_blocked_until,
                burst_delay=burst.delay,
                search_delay=search.delay,
            )

    def _try_reserve(self, budget: Budget, now: float) -> float:
        if self._daily_remaining is not None and self._daily_remaining <= 0:
            self._check_daily_reset()
        if self._daily_remaining is not None and self._daily_remaining <= 0:
            until = self._daily_blocked_until
            when = until.isoformat(timespec="seconds") if until else "the daily reset"
            raise DailyLimitError(
                "HubSpot's daily API budget for this portal is spent "
                "(X-HubSpot-RateLimit-Daily-Remaining reached 0): the run stops; calls are "
                f"tried again from {when}",
                HubSpotErrorDetails(status=429, category="RATE_LIMIT", policy_name="DAILY"),
            )
        window = self._windows[budget]
        wait = window.wait_for_slot(now)
        if wait > 0:
            return wait
        window.in_flight += 1
        window.last_start = now
        if self._daily_remaining is not None:
            self._daily_remaining -= 1
        return 0.0

    def _check_daily_reset(self) -> None:
        """Let calls through again once the boundary after the budget was spent has passed.

        The budget becomes unknown (or the configured ceiling): the next answer's
        Daily-Remaining header says what HubSpot has left, and a DAILY 429 (the day has not
        turned yet in the portal's zone) blocks again until the next boundary. Hold the lock.
        """
        if self._daily_blocked_until is None:
            # Counted down to 0 locally. From HubSpot's figure: probe as for a header. From our
            # own configured ceiling (HubSpot never said): a budget per day, so it comes back
            # at midnight, not at the next hourly probe.
            self._daily_blocked_until = self._next_daily_reset(probe=self._daily_learned)
        if self._timer.now() < self._daily_blocked_until:
            return
        log.info(
            "hubspot_daily_budget_retry",
            blocked_until=self._daily_blocked_until.isoformat(timespec="seconds"),
        )
        self._daily_remaining = self._daily_limit
        self._daily_blocked_until = None

    def _next_daily_reset(self, *, probe: bool = True) -> datetime:
        """The first instant after now at which HubSpot may have reset the daily budget (UTC).

        Midnight in the portal's zone when it is known; otherwise the next hourly probe, or
        (`probe=False`, for our own ceiling) UTC midnight.
        """
        now = self._timer.now().astimezone(UTC)
        zone = self._daily_reset_zone
        if zone is None and probe:
            hour = now.replace(minute=0, second=0, microsecond=0)
            return hour + DAILY_PROBE_INTERVAL
        local = now.astimezone(zone or UTC)
        # Local midnight of the next date; zoneinfo resolves a DST gap at midnight forward.
        midnight = datetime.combine(
            local.date() + timedelta(days=1), datetime.min.time(), zone or UTC
        )
        return midnight.astimezone(UTC)

    def _learn(self, budget: Budget, headers: Mapping[str, str], now: float) -> None:
        daily_remaining = _int_header(headers, "x-hubspot-ratelimit-daily-remaining")
        if daily_remaining is not None:
            # Other calls in flight were booked locally but may not have reached HubSpot yet.
            others_in_flight = sum(w.in_flight for w in self._windows.values()) - 1
            self._daily_remaining = max(0, daily_remaining - max(0, others_in_flight))
            self._daily_learned = True
            if daily_remaining > 0:
                self._daily_blocked_until = None
            elif self._daily_blocked_until is None:
                self._daily_blocked_until = self._next_daily_reset()
        if budget is not Budget.STANDARD:
            return
        window = self._windows[Budget.STANDARD]
        maximum = _int_header(headers, "x-hubspot-ratelimit-max")
        if maximum is not None and maximum > 0:
            window.capacity = maximum
        interval_ms = _int_header(headers, "x-hubspot-ratelimit-interval-milliseconds")
        if interval_ms is not None and interval_ms > 0:
            window.interval = interval_ms / 1000.0
        remaining = _int_header(headers, "x-hubspot-ratelimit-remaining")
        if remaining is not None:
            # This call is still counted in flight here, as HubSpot counted it in `remaining`.
            expected = window.capacity - window.used()
            if remaining < expected:
                window.book_external(now, expected - remaining)


def _lower_keys(headers: Mapping[str, str]) -> dict[str, str]:
    return {str(k).lower(): str(v) for k, v in headers.items()}


def _int_header(headers: Mapping[str, str], name: str) -> int | None:
    value = headers.get(name)
    if value is None:
        return None
    try:
        return int(float(value.strip()))
    except ValueError:
        return None

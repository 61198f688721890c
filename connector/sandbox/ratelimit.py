"""HubSpot's API budgets: a rolling ten-second window per app, 5 searches per second per account,
and a daily budget per account that resets at midnight (hubspot-api.md §1)."""

from __future__ import annotations

import math
import random
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from connector.hubspot_facts import BURST_WINDOW_SECONDS, SEARCH_WINDOW_SECONDS, ApiBudget
from connector.sandbox.clock import SandboxClock
from connector.sandbox.wire import ApiError

_BURST_WINDOW_MS = round(BURST_WINDOW_SECONDS * 1000)


@dataclass(frozen=True, slots=True)
class Admission:
    """Headers to send with an admitted (non-search) call."""

    headers: dict[str, str]


class RateLimiter:
    """Counts calls and answers 429 when a budget is spent.

    Rolling windows use a monotonic clock (a frozen sandbox clock must not stop them from
    draining): the real one, or a test's virtual one shared with the client's limiter. The daily
    budget follows the sandbox clock's date.
    """

    def __init__(
        self,
        limits: ApiBudget,
        clock: SandboxClock,
        *,
        daily_limit: int | None,
        retry_after_share: float,
        seed: int,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._limits = limits
        self._clock = clock
        self._monotonic = monotonic
        self._daily = daily_limit if daily_limit is not None else limits.per_day
        self._retry_after_share = retry_after_share
        self._rng = random.Random(seed)
        self._lock = threading.Lock()
        self._burst: dict[str, deque[float]] = {}
        self._search: deque[float] = deque()
        self._day: str = ""
        self._day_used = 0

    def reset(self) -> None:
        with self._lock:
            self._burst.clear()
            self._search.clear()
            self._day_used = 0

    def spend_day(self, leave: int) -> None:
        """Use up today's daily budget but `leave` calls, as other apps of the account would."""
        with self._lock:
            self._roll_day()
            if self._daily is not None:
                self._day_used = max(0, self._daily - leave)

    def admit(self, token: str, *, search: bool) -> Admission:
        """Count one call or raise the 429 HubSpot would send."""
        with self._lock:
            now = self._monotonic()
            self._roll_day()
            if self._daily is not None and self._day_used >= self._daily:
                raise self._error(
                    "You have reached your daily limit.", "DAILY", None, self._daily_headers()
                )
            if search:
                return self._admit_search(now)
            return self._admit_burst(token, now)

    def _admit_search(self, now: float) -> Admission:
        limit = self._limits.search_per_second
        if limit is not None:
            window = _trim(self._search, now - SEARCH_WINDOW_SECONDS)
            if len(window) >= limit:
                wait = SEARCH_WINDOW_SECONDS - (now - window[0])
                # Search responses carry no rate-limit headers, not even on a 429.
                raise self._error("You have reached your secondly limit.", "SECONDLY", wait, {})
            window.append(now)
        self._day_used += 1
        return Admission({})

    def _admit_burst(self, token: str, now: float) -> Admission:
        limit = self._limits.per_ten_seconds
        headers = self._daily_headers()
        if limit is None:
            self._day_used += 1
            return Admission(self._daily_headers())
        window = _trim(self._burst.setdefault(token, deque()), now - BURST_WINDOW_SECONDS)
        headers.update(
            {
                "X-HubSpot-RateLimit-Interval-Milliseconds": str(
                    round(BURST_WINDOW_SECONDS * 1000)
                ),
                "X-HubSpot-RateLimit-Max": str(limit),
            }
        )
        if len(window) >= limit:
            headers["X-HubSpot-RateLimit-Remaining"] = "0"
            wait = BURST_WINDOW_SECONDS - (now - window[0])
            raise self._error(
                "You have reached your ten_secondly_rolling limit.",
                "TEN_SECONDLY_ROLLING",
                wait,
                headers,
            )
        window.append(now)
        self._day_used += 1
        headers["X-HubSpot-RateLimit-Remaining"] = str(limit - len(window))
        headers.update(self._daily_headers())
        return Admission(headers)

    def _daily_headers(self) -> dict[str, str]:
        if self._daily is None:
            return {}
        return {
            "X-HubSpot-RateLimit-Daily": str(self._daily),
            "X-HubSpot-RateLimit-Daily-Remaining": str(max(0, self._daily - self._day_used)),
        }

    def _roll_day(self) -> None:
        today = self._clock.now().date().isoformat()
        if today != self._day:
            self._day = today
            self._day_used = 0

    def _error(
        self, message: str, policy: str, wait: float | None, headers: dict[str, str]
    ) -> ApiError:
        sent = dict(headers)
        if wait is not None and self._rng.random() < self._retry_after_share:
            sent["Retry-After"] = str(max(1, math.ceil(wait)))
        return rate_limit_error(message, policy, sent)


def rate_limit_error(message: str, policy: str, headers: dict[str, str]) -> ApiError:
    """HubSpot's 429 body: status, message, errorType RATE_LIMIT, correlationId, policyName."""
    extra: dict[str, str] = {
        "errorType": "RATE_LIMIT",
        "policyName": policy,
        "requestId": str(uuid.uuid4()),
    }
    if policy == "TEN_SECONDLY_ROLLING":
        extra["groupName"] = "publicapi:private-app"
    return ApiError(429, "", message, extra=extra, headers=headers)


def _trim(window: deque[float], horizon: float) -> deque[float]:
    while window and window[0] <= horizon:
        window.popleft()
    return window

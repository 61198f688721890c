"""Everything one sandbox portal holds, shared by the HTTP handlers and the `Sandbox` facade."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from connector.sandbox.clock import SandboxClock
from connector.sandbox.config import TIERS, SandboxConfig
from connector.sandbox.faults import FaultInjector
from connector.sandbox.ratelimit import RateLimiter
from connector.sandbox.store import Store

CountKey = tuple[str, str, int]

#: How often a held request looks whether the sandbox is stopping (s).
_HOLD_POLL_SECONDS = 0.05


class LateRequests:
    """Requests held by a LATE or APPLIED_STALL fault until a test lets them finish.

    A test decides when HubSpot "completes late" (`release`) instead of sleeping: the client's
    read timeout fires while the request is held, and the write lands exactly when the test
    says, before or after the connector's next run looked for it.
    """

    def __init__(self) -> None:
        self._gate = threading.Event()
        self._done = threading.Condition()
        self._held = 0

    def hold(self, seconds: float, stop: threading.Event) -> None:
        """Block until released, `seconds` pass or `stop` is set; call `finished` after."""
        with self._done:
            self._held += 1
        deadline = time.monotonic() + seconds
        while not self._gate.is_set() and not stop.is_set():
            left = deadline - time.monotonic()
            if left <= 0:
                break
            self._gate.wait(min(left, _HOLD_POLL_SECONDS))

    def finished(self) -> None:
        with self._done:
            self._held -= 1
            self._done.notify_all()

    def release(self, timeout: float = 10.0) -> int:
        """Let every held request finish (its write applied); returns how many were held."""
        with self._done:
            count = self._held
            self._gate.set()
            self._done.wait_for(lambda: self._held == 0, timeout=timeout)
            self._gate.clear()
        return count


@dataclass
class Portal:
    """The portal's state: configuration, clock, data, faults, rate limits and request counts."""

    config: SandboxConfig
    clock: SandboxClock
    store: Store
    faults: FaultInjector
    limiter: RateLimiter
    tokens: dict[str, frozenset[str]]
    counts: Counter[CountKey] = field(default_factory=Counter)
    counts_lock: threading.Lock = field(default_factory=threading.Lock)
    search_cache: dict[str, tuple[str, int, list[str]]] = field(default_factory=dict)
    stop_event: threading.Event = field(default_factory=threading.Event)
    late: LateRequests = field(default_factory=lambda: LateRequests())

    @classmethod
    def build(
        cls, config: SandboxConfig, *, monotonic: Callable[[], float] = time.monotonic
    ) -> Portal:
        """An empty portal (the caller seeds it); `monotonic` times the rate-limit windows."""
        clock = SandboxClock(config.now)
        store = Store(
            clock,
            search_lag_ms=config.search_lag_ms,
            lifecycle_backward=config.lifecycle_backward,
        )
        limiter = RateLimiter(
            TIERS[config.tier],
            clock,
            daily_limit=config.daily_limit,
            retry_after_share=config.retry_after_share,
            seed=config.seed,
            monotonic=monotonic,
        )
        return cls(config, clock, store, FaultInjector(config.faults), limiter, config.tokens())

    def count(self, method: str, template: str, status: int) -> None:
        with self.counts_lock:
            self.counts[(method, template, status)] += 1

    def request_counts(self) -> dict[CountKey, int]:
        with self.counts_lock:
            return dict(self.counts)

    def reset_counts(self) -> None:
        with self.counts_lock:
            self.counts.clear()

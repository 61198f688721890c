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

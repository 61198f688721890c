"""Per-run accounting of HubSpot calls: by endpoint, by status, retries and 429s (thread-safe)."""

from __future__ import annotations

import threading
from collections import Counter, defaultdict

from connector.hubspot.models import CallStats

#: Status keys for attempts that got no HTTP answer.
TIMEOUT_KEY = "timeout"
CONNECTION_ERROR_KEY = "connection_error"


class CallAccounting:
    """Counts every attempt (a retried call counts once per attempt, as HubSpot counts it)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._reset()

    def _reset(self) -> None:
        self._by_endpoint: Counter[str] = Counter()
        self._by_status: Counter[str] = Counter()
        self._by_endpoint_status: defaultdict[str, Counter[str]] = defaultdict(Counter)
        self._retries_by_endpoint: Counter[str] = Counter()
        self._retries = 0
        self._rate_limited = 0
        self._errors = 0

    def record_attempt(self, endpoint: str, status: str) -> None:
        """One request went out on `endpoint` and ended with `status` ("200", "429", "timeout"…)."""
        with self._lock:
            self._by_endpoint[endpoint] += 1
            self._by_status[status] += 1
            self._by_endpoint_status[endpoint][status] += 1
            if status == "429":
                self._rate_limited += 1
            if not status.startswith("2"):
                self._errors += 1

    def record_retry(self, endpoint: str) -> None:
        with self._lock:
            self._retries += 1
            self._retries_by_endpoint[endpoint] += 1

    def snapshot(self) -> CallStats:
        with self._lock:
            return CallStats(
                calls_by_endpoint=dict(self._by_endpoint),
                calls_by_status=dict(self._by_status),
                retries=self._retries,
                rate_limited=self._rate_limited,
                total_calls=sum(self._by_endpoint.values()),
                calls_by_endpoint_status={k: dict(v) for k, v in self._by_endpoint_status.items()},
                retries_by_endpoint=dict(self._retries_by_endpoint),
                error_responses=self._errors,
            )

    def reset(self) -> None:
        with self._lock:
            self._reset()

"""The sandbox's clock: real UTC time unless a test freezes it or moves it."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta


class SandboxClock:
    """A thread-safe clock that tests can freeze, move and release.

    Every timestamp the sandbox stamps (createdate, lastmodifieddate, search lag, the daily
    budget's midnight) comes from here, so decay and SLA work can be tested at fixed instants.
    """

    def __init__(self, start: datetime | None = None) -> None:
        self._lock = threading.Lock()
        self._frozen: datetime | None = start
        self._offset = timedelta(0)

    def now(self) -> datetime:
        """The current sandbox instant (timezone-aware UTC)."""
        with self._lock:
            if self._frozen is not None:
                return self._frozen
            return datetime.now(UTC) + self._offset

    def now_ms(self) -> int:
        """The current sandbox instant in epoch milliseconds."""
        return to_ms(self.now())

    @property
    def frozen(self) -> bool:
        with self._lock:
            return self._frozen is not None

    def freeze(self, at: datetime | None = None) -> None:
        """Stop the clock at `at` (default: now)."""
        instant = at if at is not None else self.now()
        if instant.tzinfo is None:
            raise ValueError("freeze needs a timezone-aware datetime")
        with self._lock:
            self._frozen = instant.astimezone(UTC)

    def advance(self, delta: timedelta) -> None:
        """Move the clock forward (or back, with a negative delta), frozen or not."""
        with self._lock:
            if self._frozen is not None:
                self._frozen += delta
            else:
                self._offset += delta

    def unfreeze(self) -> None:
        """Let the clock run again from where it was frozen."""
        with self._lock:
            if self._frozen is not None:
                self._offset = self._frozen - datetime.now(UTC)
                self._frozen = None


def to_ms(instant: datetime) -> int:
    """Epoch milliseconds of a timezone-aware instant."""
    return int(instant.timestamp() * 1000)


def iso_ms(ms: int) -> str:
    """HubSpot's timestamp format: ISO-8601 UTC with milliseconds ("2026-11-23T10:00:00.123Z")."""
    instant = datetime.fromtimestamp(ms / 1000, tz=UTC)
    return instant.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ms % 1000:03d}Z"

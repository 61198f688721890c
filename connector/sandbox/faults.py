"""Deterministic fault injection: the n-th eligible request's fate depends only on (seed, n)."""

from __future__ import annotations

import hashlib
import random
import threading
from dataclasses import dataclass
from enum import Enum

from connector.sandbox.config import FaultConfig

SERVER_ERRORS = (500, 502, 503, 504)


class FaultKind(Enum):
    NONE = "none"
    SERVER_ERROR = "server_error"
    STALL = "stall"
    CUT = "cut"
    LATE = "late"  # held, then applied: completed after the client timed out
    APPLIED_STALL = "applied_stall"  # applied, then the answer held past the client's timeout
    RATE_LIMIT = "rate_limit"
    SHORT_PAGE = "short_page"


@dataclass(frozen=True, slots=True)
class Fault:
    """What to do to one request."""

    kind: FaultKind
    status: int = 0
    sequence: int = 0


NO_FAULT = Fault(FaultKind.NONE)


class FaultInjector:
    """Decides faults from a `FaultConfig`; thread-safe; `configure` restarts the sequence."""

    def __init__(self, config: FaultConfig | None = None) -> None:
        self._lock = threading.Lock()
        self._config = config or FaultConfig()
        self._sequence = 0
        self._burst_left = 0
        self.history: list[tuple[int, str, int]] = []

    @property
    def config(self) -> FaultConfig:
        return self._config

    def configure(self, config: FaultConfig) -> None:
        """Replace the fault set and start its sequence from zero."""
        with self._lock:
            self._config = config
            self._sequence = 0
            self._burst_left = 0
            self.history = []

    def clear(self) -> None:
        """Stop injecting faults."""
        self.configure(FaultConfig())

    def rejects_record(self, record_id: str) -> bool:
        """Whether batch updates of this record fail (the same ids for a given seed)."""
        rate = self._config.reject_record_rate
        if rate <= 0:
            return False
        digest = hashlib.sha256(f"{self._config.seed}:{record_id}".encode()).digest()
        return int.from_bytes(digest[:8], "big") / 2**64 < rate

    def decide(self, path: str, *, search: bool) -> Fault:
        """The fault for the next request to `path` (NO_FAULT when none applies)."""
        with self._lock:
            cfg = self._config
            if not cfg.active:
                return NO_FAULT
            if cfg.only_paths and not any(p in path for p in cfg.only_paths):
                return NO_FAULT
            n = self._sequence
            self._sequence += 1
            fault = self._draw(cfg, n, search)
            if fault.kind is not FaultKind.NONE:
                self.history.append((n, fault.kind.value, fault.status))
            return fault

    def _draw(self, cfg: FaultConfig, n: int, search: bool) -> Fault:
        if self._burst_left > 0:
            self._burst_left -= 1
            return Fault(FaultKind.RATE_LIMIT, 429, n)
        # A private generator per request: the decision for request n never depends on how
        # many random numbers earlier decisions consumed.
        rng = random.Random(f"{cfg.seed}:{n}")
        roll = rng.random()
        edge = cfg.burst_rate
        if roll < edge:
            self._burst_left = max(0, cfg.burst_length - 1)
            return Fault(FaultKind.RATE_LIMIT, 429, n)
        edge += cfg.error_rate
        if roll < edge:
            return Fault(FaultKind.SERVER_ERROR, rng.choice(cfg.error_statuses or SERVER_ERRORS), n)
        edge += cfg.stall_rate
        if roll < edge:
            return Fault(FaultKind.STALL, 0, n)
        edge += cfg.cut_rate
        if roll < edge:
            return Fault(FaultKind.CUT, 0, n)
        edge += cfg.late_rate
        if roll < edge:
            return Fault(FaultKind.LATE, 0, n)
        edge += cfg.applied_stall_rate
        if roll < edge:
            return Fault(FaultKind.APPLIED_STALL, 0, n)
        edge += cfg.short_page_rate if search else 0.0
        if roll < edge:
            return Fault(FaultKind.SHORT_PAGE, 0, n)
        return NO_FAULT

"""What `/readyz` checks: the state store answers, HubSpot is reachable, the last run did not fail.

HubSpot's reachability is a TCP connection to the API host (DNS, routing, firewall, TLS port),
cached for `PROBE_TTL`: it spends none of the portal's API budget, which a platform probing every
few seconds would otherwise eat (every authenticated call counts against the daily and the
10-second limits, whatever it reads). What a TCP connection cannot see (a revoked token, a missing
scope, 5xx storms) fails the next run, and a failed last run makes the worker not ready: the runs
themselves are the deep check, every sync interval.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final
from urllib.parse import urlsplit

from connector.errors import ConnectorError
from connector.run_health import HEALTH_LOOKBACK, newest_real_run
from connector.run_health import needs_attention as run_alerts
from connector.state import StateStore

#: How long a HubSpot reachability answer is reused: probes every few seconds cost one
#: connection a half-minute.
PROBE_TTL: Final = 30.0
#: A readiness probe must answer within the platform's probe timeout (often 1–5 s).
PROBE_TIMEOUT: Final = 2.0

Connect = Callable[[tuple[str, int], float], socket.socket]


@dataclass(frozen=True, slots=True)
class Check:
    name: str
    ok: bool
    detail: str


class ReachabilityProbe:
    """Opens a TCP connection to HubSpot's API host at most once per `ttl` seconds."""

    def __init__(
        self,
        base_url: str,
        *,
        ttl: float = PROBE_TTL,
        timeout: float = PROBE_TIMEOUT,
        monotonic: Callable[[], float] = time.monotonic,
        connect: Connect = socket.create_connection,
    ) -> None:
        parts = urlsplit(base_url)
        default_port = 443 if parts.scheme == "https" else 80
        self._address = (parts.hostname or "", parts.port or default_port)
        self._ttl, self._timeout = ttl, timeout
        self._monotonic, self._connect = monotonic, connect
        self._lock = threading.Lock()
        self._answer: tuple[float, Check] | None = None

    def check(self) -> Check:
        with self._lock:  # concurrent probes share one connection attempt
            now = self._monotonic()
            if self._answer is not None and now - self._answer[0] < self._ttl:
                return self._answer[1]
            answer = self._probe()
            self._answer = (now, answer)
            return answer

    def _probe(self) -> Check:
        host, port = self._address
        try:
            self._connect(self._address, self._timeout).close()
        except OSError as exc:
            reason = type(exc).__name__ if not exc.strerror else exc.strerror
            return Check("hubspot", False, f"cannot connect to {host}:{port}: {reason}")
        return Check("hubspot", True, f"{host}:{port} accepts connections")


class Readiness:
    """The checks behind `/readyz`; ready when every one passes."""

    def __init__(
        self,
        *,
        store: StateStore,
        portal: str,
        hubspot: ReachabilityProbe,
        last_outcome: Callable[[], str | None],
    ) -> None:
        self._store = store
        self._portal = portal
        self._hubspot = hubspot
        self._last_outcome = last_outcome

    def checks(self) -> list[Check]:
        return [*self._store_and_last_run(), self._hubspot.check()]

    def _store_and_last_run(self) -> list[Check]:
        # One small query answers both: the store is up, and what its newest real run did (an
        # admin's failed dry run must not take the worker out of service).
        try:
            runs = self._store.recent_runs(self._portal, HEALTH_LOOKBACK)
        except ConnectorError:
            # The message names the URL (without password); the type is enough for a probe.
            return [
                Check("state_store", False, f"the state store at {self._store.url} failed"),
                Check("last_run", False, "unknown: the state store did not answer"),
            ]
        store = Check("state_store", True, "answers")
        last = newest_real_run(runs)
        if last is not None and run_alerts(last):
            why = last.summary.get("error") or last.summary.get("reason") or "no reason recorded"
            return [store, Check("last_run", False, f"run {last.id} {last.status}: {why}")]
        if self._last_outcome() == "failed":
            # A run that raised before it could record its end: only this process knows.
            return [store, Check("last_run", False, "failed in this process (see the log)")]
        detail = f"run {last.id} {last.status}" if last is not None else "no run yet"
        return [store, Check("last_run", True, detail)]

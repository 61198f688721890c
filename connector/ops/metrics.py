"""The worker's Prometheus metrics, updated from each run's summary in one place.

Counters add a finished run's numbers, so over a worker's life each counter equals the sum of the
summaries of the runs it served (`connector status --json` shows the same numbers per run).
Gauges hold the newest value. The registry is the worker's own, not prometheus_client's global
one: nothing imported by accident (a library's metrics, a test's second worker) leaks into it.

`docs/operations.md` says what each metric means and which alerts to set on them.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, Final

from prometheus_client import CollectorRegistry, Counter, Gauge

#: Every outcome a run can have, created at zero so `increase()` sees the first failure.
RUN_OUTCOMES: Final = ("ok", "failed", "interrupted", "lease_lost", "skipped")

#: Counter name -> the run-summary key it adds up.
_CONTACT_COUNTERS: Final = {
    "connector_contacts_pulled": ("pulled", "Contacts pulled from HubSpot (search pages)."),
    "connector_contacts_scored": ("scored", "Contacts scored against the rules."),
    "connector_contacts_written": (
        "written",
        "Contacts whose changed properties HubSpot accepted (a dry run: would have written).",
    ),
    "connector_contacts_failed": (
        "failed",
        "Contacts whose writes HubSpot refused; they became dead letters.",
    ),
}

#: Summary keys of the handoffs a run left for a later one, by the reason label they get.
_HANDOFF_WAITING_REASONS: Final = {
    "handoffs_parked": "parked",
    "handoffs_waiting": "waiting",
    "handoffs_unassigned": "unassigned",
}
#: The same from the summary's `handoff_capacity` section (the caps and the backfill backlog).
_CAPACITY_WAITING_REASONS: Final = {"queued": "queued", "backlog": "backlog"}


class WorkerMetrics:
    """The metrics of one `connector run` process, in their own registry."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self._runs = Counter("connector_runs", "Sync runs by outcome.", ["outcome"], registry=r)
        for outcome in RUN_OUTCOMES:
            self._runs.labels(outcome=outcome)
        self._last_success = Gauge(
            "connector_last_success_timestamp_seconds",
            "When the newest successful run finished (Unix time; 0: none yet).",
            registry=r,
        )
        self._last_duration = Gauge(
            "connector_last_run_duration_seconds", "How long the newest run took.", registry=r
        )
        self._contacts = {
            name: (key, Counter(name, doc, registry=r))
            for name, (key, doc) in _CONTACT_COUNTERS.items()
        }
        self._calls = Counter(
            "connector_hubspot_calls",
            "HubSpot API requests by endpoint and HTTP status (each retry counts, as HubSpot "
            "counts it; 'timeout' and 'connection_error' got no answer).",
            ["endpoint", "status"],
            registry=r,
        )
        self._rate_limited = Counter(
            "connector_hubspot_rate_limited", "HubSpot answers 429 (rate limited).", registry=r
        )
        self._retries = Counter(
            "connector_hubspot_retries", "HubSpot requests retried.", registry=r
        )
        self._cursor_lag = Gauge(
            "connector_cursor_lag_seconds",
            "How far the cursor was behind the newest run's start, after that run.",
            registry=r,
        )
        self._cursor_ts = Gauge(
            "connector_cursor_timestamp_seconds",
            "The cursor after the newest run (Unix time): every contact modified before it is "
            "scored and written.",
            registry=r,
        )
        self._dead_letters = Gauge(
            "connector_dead_letters",
            "Contacts waiting in the dead-letter queue for a retry, after the newest run.",
            registry=r,
        )
        self._handoffs_created = Counter(
            "connector_handoffs_created", "SDR tasks created for handoffs.", registry=r
        )
        self._handoffs_breached = Counter(
            "connector_handoffs_breached",
            "Handoffs whose SLA deadline passed without a first touch (escalated once each).",
            registry=r,
        )
        self._handoffs_queued = Gauge(
            "connector_handoffs_queued",
            "Handoffs the newest run left for a later run, by reason.",
            ["reason"],
            registry=r,
        )
        #: The newest run's outcome in this process (None: no run yet); readiness reads it.
        self.last_outcome: str | None = None

    def record_run(
        self, outcome: str, summary: Mapping[str, Any], *, finished_at: datetime
    ) -> None:
        """Add one finished run: the one place the metrics follow a run's summary."""
        self.last_outcome = outcome
        self._runs.labels(outcome=outcome).inc()
        if outcome == "ok":
            self._last_success.set(finished_at.timestamp())
        if outcome == "skipped":
            return  # another worker ran the portal: this one has no numbers to add
        self._last_duration.set(float(summary.get("duration_seconds") or 0.0))
        for key, counter in self._contacts.values():
            counter.inc(int(summary.get(key) or 0))
        by_endpoint_status: Mapping[str, Mapping[str, int]] = summary.get(
            "api_calls_by_endpoint_status", {}
        )
        for endpoint, statuses in by_endpoint_status.items():
            for status, count in statuses.items():
                self._calls.labels(endpoint=endpoint, status=status).inc(count)
        self._rate_limited.inc(int(summary.get("rate_limited") or 0))
        self._retries.inc(int(summary.get("retries") or 0))
        if summary.get("cursor_lag_seconds") is not None:
            self._cursor_lag.set(float(summary["cursor_lag_seconds"]))
        if summary.get("cursor"):
            self._cursor_ts.set(datetime.fromisoformat(str(summary["cursor"])).timestamp())
        self._handoffs_created.inc(int(summary.get("handoffs_created") or 0))
        self._handoffs_breached.inc(int(summary.get("handoffs_escalated") or 0))
        capacity = summary.get("handoff_capacity")
        sections = [(summary, _HANDOFF_WAITING_REASONS)]
        if isinstance(capacity, Mapping):
            sections.append((capacity, _CAPACITY_WAITING_REASONS))
        for section, reasons in sections:
            for key, reason in reasons.items():
                # A key a run does not report leaves its label out rather than claiming zero.
                if key in section:
                    self._handoffs_queued.labels(reason=reason).set(int(section[key] or 0))

    def record_crash(self) -> None:
        """A run that raised instead of returning a result (bad token, state store gone)."""
        self.last_outcome = "failed"
        self._runs.labels(outcome="failed").inc()

    def set_dead_letters(self, count: int) -> None:
        self._dead_letters.set(count)

    def seed(self, *, last_success: datetime | None, cursor: datetime | None) -> None:
        """What the state store knows at start-up, so a restart does not look like an outage
        (an alert on `time() - connector_last_success_timestamp_seconds` would see 1970)."""
        if last_success is not None:
            self._last_success.set(last_success.timestamp())
        if cursor is not None:
            self._cursor_ts.set(cursor.timestamp())

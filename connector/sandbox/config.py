"""The sandbox's configuration values: portal size, token and scopes, tier, lag and faults."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType

from connector.hubspot_facts import API_BUDGETS, ApiBudget

OBJECT_TYPE_IDS: Mapping[str, str] = MappingProxyType(
    {
        "contacts": "0-1",
        "companies": "0-2",
        "tasks": "0-27",
        "notes": "0-46",
        "meetings": "0-47",
        "calls": "0-48",
        "emails": "0-49",
    }
)
_SINGULAR: Mapping[str, str] = MappingProxyType(
    {
        "contact": "contacts",
        "company": "companies",
        "task": "tasks",
        "note": "notes",
        "call": "calls",
        "email": "emails",
        "meeting": "meetings",
    }
)
_BY_ID: Mapping[str, str] = MappingProxyType({v: k for k, v in OBJECT_TYPE_IDS.items()})


def canonical_object_type(name: str) -> str | None:
    """Map a path segment (`contacts`, `contact`, `0-1`) to the sandbox's object type name."""
    lowered = name.lower()
    if lowered in OBJECT_TYPE_IDS:
        return lowered
    return _SINGULAR.get(lowered) or _BY_ID.get(lowered)


def _read_write(name: str) -> tuple[str, str]:
    return f"crm.objects.{name}.read", f"crm.objects.{name}.write"


ALL_SCOPES: frozenset[str] = frozenset(
    {
        *_read_write("contacts"),
        *_read_write("companies"),
        "crm.objects.owners.read",
        "crm.schemas.contacts.read",
        "crm.schemas.contacts.write",
        "crm.schemas.companies.read",
        "crm.schemas.companies.write",
    }
)
"""Every scope a private app can carry for the endpoints the sandbox serves."""


#: The API budget of each tier the sandbox can play (`--tier`).
TIERS: Mapping[str, ApiBudget] = MappingProxyType(API_BUDGETS)


@dataclass(frozen=True, slots=True)
class FaultConfig:
    """Failures to inject, decided per request from `seed` and the request's sequence number.

    The same seed and the same sequence of eligible requests give the same faults.

    Attributes:
        seed: Seeds the fault sequence.
        error_rate: Share of requests answered 500/502/503/504 before the handler runs.
        error_statuses: The statuses `error_rate` draws from (empty: 500, 502, 503, 504).
        error_after_write: Run the handler (apply the write) before answering the error, as
            HubSpot's edge does when it gives up on a request the backend completes.
        stall_rate: Share of requests that stall `stall_seconds` before answering.
        stall_seconds: How long a stalled request sleeps (past a client read timeout).
        cut_rate: Share of requests whose response is cut: headers and part of the body are
            sent, then the connection closes. The handler has run (a write is applied).
        late_rate: Share of requests HubSpot completes after the client gave up: the request is
            held (until `Sandbox.release_late_requests`, `stall_seconds` or shutdown), *then*
            the handler runs and the write is applied; the answer goes to a client that has
            timed out and perhaps already looked for what it wrote.
        applied_stall_rate: Share of requests whose write is applied at once but whose answer
            is held the same way: the client times out although HubSpot did the work.
        burst_rate: Share of requests that start a burst of `burst_length` 429 answers.
        burst_length: Requests answered 429 TEN_SECONDLY_ROLLING in one burst.
        short_page_rate: Share of search pages cut shorter than `limit` that still carry
            `paging.next.after`.
        only_paths: When set, only requests whose path contains one of these strings are
            eligible for faults (e.g. ``("/search",)``).
        reject_record_rate: Share of record ids (chosen by a hash of `seed` and the id, so the
            same records every time) whose batch updates HubSpot rejects with a per-record
            VALIDATION_ERROR in a 207, as it does for a record-level problem.
    """

    seed: int = 0
    error_rate: float = 0.0
    error_statuses: tuple[int, ...] = ()
    error_after_write: bool = False
    stall_rate: float = 0.0
    stall_seconds: float = 5.0
    cut_rate: float = 0.0
    late_rate: float = 0.0
    applied_stall_rate: float = 0.0
    burst_rate: float = 0.0
    burst_length: int = 3
    short_page_rate: float = 0.0
    only_paths: tuple[str, ...] = ()
    reject_record_rate: float = 0.0

    @property
    def active(self) -> bool:
        """True when any fault can fire."""
        return any(
            rate > 0
            for rate in (
                self.error_rate,
                self.stall_rate,
                self.cut_rate,
                self.late_rate,
                self.applied_stall_rate,
                self.burst_rate,
                self.short_page_rate,
            )
        )


@dataclass(frozen=True, slots=True)
class SandboxConfig:
    """How to build and serve one sandbox portal.

    Attributes:
        seed: Seed for the generated portal.
        contacts: Contacts to seed (0 for an empty portal with owners only).
        token: The Bearer token the portal accepts, carrying `scopes`.
        scopes: Scopes of `token`.
        tier: free, starter, professional, enterprise or unlimited.
        search_lag_ms: Delay (sandbox clock) before a write becomes visible to search.
        port: TCP port on 127.0.0.1; 0 picks a free one.
        faults: Failures to inject.
        extra_tokens: More tokens and their scopes (e.g. a read-only app).
        now: When set, the clock starts frozen at this instant.
        daily_limit: Overrides the tier's daily budget (small values let tests reach it).
        retry_after_share: Share of rate-limit 429s that carry `Retry-After` (HubSpot sends it
            only sometimes).
        lifecycle_backward: What a backward `lifecyclestage` write does: "ignore" (200, value
            kept) or "error" (400 VALIDATION_ERROR). See docs/hubspot-behavior.md.
        association_page_size: Associations per record per page in v4 batch read.
        custom_property_limit: Custom properties allowed per object type.
    """

    seed: int = 1
    contacts: int = 1000
    token: str = "sandbox-token"
    scopes: frozenset[str] = ALL_SCOPES
    tier: str = "unlimited"
    search_lag_ms: int = 0
    port: int = 0
    faults: FaultConfig = field(default_factory=FaultConfig)
    extra_tokens: Mapping[str, frozenset[str]] = field(default_factory=dict)
    now: datetime | None = None
    daily_limit: int | None = None
    retry_after_share: float = 0.5
    lifecycle_backward: str = "ignore"
    association_page_size: int = 500
    custom_property_limit: int = 1000

    def __post_init__(self) -> None:
        if self.tier not in TIERS:
            raise ValueError(f"unknown tier {self.tier!r}; use one of {', '.join(TIERS)}")
        if self.lifecycle_backward not in ("ignore", "error"):
            raise ValueError("lifecycle_backward must be 'ignore' or 'error'")
        if self.now is not None and self.now.tzinfo is None:
            raise ValueError("now must be timezone-aware")

    def tokens(self) -> dict[str, frozenset[str]]:
        """Every accepted token with its scopes."""
        return {self.token: frozenset(self.scopes), **dict(self.extra_tokens)}

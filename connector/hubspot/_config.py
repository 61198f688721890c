"""`GatewayConfig`: what the gateway needs to reach one portal, from the connector's settings."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import tzinfo
from zoneinfo import ZoneInfo

from connector.hubspot_facts import (
    BURST_WINDOW_SECONDS,
    DEFAULT_CALLS_PER_TEN_SECONDS,
    DEFAULT_SEARCHES_PER_SECOND,
    SEARCH_WINDOW_SECONDS,
)
from connector.settings import Settings


@dataclass(frozen=True, slots=True)
class GatewayConfig:
    """Everything the gateway needs; `from_settings` fills it from the connector's settings.

    Times are seconds. The last four fields tune retry waits; tests shorten them.
    """

    base_url: str
    access_token: str = field(repr=False)
    connect_timeout: float = 5.0
    read_timeout: float = 30.0
    call_time_cap: float = 120.0
    requests_per_10s: int = DEFAULT_CALLS_PER_TEN_SECONDS
    search_per_second: int = DEFAULT_SEARCHES_PER_SECOND
    daily_limit: int | None = None
    #: The portal's time zone (its midnight resets the daily budget); None: unknown, a spent
    #: budget is probed hourly (docs/gateway.md, "Daily budget").
    daily_reset_zone: tzinfo | None = None
    ten_secondly_wait: float = BURST_WINDOW_SECONDS
    secondly_wait: float = SEARCH_WINDOW_SECONDS
    backoff_base: float = 0.5
    backoff_max: float = 30.0
    #: How long HubSpot may stay unreachable (refused, DNS, connect timeout), across calls,
    #: before every call fails at once: an unreachable HubSpot fails a run in about this long.
    unreachable_cap: float = 20.0

    @classmethod
    def from_settings(cls, settings: Settings) -> GatewayConfig:
        """The settings' endpoint, token, timeouts and budgets (ConfigError with no token)."""
        return cls(
            base_url=settings.base_url,
            access_token=settings.require_token(),
            connect_timeout=settings.connect_timeout_seconds,
            read_timeout=settings.read_timeout_seconds,
            call_time_cap=settings.call_time_cap_seconds,
            unreachable_cap=settings.unreachable_cap_seconds,
            requests_per_10s=settings.requests_per_10s,
            search_per_second=settings.search_per_second,
            daily_limit=settings.daily_limit,
            daily_reset_zone=(
                ZoneInfo(settings.hubspot_timezone) if settings.hubspot_timezone else None
            ),
        )

"""The HubSpot gateway: the only code that imports `hubspot-api-client`.

Public surface: `HubSpotGateway`, `GatewayConfig`, `RateLimiter`, `Timer`, `Budget`,
`LimiterSnapshot`. They are loaded lazily so that importing `connector.hubspot.models` does not
import the SDK.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from connector.hubspot._config import GatewayConfig
    from connector.hubspot._limiter import Budget, LimiterSnapshot, RateLimiter, Timer
    from connector.hubspot.gateway import HubSpotGateway

__all__ = ["Budget", "GatewayConfig", "HubSpotGateway", "LimiterSnapshot", "RateLimiter", "Timer"]

_LOCATIONS = {
    "Budget": "connector.hubspot._limiter",
    "LimiterSnapshot": "connector.hubspot._limiter",
    "RateLimiter": "connector.hubspot._limiter",
    "Timer": "connector.hubspot._limiter",
    "GatewayConfig": "connector.hubspot._config",
    "HubSpotGateway": "connector.hubspot.gateway",
}


def __getattr__(name: str) -> Any:
    if name in _LOCATIONS:
        import importlib

        return getattr(importlib.import_module(_LOCATIONS[name]), name)
    raise AttributeError(f"module 'connector.hubspot' has no attribute {name!r}")

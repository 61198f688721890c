"""Gateway fixtures: a gateway factory pointed at a sandbox, with small timeouts and caps."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
import structlog

from connector.hubspot import GatewayConfig, HubSpotGateway
from connector.hubspot._limiter import Timer
from connector.sandbox import Sandbox

MakeGateway = Callable[..., HubSpotGateway]


@pytest.fixture(autouse=True)
def _fresh_structlog() -> Iterator[None]:
    """Log through structlog's defaults, whatever an earlier test in this worker configured.

    CLI tests configure logging onto pytest's captured stderr, which is closed after them; a
    later gateway log line would then fail with "I/O operation on closed file".
    """
    saved = structlog.get_config()
    structlog.reset_defaults()
    yield
    structlog.configure(**saved)


@pytest.fixture(name="make_gateway")
def _make_gateway() -> MakeGateway:
    """`make_gateway(sandbox, timer=None, **GatewayConfig overrides)`: a gateway with test-sized
    timeouts (`timer` drives its limiter and retry waits)."""

    def make(sandbox: Sandbox, *, timer: Timer | None = None, **overrides: Any) -> HubSpotGateway:
        settings: dict[str, Any] = {
            "base_url": sandbox.base_url,
            "access_token": sandbox.token,
            "connect_timeout": 1.0,
            "read_timeout": 2.0,
            "call_time_cap": 10.0,
            "requests_per_10s": 1000,
            "search_per_second": 50,
            "ten_secondly_wait": 0.2,
            "secondly_wait": 0.2,
            "backoff_base": 0.05,
            "backoff_max": 0.5,
        }
        settings.update(overrides)
        return HubSpotGateway(GatewayConfig(**settings), timer=timer)

    return make


@pytest.fixture(name="gateway")
def _gateway(sandbox: Sandbox, make_gateway: MakeGateway) -> HubSpotGateway:
    return make_gateway(sandbox)

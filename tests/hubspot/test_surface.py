"""The gateway's public surface: exports, the HubSpotPort contract, and SDK set-up facts."""

from __future__ import annotations

import inspect

import pytest

import connector.hubspot as package
from connector.errors import RetriableHubSpotError
from connector.hubspot import GatewayConfig, HubSpotGateway
from connector.sandbox import FaultConfig
from connector.settings import load_settings
from connector.sync.ports import HubSpotPort
from tests.conftest import MakeSandbox
from tests.hubspot.conftest import MakeGateway


def test_exported_members() -> None:
    assert sorted(package.__all__) == [
        "Budget",
        "GatewayConfig",
        "HubSpotGateway",
        "LimiterSnapshot",
        "RateLimiter",
        "Timer",
    ]
    for name in package.__all__:
        assert getattr(package, name).__name__ == name


def test_gateway_implements_every_port_method_with_the_same_signature() -> None:
    port_methods = {
        name: member
        for name, member in inspect.getmembers(HubSpotPort, inspect.isfunction)
        if not name.startswith("_")
    }
    assert port_methods
    for name, member in port_methods.items():
        ours = getattr(HubSpotGateway, name)
        expected = inspect.signature(member).parameters
        got = inspect.signature(ours).parameters
        assert list(got) == list(expected), name
        for param in expected:
            assert got[param].kind == expected[param].kind, f"{name}({param})"
            assert (got[param].default is inspect.Parameter.empty) == (
                expected[param].default is inspect.Parameter.empty
            ), f"{name}({param})"


def test_from_settings_reads_timeouts_limits_and_keeps_the_token_out_of_repr() -> None:
    token = "pat-na1-abcdef12-0000-0000-0000-000000000000"
    settings = load_settings(
        HUBSPOT_ACCESS_TOKEN=token,
        HUBSPOT_BASE_URL="http://127.0.0.1:9",
        CONNECTOR_READ_TIMEOUT=7,
        CONNECTOR_CALL_TIME_CAP=30,
        CONNECTOR_REQUESTS_PER_10S=150,
    )
    gateway = HubSpotGateway.from_settings(settings)
    config: GatewayConfig = gateway._config
    assert (config.read_timeout, config.call_time_cap, config.requests_per_10s) == (7, 30, 150)
    assert config.base_url == "http://127.0.0.1:9"
    assert token not in repr(config)
    assert gateway.limiter.snapshot().burst_capacity == 150


def test_sdk_retries_are_off_so_every_attempt_is_ours_and_counted(
    make_sandbox: MakeSandbox, make_gateway: MakeGateway
) -> None:
    sandbox = make_sandbox(contacts=10, faults=FaultConfig(error_rate=1.0))
    gateway = make_gateway(sandbox, call_time_cap=1.0)
    with pytest.raises(RetriableHubSpotError):
        gateway.list_contacts(properties=["email"], limit=1)
    seen_by_hubspot = sum(sandbox.request_counts().values())
    assert seen_by_hubspot == gateway.stats().total_calls >= 2


def test_api_objects_are_built_once_and_reuse_their_connection_pool(
    make_sandbox: MakeSandbox, make_gateway: MakeGateway
) -> None:
    sandbox = make_sandbox(contacts=10)
    gateway = make_gateway(sandbox)
    pool_before = gateway._contacts_basic.api_client.rest_client.pool_manager
    for _ in range(3):
        gateway.list_contacts(properties=["email"], limit=1)
    assert gateway._contacts_basic.api_client.rest_client.pool_manager is pool_before
    assert len(pool_before.pools) == 1  # one host pool, reused by every call

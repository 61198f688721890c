"""The HubSpot reachability check behind /readyz: a TCP connection, reused for its TTL, so that
platform probes every few seconds spend no API call and few connections."""

from __future__ import annotations

import socket

from connector.ops import ReachabilityProbe
from tests.conftest import MakeSandbox


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_the_probe_connects_once_per_ttl_and_spends_no_api_call(
    make_sandbox: MakeSandbox,
) -> None:
    sandbox = make_sandbox(contacts=10, seed=36)
    clock = FakeClock()
    connects: list[tuple[str, int]] = []

    def connect(address: tuple[str, int], timeout: float) -> socket.socket:
        connects.append(address)
        return socket.create_connection(address, timeout)

    probe = ReachabilityProbe(sandbox.base_url, ttl=30.0, monotonic=clock, connect=connect)
    before = sum(sandbox.request_counts().values())
    answers = [probe.check() for _ in range(5)]
    clock.now += 29.9
    answers.append(probe.check())
    assert len(connects) == 1
    clock.now += 0.2
    answers.append(probe.check())
    assert len(connects) == 2
    assert all(a.ok for a in answers)
    assert connects[0] == ("127.0.0.1", sandbox.port)
    assert sum(sandbox.request_counts().values()) == before  # no HTTP request reached HubSpot


def test_an_unreachable_host_is_not_ready_and_says_where() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed = sock.getsockname()[1]
    probe = ReachabilityProbe(f"http://127.0.0.1:{closed}")
    answer = probe.check()
    assert not answer.ok
    assert f"127.0.0.1:{closed}" in answer.detail


def test_the_default_port_follows_the_scheme() -> None:
    seen: list[tuple[str, int]] = []

    def connect(address: tuple[str, int], timeout: float) -> socket.socket:
        seen.append(address)
        raise OSError("no network in this test")

    ReachabilityProbe("https://api.hubapi.com", connect=connect).check()
    ReachabilityProbe("http://localhost", connect=connect).check()
    assert seen == [("api.hubapi.com", 443), ("localhost", 80)]

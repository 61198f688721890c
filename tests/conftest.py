"""Shared fixtures: sandboxes (a local HubSpot on loopback) started and stopped per test."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import structlog

from connector.sandbox import Sandbox, SandboxConfig

MakeSandbox = Callable[..., Sandbox]


@pytest.fixture(name="make_sandbox")
def _make_sandbox() -> Iterator[MakeSandbox]:
    """A factory: `make_sandbox(**SandboxConfig overrides)` returns a started sandbox.

    `monotonic=` (not a config field) gives the sandbox's rate limiter a virtual clock. Every
    sandbox it made is stopped after the test.
    """
    started: list[Sandbox] = []

    def make(*, monotonic: Callable[[], float] = time.monotonic, **overrides: Any) -> Sandbox:
        settings: dict[str, Any] = {"seed": 1, "contacts": 1000, "tier": "unlimited"}
        settings.update(overrides)
        sandbox = Sandbox(SandboxConfig(**settings), monotonic=monotonic).start()
        started.append(sandbox)
        return sandbox

    yield make
    for sandbox in started:
        sandbox.stop()


@pytest.fixture(name="sandbox")
def _sandbox(make_sandbox: MakeSandbox) -> Sandbox:
    """A started sandbox: 1,000 contacts, unlimited tier, seed 1."""
    return make_sandbox()


@pytest.fixture(autouse=True)
def _no_fixed_worker_port(monkeypatch: pytest.MonkeyPatch) -> None:
    """`connector run` in a test (and in the child processes it starts, which copy the
    environment) binds a free port, never the default 9108 that parallel tests would share."""
    monkeypatch.setenv("CONNECTOR_HTTP_PORT", "0")


@pytest.fixture(autouse=True)
def _restore_logging() -> Iterator[None]:
    """Tests that run the CLI configure structlog onto pytest's captured streams; put it back."""
    yield
    structlog.reset_defaults()

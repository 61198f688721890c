"""Fixtures for the sandbox tests."""

from __future__ import annotations

import hubspot
import pytest

from connector.sandbox import Sandbox
from tests.sandbox.helpers import client_for


@pytest.fixture(name="client")
def _client(sandbox: Sandbox) -> hubspot.HubSpot:
    """The official SDK aimed at the default sandbox."""
    return client_for(sandbox)

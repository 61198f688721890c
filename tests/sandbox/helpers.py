"""Helpers for the sandbox tests: an SDK client pointed at a sandbox, JSON bodies of errors."""

from __future__ import annotations

import json
from typing import Any

import hubspot

from connector.sandbox import Sandbox

TIMEOUT = (2.0, 5.0)  # (connect, read) seconds on every SDK call: the SDK has no default


def client_for(sandbox: Sandbox, token: str | None = None) -> hubspot.HubSpot:
    """An official SDK client aimed at the sandbox."""
    return hubspot.HubSpot(access_token=token or sandbox.token, host=sandbox.base_url)


def body_of(exc: BaseException) -> dict[str, Any]:
    """The JSON body of an SDK ApiException."""
    raw = getattr(exc, "body", None)
    assert raw, f"no body on {exc!r}"
    parsed: dict[str, Any] = json.loads(raw)
    return parsed

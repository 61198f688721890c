"""Test doubles for the gateway's pure parts: a fake clock, HTTP answers shaped like urllib3's."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from typing import Any

from connector.hubspot._limiter import Timer


class FakeClock:
    """Monotonic time that only moves when someone sleeps (thread-safe)."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start
        self.sleeps: list[float] = []
        self._lock = threading.Lock()

    def monotonic(self) -> float:
        with self._lock:
            return self.now

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self.sleeps.append(seconds)
            self.now += max(0.0, seconds)

    def advance(self, seconds: float) -> None:
        with self._lock:
            self.now += seconds

    def timer(self) -> Timer:
        return Timer(monotonic=self.monotonic, sleep=self.sleep)


@dataclass
class FakeResponse:
    """What urllib3 returns with preload_content=False: status, headers, data, release_conn."""

    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    released: bool = False

    @property
    def data(self) -> bytes:
        if self.body is None:
            return b""
        if isinstance(self.body, bytes):
            return self.body
        return json.dumps(self.body).encode()

    @property
    def reason(self) -> str:
        return "reason"

    def getheaders(self) -> dict[str, str]:
        return self.headers

    def getheader(self, name: str, default: str | None = None) -> str | None:
        return self.headers.get(name, default)

    def release_conn(self) -> None:
        self.released = True


def sdk_error(status: int, body: Any = None, headers: dict[str, str] | None = None) -> Exception:
    """The exception the SDK's REST layer raises for a non-2xx answer (contacts package)."""
    from hubspot.crm.contacts.exceptions import (
        ApiException,
        ForbiddenException,
        NotFoundException,
        ServiceException,
        UnauthorizedException,
    )

    resp = FakeResponse(status=status, body=body, headers=headers or {})
    cls: type[ApiException] = ApiException
    if status == 401:
        cls = UnauthorizedException
    elif status == 403:
        cls = ForbiddenException
    elif status == 404:
        cls = NotFoundException
    elif 500 <= status <= 599:
        cls = ServiceException
    exc = cls(http_resp=resp)
    # The SDK's api_client decodes the body to str before re-raising.
    exc.body = exc.body.decode("utf-8") if isinstance(exc.body, bytes) else exc.body
    return exc


def hubspot_error_body(
    category: str, message: str, *, correlation_id: str = "c0ffee00-0000-4000-8000-000000000001"
) -> dict[str, Any]:
    return {
        "status": "error",
        "message": message,
        "correlationId": correlation_id,
        "category": category,
    }

"""Test doubles for the gateway's pure parts: fake clocks, HTTP answers shaped like urllib3's."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
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


class VirtualClock:
    """Time shared by several worker threads that moves only when all of them are asleep.

    Work between two sleeps (an HTTP call to the sandbox included) takes no virtual time. When
    the last running worker goes to sleep, the clock jumps to the earliest wake-up and wakes
    whoever is due. So a run that waits out rate-limit windows for 90 virtual seconds takes as
    long as its calls do, and its virtual duration does not depend on how busy the machine is.

    Only threads inside `worker()` may sleep on it; the test thread may read it.
    """

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start
        self._cond = threading.Condition()
        self._running = 0
        self._wakeups: list[float] = []  # one entry per sleeping worker

    def monotonic(self) -> float:
        with self._cond:
            return self.now

    def sleep(self, seconds: float) -> None:
        with self._cond:
            if self._running <= 0:
                raise RuntimeError("VirtualClock.sleep outside worker(): nobody would wake it")
            wake = self.now + max(0.0, seconds)
            self._wakeups.append(wake)
            self._running -= 1
            self._advance_if_idle()
            while self.now < wake:
                self._cond.wait()
            self._wakeups.remove(wake)
            self._running += 1

    @contextmanager
    def worker(self) -> Iterator[None]:
        """Count the calling thread as running until it leaves the block."""
        with self._cond:
            self._running += 1
        try:
            yield
        finally:
            with self._cond:
                self._running -= 1
                self._advance_if_idle()

    def timer(self) -> Timer:
        return Timer(monotonic=self.monotonic, sleep=self.sleep)

    def _advance_if_idle(self) -> None:
        # A sleeper already due has been notified but not yet run: time must wait for it.
        if self._running == 0 and self._wakeups and min(self._wakeups) > self.now:
            self.now = min(self._wakeups)
            self._cond.notify_all()


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

"""`Sandbox`: a seeded portal served on 127.0.0.1 from a background thread."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from types import TracebackType

from connector.sandbox.clock import SandboxClock
from connector.sandbox.config import FaultConfig, SandboxConfig
from connector.sandbox.faults import FaultInjector
from connector.sandbox.loader import load_portal
from connector.sandbox.portal import CountKey, Portal
from connector.sandbox.server import SandboxServer
from connector.sandbox.store import Store

HOST = "127.0.0.1"


class Sandbox:
    """A local HubSpot portal. Use as a context manager, or call `start()`/`stop()`.

    Example:
        >>> with Sandbox(SandboxConfig(contacts=100)) as sb:  # doctest: +SKIP
        ...     client = hubspot.HubSpot(access_token=sb.token, host=sb.base_url)
    """

    def __init__(
        self,
        config: SandboxConfig | None = None,
        *,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        """Build and seed the portal; `monotonic` is the clock of the rate-limit windows (tests
        share a virtual one with the client so that waiting out a window takes no real time)."""
        self.config = config or SandboxConfig()
        self._portal = Portal.build(self.config, monotonic=monotonic)
        self.loaded = load_portal(
            self._portal.store,
            seed=self.config.seed,
            contacts=self.config.contacts,
            now=self._portal.clock.now(),
        )
        self._server: SandboxServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle -------------------------------------------------------------------------

    def start(self) -> Sandbox:
        """Bind 127.0.0.1:`port` (0 = any free port) and serve from a daemon thread."""
        if self._server is not None:
            return self
        self._portal.stop_event.clear()
        self._server = SandboxServer((HOST, self.config.port), self._portal)
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"sandbox-{self.port}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving; stalled requests are released at once."""
        if self._server is None:
            return
        self._portal.stop_event.set()
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = None
        self._thread = None

    def serve_forever(self) -> None:
        """Serve in the calling thread until interrupted (the CLI uses this)."""
        if self._server is None:
            self._server = SandboxServer((HOST, self.config.port), self._portal)
        try:
            self._server.serve_forever(poll_interval=0.2)
        finally:
            self._portal.stop_event.set()
            self._server.server_close()
            self._server = None

    def bind(self) -> None:
        """Bind the port without serving yet (so `base_url` is known before serving)."""
        if self._server is None:
            self._server = SandboxServer((HOST, self.config.port), self._portal)

    def __enter__(self) -> Sandbox:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # -- what tests use --------------------------------------------------------------------

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("the sandbox is not serving; call start() first")
        return int(self._server.server_address[1])

    @property
    def base_url(self) -> str:
        return f"http://{HOST}:{self.port}"

    @property
    def token(self) -> str:
        return self.config.token

    @property
    def store(self) -> Store:
        return self._portal.store

    @property
    def clock(self) -> SandboxClock:
        return self._portal.clock

    @property
    def faults(self) -> FaultInjector:
        return self._portal.faults

    def configure_faults(self, faults: FaultConfig) -> None:
        self._portal.faults.configure(faults)

    def release_late_requests(self, timeout: float = 10.0) -> int:
        """Let requests held by a `late_rate` / `applied_stall_rate` fault finish, their writes
        applied, and return how many there were (waits up to `timeout` for them)."""
        return self._portal.late.release(timeout)

    def request_counts(self) -> dict[CountKey, int]:
        """{(method, path_template, status): n} since start or the last reset."""
        return self._portal.request_counts()

    def reset_counts(self) -> None:
        self._portal.reset_counts()

    def reset_rate_limits(self) -> None:
        self._portal.limiter.reset()

    def spend_daily_budget(self, *, leave: int) -> None:
        """Spend today's daily budget (by the sandbox clock) down to `leave` calls."""
        self._portal.limiter.spend_day(leave)

    def reseed(self, *, seed: int | None = None, contacts: int | None = None) -> dict[str, int]:
        """Replace every record with a freshly generated portal."""
        self._portal.search_cache.clear()
        return load_portal(
            self._portal.store,
            seed=self.config.seed if seed is None else seed,
            contacts=self.config.contacts if contacts is None else contacts,
            now=self._portal.clock.now(),
        )

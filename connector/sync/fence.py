"""The portal's lease as a fence: no HubSpot write from a worker that no longer holds it.

A worker frozen past the lease's ttl (a stopped container, a long GC pause, SIGSTOP) may find
another worker syncing its portal when it wakes. Every write to HubSpot therefore goes through
`FencedPort`, which has the gateway ask the state store whether this worker still holds the
lease (and extend it: one conditional update) right before each attempt of the request is sent,
after the rate limiter's wait and any retry's backoff (`connector.hubspot.write_guard`). Once
the answer is no, it stays no: every later write of the run raises `LeaseLost`, and the run
drops what it had queued and ends.

A check and its request are not atomic (HubSpot has no fencing tokens), so a worker frozen
exactly between the two could still send that one request; the check also compares the run's
clock with the expiry it last set, which costs nothing, and nothing but the send itself comes
between them.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

from connector.errors import ConnectorError
from connector.hubspot.models import (
    BatchOutcome,
    NewProperty,
    NewTask,
    RecordUpdate,
)
from connector.hubspot.write_guard import guarding_writes
from connector.logging import get_logger
from connector.sync.ports import HubSpotPort, ReadThrough, SyncState

log = get_logger(__name__)


class LeaseLost(ConnectorError):
    """This worker no longer holds the portal's lease: it must not write anything more."""


class Fence:
    """Whether this worker still holds the portal's lease; safe to call from any thread."""

    def __init__(
        self,
        store: SyncState,
        *,
        portal: str,
        worker: str,
        ttl: timedelta,
        clock: Callable[[], datetime],
        expires_at: datetime,
    ) -> None:
        self._store = store
        self._portal = portal
        self._worker = worker
        self._ttl = ttl
        self._clock = clock
        self._expires_at = expires_at
        self._lock = threading.Lock()
        self.lost = False
        self.checks = 0

    def renew(self) -> bool:
        """Extend the lease if it is still ours; False (and lost for good) otherwise."""
        with self._lock:
            if self.lost:
                return False
            now = self._clock()
            self.checks += 1
            # Past the expiry we set, another worker may already hold the portal: even a
            # successful renewal would come too late for what that worker wrote meanwhile.
            if now >= self._expires_at or not self._store.renew_lease(
                self._portal, worker_id=self._worker, now=now, ttl=self._ttl
            ):
                self.lost = True
                log.error(
                    "lease_lost", worker=self._worker, expired_at=self._expires_at.isoformat()
                )
                return False
            self._expires_at = now + self._ttl
            return True

    def check(self) -> None:
        """Raise `LeaseLost` unless this worker still holds the lease."""
        if not self.renew():
            raise LeaseLost(
                "this worker lost the portal's lease (frozen past its ttl, or taken over); "
                "it writes nothing more and ends the run"
            )


class FencedPort(ReadThrough):
    """A `HubSpotPort` whose writes (contact and task updates, task and property creation)
    are sent only while the fence holds, checked before each request; reads pass through."""

    def __init__(self, port: HubSpotPort, fence: Fence) -> None:
        super().__init__(port)
        self._fence = fence

    # -- writes: fenced ---------------------------------------------------------------------

    def update_contacts(self, updates: Sequence[RecordUpdate]) -> BatchOutcome:
        with guarding_writes(self._fence.check):
            return self._inner.update_contacts(updates)

    def create_tasks(self, tasks: Sequence[NewTask]) -> BatchOutcome:
        with guarding_writes(self._fence.check):
            return self._inner.create_tasks(tasks)

    def update_tasks(self, updates: Sequence[RecordUpdate]) -> BatchOutcome:
        with guarding_writes(self._fence.check):
            return self._inner.update_tasks(updates)

    def create_property_group(self, object_type: str, name: str, label: str) -> None:
        with guarding_writes(self._fence.check):
            self._inner.create_property_group(object_type, name, label)

    def create_properties(
        self, object_type: str, properties: Sequence[NewProperty]
    ) -> BatchOutcome:
        with guarding_writes(self._fence.check):
            return self._inner.create_properties(object_type, properties)

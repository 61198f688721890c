"""A check that runs right before each attempt of a write is sent, after the limiter's wait.

The caller that must stop writing at some point (the run's lease: `connector/sync/fence.py`)
wraps a write in `guarding_writes(check)`; the transport calls the check just before every
attempt it sends inside it, retries included. Checking only before the call would leave the
limiter's wait (seconds when the 10-second budget is full) and any retry's backoff between the
check and the request: time in which the lease can lapse. The check raises to stop the write.

A context variable carries it, so it holds for the calls made inside the `with` on this thread
(the writer pool runs each batch in a copy of the run's context) and for nothing else.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_CHECK: ContextVar[Callable[[], None] | None] = ContextVar("write_guard", default=None)


@contextmanager
def guarding_writes(check: Callable[[], None]) -> Iterator[None]:
    """Run `check` before each request attempt sent inside the block."""
    token = _CHECK.set(check)
    try:
        yield
    finally:
        _CHECK.reset(token)


def check_before_sending() -> None:
    """Called by the transport once the limiter let an attempt through, before it is sent."""
    check = _CHECK.get()
    if check is not None:
        check()

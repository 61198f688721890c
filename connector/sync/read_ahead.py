"""Iterate pages on a reader thread, a few pages ahead of the thread that consumes them.

The backfill's requests (search and list pages) mostly wait on HubSpot; the run's thread mostly
scores and writes. Reading ahead overlaps the two without changing what either does: pages come
out in the order they were read, a reader's error comes out where its page would have, and when
the consumer stops early (a stop, a lost lease, a failure) the reader finishes the request in
flight and ends; pages read but not consumed are dropped, and so were never checkpointed.

The reader can ask how many pages wait for the consumer (`waiting`): the backfill holds its list
half back while they do, so the 10-second budget goes to the writes that are behind.
"""

from __future__ import annotations

import contextvars
import queue
import threading
from collections.abc import Generator, Iterable
from typing import Generic, TypeVar

T = TypeVar("T")

_DONE = object()


class _Failed:
    def __init__(self, error: BaseException) -> None:
        self.error = error


class ReadAhead(Generic[T]):
    """A buffer of at most `depth` pages between one reader thread and the consumer."""

    def __init__(self, depth: int) -> None:
        self._buffer: queue.Queue[object] = queue.Queue(maxsize=depth)
        self._closed = threading.Event()

    def waiting(self) -> int:
        """Pages read that the consumer has not taken yet; 0 once it has stopped (it takes no
        more), so a reader waiting for it goes on to its next page, whose hand-over ends it."""
        return 0 if self._closed.is_set() else self._buffer.qsize()

    def pause(self, seconds: float) -> None:
        """Wait a while before looking again, less if the consumer stops meanwhile."""
        self._closed.wait(seconds)

    def read(self, pages: Iterable[T]) -> Generator[T, None, None]:
        """`pages`, read on a thread of their own; iterate it once."""

        def read() -> None:
            try:
                for page in pages:
                    if not self._put(page):
                        return
                self._put(_DONE)
            except BaseException as exc:  # handed to the consumer, raised there
                self._put(_Failed(exc))

        # A copy of the run's context, so the reader's log lines carry its run id and portal.
        reader = threading.Thread(
            target=contextvars.copy_context().run, args=(read,), name="read-ahead", daemon=True
        )
        reader.start()
        try:
            while True:
                item = self._buffer.get()
                if item is _DONE:
                    return
                if isinstance(item, _Failed):
                    raise item.error
                yield item  # type: ignore[misc]
        finally:
            self._closed.set()
            reader.join()

    def _put(self, item: object) -> bool:
        while not self._closed.is_set():
            try:
                self._buffer.put(item, timeout=0.05)
                return True
            except queue.Full:
                continue
        return False

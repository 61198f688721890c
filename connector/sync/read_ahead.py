"""Iterate pages on reader threads, a few pages ahead of the thread that consumes them.

The backfill's requests (search and list pages) mostly wait on HubSpot; the run's thread mostly
scores and writes. Reading ahead overlaps the two without changing what either does: pages come
out in the order they were handed over, a reader's error comes out where its page would have,
and when the consumer stops early (a stop, a lost lease, a failure) each reader finishes the
request in flight and ends; pages read but not consumed are dropped, and so were never
checkpointed.

`read_ahead` reads one iterable on one thread; `read_with` runs several readers (the backfill's
two halves, one per budget, so neither waits for the other's request) into the same buffer.
"""

from __future__ import annotations

import contextvars
import queue
import threading
from collections.abc import Callable, Generator, Iterable, Sequence
from typing import Generic, TypeVar

T = TypeVar("T")

_DONE = object()


class _Failed:
    def __init__(self, error: BaseException) -> None:
        self.error = error


class Feed(Generic[T]):
    """What a reader hands its pages to."""

    def __init__(self, depth: int) -> None:
        self._buffer: queue.Queue[object] = queue.Queue(maxsize=depth)
        self._closed = threading.Event()

    def put(self, item: T) -> bool:
        """Hand over a page (waiting for room); False once the consumer has stopped."""
        return self._put(item)

    def waiting(self) -> int:
        """Pages handed over that the consumer has not taken yet."""
        return self._buffer.qsize()

    def wait(self, seconds: float) -> bool:
        """Wait a while for the budget to free up; True once the consumer has stopped."""
        return self._closed.wait(seconds)

    def _put(self, item: object) -> bool:
        while not self._closed.is_set():
            try:
                self._buffer.put(item, timeout=0.05)
                return True
            except queue.Full:
                continue
        return False


Reader = Callable[[Feed[T]], None]


def read_ahead(pages: Iterable[T], depth: int) -> Generator[T, None, None]:
    """`pages`, read on a thread of their own at most `depth` pages ahead."""

    def read(feed: Feed[T]) -> None:
        for page in pages:
            if not feed.put(page):
                return

    return read_with([read], depth)


def read_with(readers: Sequence[Reader[T]], depth: int) -> Generator[T, None, None]:
    """What the readers hand over, each reader on a thread of its own, at most `depth` pages
    ahead of the consumer; it ends once every reader has returned."""
    feed: Feed[T] = Feed(depth)

    def run(reader: Reader[T]) -> None:
        try:
            reader(feed)
            feed._put(_DONE)
        except BaseException as exc:  # handed to the consumer, raised there
            feed._put(_Failed(exc))

    # Copies of the run's context, so the readers' log lines carry its run id and portal.
    threads = [
        threading.Thread(
            target=contextvars.copy_context().run, args=(run, r), name="read-ahead", daemon=True
        )
        for r in readers
    ]
    for thread in threads:
        thread.start()
    try:
        running = len(threads)
        while running:
            item = feed._buffer.get()
            if item is _DONE:
                running -= 1
                continue
            if isinstance(item, _Failed):
                raise item.error
            yield item  # type: ignore[misc]
    finally:
        feed._closed.set()
        for thread in threads:
            thread.join()

"""Iterate pages on a reader thread, a few pages ahead of the thread that consumes them.

The backfill's requests (search and list pages) mostly wait on HubSpot; the run's thread mostly
scores and writes. Reading ahead overlaps the two without changing what either does: pages come
out in the order they were read, a reader's error comes out where its page would have, and when
the consumer stops early (a stop, a lost lease, a failure) the reader finishes the request in
flight and ends; pages read but not consumed are dropped, and so were never checkpointed.
"""

from __future__ import annotations

import contextvars
import queue
import threading
from collections.abc import Generator, Iterable
from typing import TypeVar

T = TypeVar("T")

_DONE = object()


class _Failed:
    def __init__(self, error: BaseException) -> None:
        self.error = error


def read_ahead(pages: Iterable[T], depth: int) -> Generator[T, None, None]:
    """`pages`, read on a thread of their own at most `depth` pages ahead."""
    buffer: queue.Queue[object] = queue.Queue(maxsize=depth)
    closed = threading.Event()

    def put(item: object) -> bool:
        while not closed.is_set():
            try:
                buffer.put(item, timeout=0.05)
                return True
            except queue.Full:
                continue
        return False

    def read() -> None:
        try:
            for page in pages:
                if not put(page):
                    return
            put(_DONE)
        except BaseException as exc:  # handed to the consumer, raised there
            put(_Failed(exc))

    # A copy of the run's context, so the reader's log lines carry its run id and portal.
    reader = threading.Thread(
        target=contextvars.copy_context().run, args=(read,), name="read-ahead", daemon=True
    )
    reader.start()
    try:
        while True:
            item = buffer.get()
            if item is _DONE:
                return
            if isinstance(item, _Failed):
                raise item.error
            yield item  # type: ignore[misc]
    finally:
        closed.set()
        reader.join()

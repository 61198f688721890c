"""Reading pages ahead on a thread: same pages, same order, errors where they happened, and an
early stop ends the reader without reading on."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from connector.sync.read_ahead import read_ahead


def test_pages_come_out_in_order_and_all_of_them() -> None:
    assert list(read_ahead(iter(range(50)), 2)) == list(range(50))


def test_a_readers_error_comes_out_after_the_pages_before_it() -> None:
    def pages() -> Iterator[int]:
        yield 1
        yield 2
        raise ValueError("HubSpot said no")

    got: list[int] = []
    with pytest.raises(ValueError, match="HubSpot said no"):
        for page in read_ahead(pages(), 2):
            got.append(page)
    assert got == [1, 2]


def test_stopping_early_ends_the_reader_a_few_pages_ahead_at_most() -> None:
    read: list[int] = []
    lock = threading.Lock()

    def pages() -> Iterator[int]:
        for n in range(1_000):
            with lock:
                read.append(n)
            yield n

    reader = read_ahead(pages(), 2)
    assert [next(reader) for _ in range(3)] == [0, 1, 2]
    reader.close()  # what a stop does to the run's loop
    assert not any(t.name == "read-ahead" and t.is_alive() for t in threading.enumerate())
    # The three consumed, two waiting in the buffer, one in the reader's hand, at most.
    assert len(read) <= 3 + 2 + 1

"""Reading pages ahead on a thread: same pages, same order, errors where they happened, an early
stop ends the reader without reading on, and the reader can see how many pages wait."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from connector.sync.read_ahead import ReadAhead


def test_pages_come_out_in_order_and_all_of_them() -> None:
    assert list(ReadAhead[int](2).read(iter(range(50)))) == list(range(50))


def test_a_readers_error_comes_out_after_the_pages_before_it() -> None:
    def pages() -> Iterator[int]:
        yield 1
        yield 2
        raise ValueError("HubSpot said no")

    got: list[int] = []
    with pytest.raises(ValueError, match="HubSpot said no"):
        for page in ReadAhead[int](2).read(pages()):
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

    reader = ReadAhead[int](2).read(pages())
    assert [next(reader) for _ in range(3)] == [0, 1, 2]
    reader.close()  # what a stop does to the run's loop
    assert not any(t.name == "read-ahead" and t.is_alive() for t in threading.enumerate())
    # The three consumed, two waiting in the buffer, one in the reader's hand, at most.
    assert len(read) <= 3 + 2 + 1


def test_the_reader_sees_how_many_pages_wait_for_the_consumer() -> None:
    ahead = ReadAhead[int](4)
    three_read, counted = threading.Event(), threading.Event()

    def pages() -> Iterator[int]:
        yield from range(3)
        three_read.set()  # 1 and 2 were handed over before the reader asked for more
        counted.wait(timeout=10)

    reader = ahead.read(pages())
    assert next(reader) == 0
    assert three_read.wait(timeout=10)
    assert ahead.waiting() == 2
    counted.set()
    assert list(reader) == [1, 2]
    assert ahead.waiting() == 0

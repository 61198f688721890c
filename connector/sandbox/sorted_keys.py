"""A sorted list of unique keys cut into chunks: O(log n + chunk) insert, remove and bisect.

A single Python list kept with `bisect.insort` costs a memmove of everything after the changed
position, and a write moves a record from anywhere to the end (its new last-modified time):
about 40 µs per record at 100,000 keys. Chunks of at most `2 * CHUNK` keys bound that to a short
memmove; positions (for `total` and paging) come from prefix sums of chunk lengths, rebuilt only
when a chunk changed size since the last lookup. This is the idea of `sortedcontainers`, kept
small instead of adding a dependency.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Iterator
from itertools import accumulate, islice
from typing import Any

# Chunk size: long enough that the list of chunk maxima stays short (100 chunks at 100k keys),
# short enough that an insert's memmove inside a chunk stays a few hundred pointers.
CHUNK = 1_000


class SortedKeys:
    """Unique, mutually comparable keys in ascending order."""

    __slots__ = ("_chunks", "_len", "_maxes", "_starts")

    def __init__(self, keys: Iterable[Any] = ()) -> None:
        ordered = sorted(keys)
        self._chunks: list[list[Any]] = [
            ordered[i : i + CHUNK] for i in range(0, len(ordered), CHUNK)
        ]
        self._maxes: list[Any] = [chunk[-1] for chunk in self._chunks]
        self._starts: list[int] | None = None
        self._len = len(ordered)

    def __len__(self) -> int:
        return self._len

    def add(self, key: Any) -> None:
        """Insert `key` (which must not be present)."""
        chunks, maxes = self._chunks, self._maxes
        if not chunks:
            chunks.append([key])
            maxes.append(key)
        else:
            at = bisect.bisect_left(maxes, key)
            if at == len(maxes):
                at -= 1
                chunks[at].append(key)
                maxes[at] = key
            else:
                bisect.insort(chunks[at], key)
            if len(chunks[at]) > 2 * CHUNK:
                chunk = chunks[at]
                chunks[at : at + 1] = [chunk[:CHUNK], chunk[CHUNK:]]
                maxes[at : at + 1] = [chunk[CHUNK - 1], chunk[-1]]
        self._len += 1
        self._starts = None

    def remove(self, key: Any) -> None:
        """Remove `key`; KeyError if absent."""
        at = bisect.bisect_left(self._maxes, key)
        if at == len(self._maxes):
            raise KeyError(key)
        chunk = self._chunks[at]
        pos = bisect.bisect_left(chunk, key)
        if chunk[pos] != key:
            raise KeyError(key)
        del chunk[pos]
        if chunk:
            self._maxes[at] = chunk[-1]
        else:
            del self._chunks[at]
            del self._maxes[at]
        self._len -= 1
        self._starts = None

    def _chunk_starts(self) -> list[int]:
        if self._starts is None:
            self._starts = [0, *accumulate(len(c) for c in self._chunks)]
        return self._starts

    def bisect_left(self, key: Any) -> int:
        """Position of the first key >= `key`."""
        at = bisect.bisect_left(self._maxes, key)
        if at == len(self._maxes):
            return self._len
        return self._chunk_starts()[at] + bisect.bisect_left(self._chunks[at], key)

    def bisect_right(self, key: Any) -> int:
        """Position of the first key > `key`."""
        at = bisect.bisect_right(self._maxes, key)
        if at == len(self._maxes):
            return self._len
        return self._chunk_starts()[at] + bisect.bisect_right(self._chunks[at], key)

    def __getitem__(self, position: int) -> Any:
        if not 0 <= position < self._len:
            raise IndexError(position)
        starts = self._chunk_starts()
        at = bisect.bisect_right(starts, position) - 1
        return self._chunks[at][position - starts[at]]

    def slice(self, start: int, stop: int) -> Iterator[Any]:
        """Keys at positions [start, stop), in order, without copying the whole range."""
        start, stop = max(start, 0), min(stop, self._len)
        if start >= stop:
            return iter(())
        starts = self._chunk_starts()
        first = bisect.bisect_right(starts, start) - 1
        return islice(self._iter_from(first, start - starts[first]), stop - start)

    def _iter_from(self, chunk_at: int, offset: int) -> Iterator[Any]:
        chunks = self._chunks
        yield from islice(chunks[chunk_at], offset, None)
        for chunk in islice(chunks, chunk_at + 1, None):
            yield from chunk

    def __iter__(self) -> Iterator[Any]:
        for chunk in self._chunks:
            yield from chunk

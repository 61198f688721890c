"""Which cursor position is safe to commit while writes are still in flight.

Every fed page gets a sequence number and a checkpoint ("all contacts modified at or before this
instant have been pulled", or during a backfill, which reads by id, how far the walk has read). A
checkpoint may be committed once no record from its page or an earlier one is still waiting for
company data, sitting in a write buffer, or being written.
"""

from __future__ import annotations

import threading
from collections import Counter
from datetime import datetime

from connector.sync.backfill import BackfillPosition

#: An instant (the cursor) or a backfill's position.
Checkpoint = datetime | BackfillPosition


class CheckpointTracker:
    """Thread-safe low-water mark over page sequence numbers."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._outstanding: Counter[int] = Counter()
        self._checkpoints: dict[int, Checkpoint] = {}
        self._next_seq = 0

    def open_page(self, checkpoint: Checkpoint | None) -> int:
        """Register a page; `checkpoint` None means the page does not move the cursor."""
        with self._lock:
            seq = self._next_seq
            self._next_seq += 1
            if checkpoint is not None:
                self._checkpoints[seq] = checkpoint
            return seq

    def hold(self, seq: int, count: int = 1) -> None:
        with self._lock:
            self._outstanding[seq] += count

    def release(self, seq: int, count: int = 1) -> None:
        with self._lock:
            self._outstanding[seq] -= count
            if self._outstanding[seq] <= 0:
                del self._outstanding[seq]

    def committable(self) -> Checkpoint | None:
        """The newest checkpoint whose page and all earlier pages are fully written."""
        with self._lock:
            low = min(self._outstanding, default=self._next_seq)
            ready = [seq for seq in self._checkpoints if seq < low]
            if not ready:
                return None
            newest = max(ready)
            point = self._checkpoints[newest]
            for seq in ready:
                del self._checkpoints[seq]
            return point

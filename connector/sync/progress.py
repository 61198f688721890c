"""A one-line progress bar on a terminal; silent otherwise (logs carry the counts)."""

from __future__ import annotations

import sys
import time
from typing import TextIO


class Progress:
    def __init__(self, *, label: str, total: int | None, stream: TextIO | None = None) -> None:
        self._stream = stream or sys.stderr
        self._enabled = self._stream.isatty()
        self._label = label
        self._total = total
        self._done = 0
        self._last = 0.0

    def advance(self, count: int) -> None:
        self._done += count
        now = time.monotonic()
        if self._enabled and now - self._last >= 0.2:
            self._last = now
            self._draw()

    def finish(self) -> None:
        if self._enabled:
            self._draw()
            self._stream.write("\n")
            self._stream.flush()

    def _draw(self) -> None:
        if self._total:
            share = min(1.0, self._done / self._total)
            bar = "#" * int(share * 30)
            text = f"\r{self._label} [{bar:<30}] {self._done:,}/{self._total:,}"
        else:
            text = f"\r{self._label} {self._done:,}"
        self._stream.write(text)
        self._stream.flush()

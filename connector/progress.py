"""Progress on stderr: a bar on a terminal; otherwise a plain counter line at each tenth of the
work (a review's portal read), or nothing (a sync, whose JSON logs carry the counts)."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import TextIO

#: Seconds between redraws of the bar: often enough to look alive, rarely enough to cost nothing.
BAR_REDRAW_SECONDS = 0.2
#: A log file or CI output gets a line at each tenth of the work, not a line per page.
COUNTER_STEPS = 10


class Progress:
    """Counts records read against an expected total that may grow (a second read joins in)."""

    def __init__(
        self,
        *,
        label: str,
        total: int | None = None,
        counter_lines: bool = False,
        stream: TextIO | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._stream = stream if stream is not None else sys.stderr
        self._bar = self._stream.isatty()
        self._counter_lines = counter_lines
        self._clock = clock
        self._label = label
        self._total = total or 0
        self._done = 0
        self._last_draw = -BAR_REDRAW_SECONDS
        self._next_step = 1
        self._printed = -1  # records counted on the last counter line

    def expect(self, total: int) -> None:
        self._total = total

    def advance(self, count: int) -> None:
        self._done += count
        if self._bar:
            now = self._clock()
            if now - self._last_draw >= BAR_REDRAW_SECONDS:
                self._last_draw = now
                self._draw_bar()
        elif (
            self._counter_lines
            and self._total
            and self._done * COUNTER_STEPS >= self._next_step * self._total
        ):
            self._next_step = self._done * COUNTER_STEPS // self._total + 1
            self._printed = self._done
            self._stream.write(f"{self._label}: {self._done:,} of {self._total:,}\n")
            self._stream.flush()

    def finish(self) -> None:
        if self._bar:
            self._draw_bar()
            self._stream.write("\n")
        elif self._counter_lines and self._printed != self._done:
            self._stream.write(f"{self._label}: {self._done:,} read\n")
        self._stream.flush()

    def _draw_bar(self) -> None:
        if self._total:
            share = min(1.0, self._done / self._total)
            bar = "#" * int(share * 30)
            text = f"\r{self._label} [{bar:<30}] {self._done:,}/{self._total:,}"
        else:
            text = f"\r{self._label} {self._done:,}"
        self._stream.write(text)
        self._stream.flush()

"""Plain-text tables and CSV for the command line (no dependency needed for this little)."""

from __future__ import annotations

import csv
from collections.abc import Sequence
from typing import TextIO


def table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    cells = [[str(h) for h in headers], *[["" if c is None else str(c) for c in r] for r in rows]]
    widths = [min(60, max(len(row[i]) for row in cells)) for i in range(len(headers))]

    def fmt(row: list[str]) -> str:
        return "  ".join(
            (c if len(c) <= w else c[: w - 1] + "…").ljust(w)
            for c, w in zip(row, widths, strict=True)
        ).rstrip()

    lines = [fmt(cells[0]), "  ".join("-" * w for w in widths)]
    lines.extend(fmt(r) for r in cells[1:])
    return "\n".join(lines)


def write_csv(stream: TextIO, headers: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
    writer = csv.writer(stream)
    writer.writerow(headers)
    writer.writerows(rows)

"""A read-only property mapping that costs a tuple, not a dict, per lead.

A review holds every lead of the period at once (100,000 and more): a dict of ~12 present
properties costs ~650 bytes before its values; a bit mask of which of the read's properties are
present and a tuple of only those values, against one shared layout, about 170. Short values that
repeat (stages, countries, counts, grades) are shared between rows too.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Generic, TypeVar

V = TypeVar("V")

#: Distinct short values shared between rows; past this many, new values are kept as they are.
SHARED_VALUES_MAX = 50_000
#: Values longer than this rarely repeat (free text, e-mail addresses).
SHARED_VALUE_CHARS = 40


class RowLayout:
    """The property names of one read, and the values its rows share."""

    __slots__ = ("_shared", "index", "names")

    def __init__(self, names: Sequence[str]) -> None:
        self.names = tuple(names)
        self.index = {name: i for i, name in enumerate(self.names)}
        self._shared: dict[str, str] = {}

    def pack(self, values: Mapping[str, V]) -> Row[V]:
        """Any values by name (stage dates, say), without sharing; names not laid out dropped."""
        found = sorted((self.index[n], v) for n, v in values.items() if n in self.index)
        mask = 0
        for at, _ in found:
            mask |= 1 << at
        return Row(self, mask, tuple(value for _, value in found))

    def row(self, properties: Mapping[str, str | None]) -> Row[str]:
        """The non-blank values of `properties` that this layout names."""
        found: list[tuple[int, str]] = []
        shared = self._shared
        for name, value in properties.items():
            at = self.index.get(name)
            if at is None or value is None or not value.strip():
                continue
            if len(value) <= SHARED_VALUE_CHARS and not _is_instant(value):
                kept = shared.get(value)
                if kept is not None:
                    value = kept
                elif len(shared) < SHARED_VALUES_MAX:
                    shared[value] = value
            found.append((at, value))
        found.sort()
        mask = 0
        for at, _ in found:
            mask |= 1 << at
        return Row(self, mask, tuple(value for _, value in found))


class Row(Mapping[str, V], Generic[V]):
    """One record's values, read like the dict HubSpot's JSON would give (blanks absent)."""

    __slots__ = ("_layout", "_mask", "_values")

    def __init__(self, layout: RowLayout, mask: int, values: tuple[V, ...]) -> None:
        self._layout = layout
        self._mask = mask  # bit i set: names[i] is present, its value at its rank among set bits
        self._values = values

    def _position(self, name: str) -> int | None:
        at = self._layout.index.get(name)
        if at is None or not (self._mask >> at) & 1:
            return None
        return (self._mask & ((1 << at) - 1)).bit_count()

    def __getitem__(self, name: str) -> V:
        position = self._position(name)
        if position is None:
            raise KeyError(name)
        return self._values[position]

    def get(self, name: str, default: V | None = None) -> V | None:  # type: ignore[override]
        position = self._position(name)
        return default if position is None else self._values[position]

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and self._position(name) is not None

    def __iter__(self) -> Iterator[str]:
        names, mask = self._layout.names, self._mask
        return (name for i, name in enumerate(names) if (mask >> i) & 1)

    def __len__(self) -> int:
        return len(self._values)

    def __repr__(self) -> str:
        return f"Row({dict(self)!r})"


def _is_instant(value: str) -> bool:
    """An ISO timestamp ("2026-11-20T09:15:00.000Z"): unique per record, never worth sharing."""
    return len(value) >= 19 and value[4] == "-" and value[10] == "T"

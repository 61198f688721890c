"""Over-filtering: converters the rules kept below the MQL bar or never handed off, and why.

"Why" is told three ways: the criteria that took points away, the data that was missing, and
the segments (one value, or two together) where such converters cluster.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import combinations

import numpy as np
import numpy.typing as npt

from connector.review.properties import is_numeric
from connector.review.scoring import ScoredLead, value_of
from connector.rules.values import parse_number

#: A segment must hold this many leads to be shown: smaller ones are anecdotes.
MIN_SEGMENT = 30
#: Properties with more distinct values than this (ids, free text) are not segmented on.
_MAX_LEVELS = 40
_TOP = 8
#: A pair is shown only when it converts this much better than each of its halves alone.
_PURER = 0.03
#: Pairs sized and judged: the ones holding the most held-back converters.
_PAIR_CANDIDATES = 400
_MISSING = "(missing)"

Key = tuple[tuple[str, str], ...]  # ((property, value),) or two of them


@dataclass(frozen=True, slots=True)
class HeldDown:
    what: str  # a criterion's label, "no engagement", or "<property> missing"
    kind: str  # "criterion", "disqualifier", "engagement" or "missing"
    converters: int  # over-filtered converters it applied to
    share: float  # of the over-filtered converters
    share_all: float  # of all leads, for contrast


@dataclass(frozen=True, slots=True)
class Segment:
    description: str  # e.g. "Lead Origin = Lead Add Form · Time on site = 0"
    leads: int
    converters: int
    held_back: int  # converters in it below the MQL bar
    rate: float


@dataclass(frozen=True, slots=True)
class OverFiltering:
    converters: int
    below_bar: int
    not_handed_off: int
    held_down: list[HeldDown]
    segments: list[Segment]

    @property
    def below_bar_share(self) -> float:
        return self.below_bar / self.converters if self.converters else 0.0

    @property
    def not_handed_off_share(self) -> float:
        return self.not_handed_off / self.converters if self.converters else 0.0


def over_filtering(
    scored: Sequence[ScoredLead],
    props: Sequence[str],
    segment_props: Sequence[str],
    labels: Mapping[str, str],
) -> OverFiltering:
    converters = [s for s in scored if s.converted]
    held = [s for s in converters if not s.above_mql_bar]
    return OverFiltering(
        converters=len(converters),
        below_bar=len(held),
        not_handed_off=sum(1 for s in converters if not s.handed_off),
        held_down=_held_down(scored, held, props, labels),
        segments=_segments(scored, segment_props, labels),
    )


def _causes(s: ScoredLead, props: Sequence[str], labels: Mapping[str, str]) -> set[tuple[str, str]]:
    found: set[tuple[str, str]] = set()
    d = s.decision
    if d.disqualified is not None:
        found.add((d.disqualified, "disqualifier"))
    found.update((criterion, "criterion") for criterion in d.penalized)
    if d.engagement_points <= 0:
        found.add(("no engagement points", "engagement"))
    for prop in props:
        if value_of(s.lead, prop) is None:
            found.add((f"{labels.get(prop, prop)} missing", "missing"))
    return found


def _held_down(
    scored: Sequence[ScoredLead],
    held: Sequence[ScoredLead],
    props: Sequence[str],
    labels: Mapping[str, str],
) -> list[HeldDown]:
    among_held: Counter[tuple[str, str]] = Counter()
    for s in held:
        among_held.update(_causes(s, props, labels))
    among_all: Counter[tuple[str, str]] = Counter()
    for s in scored:
        among_all.update(_causes(s, props, labels))
    n_held = len(held) or 1
    n_all = len(scored) or 1
    rows = [
        HeldDown(what, kind, count, count / n_held, among_all[(what, kind)] / n_all)
        for (what, kind), count in among_held.items()
    ]
    rows.sort(key=lambda r: (-r.converters, r.what))
    return rows[:_TOP]


def _segment_values(scored: Sequence[ScoredLead], prop: str) -> list[str] | None:
    raw = [value_of(s.lead, prop) for s in scored]
    if is_numeric(raw):
        numbers = [parse_number(v) if v is not None else None for v in raw]
        cuts = _tercile_cuts(numbers)
        return [_number_band(x, cuts) for x in numbers]
    texts = [_MISSING if v is None else v.strip() for v in raw]
    return texts if len(set(texts)) <= _MAX_LEVELS else None


@dataclass(frozen=True, slots=True)
class _Column:
    """One property's segment values as a code per lead (4 bytes, not a set entry per lead)."""

    levels: list[str]
    codes: npt.NDArray[np.int32]

    @classmethod
    def of(cls, values: Sequence[str]) -> _Column:
        index: dict[str, int] = {}
        codes = np.fromiter(
            (index.setdefault(v, len(index)) for v in values), dtype=np.int32, count=len(values)
        )
        return cls(list(index), codes)

    def counts(self, weights: npt.NDArray[np.bool_] | None = None) -> list[int]:
        found = np.bincount(self.codes, weights=weights, minlength=len(self.levels))
        return [int(x) for x in found]


def _tercile_cuts(numbers: Sequence[float | None]) -> tuple[float, float] | None:
    """The values a third and two thirds up the non-zero numbers (zero is its own band)."""
    present = sorted(x for x in numbers if x is not None and x != 0)
    if len(present) < 3:
        return None
    return present[len(present) // 3], present[2 * len(present) // 3]


def _number_band(x: float | None, cuts: tuple[float, float] | None) -> str:
    """A readable band: "(missing)", "0", or the lower, middle or upper third, e.g. "≤ 250"."""
    if x is None:
        return _MISSING
    if x == 0:
        return "0"
    if cuts is None:
        return "> 0" if x > 0 else "< 0"
    low, high = cuts
    if x <= low:
        return f"≤ {low:g}"
    return f"{low:g}–{high:g}" if x <= high else f"> {high:g}"


def _segments(
    scored: Sequence[ScoredLead], props: Sequence[str], labels: Mapping[str, str]
) -> list[Segment]:
    """Single values and pairs of values where held-back converters cluster.

    Only segments converting above the base rate are kept: those are the ones the rules wrongly
    keep down. Ranked by how many converters they hold back.
    """
    if not scored:
        return []
    columns = {
        p: _Column.of(values) for p in props if (values := _segment_values(scored, p)) is not None
    }
    converted = np.fromiter((s.converted for s in scored), dtype=np.bool_, count=len(scored))
    held = converted & np.fromiter(
        (not s.above_mql_bar for s in scored), dtype=np.bool_, count=len(scored)
    )
    base = int(converted.sum()) / len(scored)
    leads: dict[Key, int] = {}
    conv: dict[Key, int] = {}
    back: dict[Key, int] = {}
    for p, column in columns.items():
        for level, n, c, b in zip(
            column.levels,
            column.counts(),
            column.counts(converted),
            column.counts(held),
            strict=True,
        ):
            leads[((p, level),)], conv[((p, level),)], back[((p, level),)] = n, c, b
    # pairs: counted among the held-back converters first, then sized only for the likeliest,
    # so the cost grows with the held-back converters, not with every lead times every pair
    pair_back: Counter[Key] = Counter()
    for i in np.flatnonzero(held):
        singles = [(p, column.levels[column.codes[i]]) for p, column in columns.items()]
        pair_back.update(combinations(singles, 2))
    for pair, count in pair_back.most_common(_PAIR_CANDIDATES):
        (p1, v1), (p2, v2) = pair
        one, two = columns[p1], columns[p2]
        both = (one.codes == one.levels.index(v1)) & (two.codes == two.levels.index(v2))
        leads[pair] = int(both.sum())
        conv[pair] = int((both & converted).sum())
        back[pair] = count
    rows: list[Segment] = []
    for key, n in leads.items():
        rate = conv[key] / n
        if n < MIN_SEGMENT or rate <= base or back[key] == 0:
            continue
        text = " · ".join(f"{labels.get(p, p)} = {v}" for p, v in key)
        rows.append(Segment(text, n, conv[key], back[key], rate))
    # a pair is shown only when it is purer than both its halves; otherwise the single says it
    single_rate = {r.description: r.rate for r in rows if " · " not in r.description}
    kept = [
        r
        for r in rows
        if all(r.rate >= single_rate.get(h, -1.0) + _PURER for h in r.description.split(" · "))
        or " · " not in r.description
    ]
    # held-back converters weighted by how far the segment converts above the base rate
    kept.sort(key=lambda r: (-r.held_back * (r.rate - base), r.description))
    shown: list[Segment] = []
    seen: set[tuple[int, int]] = set()
    for r in kept:
        # pairs such as "no visits · no time on site" describe (almost) the same leads: one
        if (sig := (r.converters, r.held_back)) not in seen:
            seen.add(sig)
            shown.append(r)
    return shown[:_TOP]

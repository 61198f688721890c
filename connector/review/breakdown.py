"""Conversion per grade, temperature and label; score distributions; SDR capacity."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from connector.review.scoring import ScoredLead
from connector.rules.capacity_bar import best_bar, expected_per_week, histogram
from connector.rules.policy import HandoffCapacity

_GRADE_ORDER = ("A", "B", "C", "D")
_TEMPERATURE_ORDER = ("hot", "warm", "cold")
#: Score bands of the distributions.
BAND_WIDTH = 10
#: Bars of the capacity table (the rules' own bar is added when it is not one of them).
CAPACITY_THRESHOLDS = tuple(range(5, 100, 5))


@dataclass(frozen=True, slots=True)
class GroupRow:
    key: str
    leads: int
    converters: int

    @property
    def rate(self) -> float:
        return self.converters / self.leads if self.leads else 0.0


@dataclass(frozen=True, slots=True)
class BandRow:
    low: int  # scores low..low+9 (the last band includes 100)
    converters: int
    non_converters: int
    converter_share: float  # of all converters
    non_converter_share: float  # of all non-converters


@dataclass(frozen=True, slots=True)
class CapacityRow:
    threshold: float
    handoffs: int  # leads the handoff condition holds for, with its score bar at `threshold`
    per_week: float | None  # None when the leads' creation dates span less than a week
    converters_caught: int
    caught_share: float  # of all converters
    precision: float  # converters among the handoffs
    in_force: bool = False  # the rules' own bar


def by_key(scored: Sequence[ScoredLead], key: Callable[[ScoredLead], str]) -> list[GroupRow]:
    leads: dict[str, int] = {}
    conv: dict[str, int] = {}
    for s in scored:
        k = key(s)
        leads[k] = leads.get(k, 0) + 1
        conv[k] = conv.get(k, 0) + int(s.converted)
    order = {k: i for i, k in enumerate(_GRADE_ORDER + _TEMPERATURE_ORDER)}
    keys = sorted(leads, key=lambda k: (order.get(k.split("-")[0], 99), _temp_rank(k), k))
    return [GroupRow(k, leads[k], conv[k]) for k in keys]


def _temp_rank(key: str) -> int:
    tail = key.split("-")[-1]
    return _TEMPERATURE_ORDER.index(tail) if tail in _TEMPERATURE_ORDER else 0


def by_grade(scored: Sequence[ScoredLead]) -> list[GroupRow]:
    return by_key(scored, lambda s: s.decision.grade)


def by_temperature(scored: Sequence[ScoredLead]) -> list[GroupRow]:
    return by_key(scored, lambda s: s.decision.temperature)


def by_label(scored: Sequence[ScoredLead]) -> list[GroupRow]:
    return by_key(scored, lambda s: s.decision.label)


def distribution(scored: Sequence[ScoredLead]) -> list[BandRow]:
    bands = list(range(0, 100, BAND_WIDTH))
    pos = dict.fromkeys(bands, 0)
    neg = dict.fromkeys(bands, 0)
    for s in scored:
        band = min(s.decision.score // BAND_WIDTH * BAND_WIDTH, bands[-1])
        (pos if s.converted else neg)[band] += 1
    total_pos = sum(pos.values()) or 1
    total_neg = sum(neg.values()) or 1
    return [BandRow(b, pos[b], neg[b], pos[b] / total_pos, neg[b] / total_neg) for b in bands]


def capacity(scored: Sequence[ScoredLead], bar: float | None = None) -> list[CapacityRow]:
    """What the rules' handoff condition would hand off with its score bar at each threshold.

    The condition's other tests (grades, disqualifiers, BANT…) stay as written, so the row at
    the rules' own `bar` counts the handoffs the rules decide (and over-filtering counts).
    """
    created = [s.lead.created_at for s in scored if s.lead.created_at is not None]
    weeks: float | None = None
    if created:
        span_days = (max(created) - min(created)).total_seconds() / 86400
        weeks = span_days / 7 if span_days >= 7 else None
    total_conv = sum(1 for s in scored if s.converted) or 1
    eligible = [s for s in scored if s.decision.handoff_at_any_bar]
    thresholds: list[float] = list(CAPACITY_THRESHOLDS)
    if bar is not None and bar not in thresholds:
        thresholds = sorted([*thresholds, int(bar) if float(bar).is_integer() else bar])
    rows: list[CapacityRow] = []
    for t in thresholds:
        picked = [s for s in eligible if s.decision.score >= t]
        caught = sum(1 for s in picked if s.converted)
        rows.append(
            CapacityRow(
                threshold=t,
                handoffs=len(picked),
                per_week=len(picked) / weeks if weeks else None,
                converters_caught=caught,
                caught_share=caught / total_conv,
                precision=caught / len(picked) if picked else 0.0,
                in_force=t == bar,
            )
        )
    return rows


@dataclass(frozen=True, slots=True)
class ImpliedBar:
    """The score bar `handoff.capacity` implies on the reviewed leads."""

    per_week: int
    bar: int
    expected_per_week: float


def implied_bar(
    scored: Sequence[ScoredLead], capacity: HandoffCapacity | None
) -> ImpliedBar | None:
    """The bar the sync would derive for `capacity.per_week` from these leads' arrivals (the
    same maths as `connector/rules/capacity_bar.py`); None without `handoff.capacity` or when
    the leads' creation dates span less than a week."""
    if capacity is None:
        return None
    created = [s.lead.created_at for s in scored if s.lead.created_at is not None]
    if not created:
        return None
    span_days = (max(created) - min(created)).total_seconds() / 86400
    if span_days < 7:
        return None
    counts = histogram(s.decision.score for s in scored if s.decision.handoff_at_any_bar)
    bar = best_bar(counts, span_days, capacity.per_week)
    return ImpliedBar(capacity.per_week, bar, expected_per_week(counts, span_days, bar))

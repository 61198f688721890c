"""Engagement and intent: signals with journey-depth weights, frequency caps and decay.

A signal fires from HubSpot's engagement properties (a form's name, a last URL, a count of page
views, the date a meeting was booked) and is dated by a timestamp property. Its credit fades
with age, in one of the shapes of `decay.py`. An undated signal (no `at`) scores a number as it
stands and never fades; tiers give points by the band a count falls in, and only tiers that
never decay may be negative. Credit never grows without new data, so
engagement points are non-increasing in time; `rescore.py` relies on that.

HubSpot overwrites "recent" properties (a newsletter form after a demo request replaces
`recent_conversion_event_name`). Signals with `remember` (bottom-of-funnel by default) are
therefore also kept in `signal_memory`, carried by the state store, so they keep their decayed
credit when the latest activity is top-of-funnel again.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

from connector.rules.decay import DAY_S, SHAPES, Shape, constant
from connector.rules.matchers import Matcher, Properties, PropertyRef, compile_matcher, parse_refs
from connector.rules.model import Reason
from connector.rules.schema import DecaySpec, EngagementSpec
from connector.rules.tiers import Tier, compile_tiers, tier_of
from connector.rules.values import parse_number, parse_timestamp

#: Signals whose decayed credit is below this (points, either sign) are not listed one by one:
#: they would read "+0.0" and crowd out what a rep needs. They still count, together on one
#: line, so that the reasons add up to the score.
_LIST_FROM_POINTS = 0.05
#: `Signal.at_slot` of an undated signal (it reads no date).
UNDATED = -1


@dataclass(frozen=True, slots=True)
class Signal:
    """A compiled signal.

    Attributes:
        at_slot: index of this signal's `at` properties in `Engagement.at_refs` (signals
            sharing a date property share the parsed timestamp), or `UNDATED`.
        shape: how its credit decays (see `decay.py`).
        duration_s: the shape's duration (half-life or lifespan) in seconds; 0 for none.
        tiers: points by the band of the count (instead of `points` per occurrence), if any.
    """

    name: str
    label: str
    stage: str
    at_slot: int
    when: Matcher | None
    count_refs: tuple[PropertyRef, ...]
    points: float
    cap: float | None
    shape: Shape
    duration_s: float
    remember: bool
    tiers: tuple[Tier, ...] = ()


@dataclass(frozen=True, slots=True)
class Engagement:
    """The compiled engagement section: signals and the distinct date properties they read."""

    signals: tuple[Signal, ...]
    at_refs: tuple[tuple[PropertyRef, ...], ...]


class Term(NamedTuple):
    """One signal's undecayed credit, when it happened (epoch seconds) and how it decays, with
    its credit at the instant the terms were collected (the decision's `now`)."""

    base: float
    at: float
    signal: Signal
    occurrences: float | None
    credit: float


def _decay(spec: DecaySpec | None) -> tuple[Shape, float]:
    if spec is not None:
        for field, shape in SHAPES.items():
            days: float | None = getattr(spec, field)
            if days is not None:
                return shape, days * DAY_S
    return constant, 0.0


def compile_engagement(spec: EngagementSpec) -> Engagement:
    """Compile the engagement signals in file order."""
    slots: dict[tuple[PropertyRef, ...], int] = {}
    signals: list[Signal] = []
    for s in spec.signals:
        at_slot = UNDATED if s.at is None else slots.setdefault(parse_refs(s.at), len(slots))
        shape, duration_s = _decay(s.decay)
        # Only a dated signal with points per occurrence can be remembered: a remembered
        # signal is credited its points at its remembered date.
        rememberable = at_slot != UNDATED and s.tiers is None
        remember = s.stage == "bottom" if s.remember is None else s.remember
        signals.append(
            Signal(
                name=s.name,
                label=s.label or s.name,
                stage=s.stage,
                at_slot=at_slot,
                when=None if s.when is None else compile_matcher(s.when),
                count_refs=parse_refs(s.count) if s.count else (),
                points=s.points or 0.0,
                cap=s.cap,
                shape=shape,
                duration_s=duration_s,
                remember=rememberable and remember,
                tiers=() if s.tiers is None else compile_tiers(s.tiers),
            )
        )
    return Engagement(tuple(signals), tuple(slots))


def _latest(
    refs: tuple[PropertyRef, ...], contact: Properties, company: Properties | None
) -> float | None:
    latest: float | None = None
    for on_company, name in refs:
        source = company if on_company else contact
        ts = None if source is None else parse_timestamp(source.get(name))
        if ts is not None and (latest is None or ts > latest):
            latest = ts
    return latest


def _number(signal: Signal, contact: Properties, company: Properties | None) -> float | None:
    """The first readable number among the signal's count properties."""
    for on_company, name in signal.count_refs:
        source = company if on_company else contact
        number = None if source is None else parse_number(source.get(name))
        if number is not None:
            return number
    return None


def _count(signal: Signal, contact: Properties, company: Properties | None) -> float | None:
    """Whole occurrences (at least one), for points per occurrence."""
    count = _number(signal, contact, company)
    return None if count is None or count < 1 else math.floor(count)


def collect_terms(
    engagement: Engagement,
    contact: Properties,
    company: Properties | None,
    memory: Mapping[str, datetime],
    now_s: float,
) -> list[Term]:
    """The dated credits of every signal that fired now or is remembered from earlier.

    Terms whose credit is already exactly zero (a lifespan over) are left out: credit never
    grows, so they can never contribute again, and dropping them changes no sum.

    Args:
        engagement: the compiled engagement section.
        contact: contact properties.
        company: company properties or None.
        memory: remembered signal name → last occurrence, from the prior state.
        now_s: the evaluation instant (epoch seconds).

    Returns:
        One term per signal with credit, in signal order.
    """
    stamps = [_latest(refs, contact, company) for refs in engagement.at_refs]
    terms: list[Term] = []
    for signal in engagement.signals:
        # An undated signal is scored as it stands now, and never decays (its shape is none).
        at = now_s if signal.at_slot == UNDATED else stamps[signal.at_slot]
        base = signal.points
        count: float | None = None
        fired = at is not None
        if fired and signal.when is not None:
            fired = signal.when.check(contact, company)[0]
        if fired and signal.tiers:
            count = _number(signal, contact, company)
            if count is None:
                fired = False
            else:
                base = tier_of(signal.tiers, count).points
        elif fired and signal.count_refs:
            count = _count(signal, contact, company)
            if count is None:
                fired = False
            else:
                base = count * signal.points
                if signal.cap is not None and base > signal.cap:
                    base = signal.cap
        if not fired:
            at = None
        if signal.remember and memory:
            remembered = memory.get(signal.name)
            if remembered is not None:
                ts = remembered.timestamp()
                if at is None:
                    at, base, count = ts, signal.points, None
                elif ts > at:
                    at = ts
        if at is None:
            continue
        credit = _credit(signal, base, at, now_s)
        if credit != 0.0:
            terms.append(Term(base, at, signal, count, credit))
    return terms


def _credit(signal: Signal, base: float, at: float, now_s: float) -> float:
    """The credit at `now_s` of a signal worth `base` when it happened at `at`.

    A signal dated in the future counts in full: its age is zero until then.
    """
    age = now_s - at
    return signal.shape(base, age if age > 0.0 else 0.0, signal.duration_s)[0]


def credit_and_slope(term: Term, now_s: float) -> tuple[float, float]:
    """The term's decayed credit at `now_s` and its slope (points per second, ≤ 0).

    A signal dated in the future is not decaying yet: its slope is zero until then.
    """
    signal = term.signal
    age = now_s - term.at
    if age < 0.0:
        return _credit(signal, term.base, term.at, now_s), 0.0
    return signal.shape(term.base, age, signal.duration_s)


def collected_points(terms: list[Term]) -> float:
    """Engagement points at the instant the terms were collected: `total` at that instant."""
    points = 0.0
    for term in terms:
        points += term.credit
    return points


def total(terms: list[Term], now_s: float) -> float:
    """Engagement points at `now_s`, summed in term order (so every caller gets the same float).

    The credits of `credit_and_slope` without their slopes, which the scoring does not need.
    """
    points = 0.0
    for base, at, signal, _, _ in terms:
        points += _credit(signal, base, at, now_s)
    return points


def total_and_slope(terms: list[Term], now_s: float) -> tuple[float, float]:
    """Engagement points at `now_s` and their time derivative (points per second, ≤ 0)."""
    points = 0.0
    slope = 0.0
    for term in terms:
        credit, term_slope = credit_and_slope(term, now_s)
        points += credit
        slope += term_slope
    return points, slope


def age_text(seconds: float) -> str:
    """ "today", "3 days ago", "5 months ago"… for reasons a rep reads."""
    if seconds < DAY_S:
        return "today"
    days = int(seconds // DAY_S)
    if days == 1:
        return "1 day ago"
    if days < 60:
        return f"{days} days ago"
    return f"{days // 30} months ago"


def engagement_reasons(terms: list[Term], now_s: float, reasons: list[Reason]) -> None:
    """Append one reason per term worth at least `_LIST_FROM_POINTS` (either sign) at `now_s`
    (the instant the terms were collected), with its credit and age; the rest on one line."""
    faded = 0.0
    faded_count = 0
    for term in terms:
        points = term.credit
        if -_LIST_FROM_POINTS < points < _LIST_FROM_POINTS:
            faded += points
            faded_count += 1
            continue
        signal = term.signal
        label = signal.label
        count = term.occurrences
        if signal.tiers and count is not None:
            label = f"{label} {tier_of(signal.tiers, count).text}"
        if signal.at_slot == UNDATED:
            observed = None if count is None else (f"{count:g}" if signal.tiers else f"×{count:g}")
        else:
            when = age_text(max(0.0, now_s - term.at))
            if count is None:
                observed = when
            else:
                shown = f"{count:g}" if signal.tiers else f"×{count:g}"
                observed = f"{shown}, last {when}"
        reasons.append(Reason("engagement", label, observed, points, signal.stage))
    if faded_count:
        label = "1 faded signal" if faded_count == 1 else f"{faded_count} faded signals"
        reasons.append(Reason("engagement", label, None, faded, None))


def updated_memory(terms: list[Term]) -> dict[str, float]:
    """The remembered signals to carry forward: every one still worth anything at all.

    Forgetting a signal worth a little would change the next score without new data, behind
    rescore_at's back; a signal is forgotten once its credit is exactly zero (a lifespan
    over), when `collect_terms` has already dropped it.
    """
    return {term.signal.name: term.at for term in terms if term.signal.remember}

"""Engagement and intent: signals with journey-depth weights, frequency caps and decay.

A signal fires from HubSpot's engagement properties (a form's name, a last URL, a count of page
views, the date a meeting was booked) and is dated by a timestamp property. Its credit fades
with age: exponentially (half-life) or linearly to zero (lifespan). Credit never grows without
new data, so engagement points are non-increasing in time; `rescore.py` relies on that.

HubSpot overwrites "recent" properties (a newsletter form after a demo request replaces
`recent_conversion_event_name`). Signals with `remember` (bottom-of-funnel by default) are
therefore also kept in `signal_memory`, carried by the state store, so they keep their decayed
credit when the latest activity is top-of-funnel again.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from connector.rules.matchers import Matcher, Properties, PropertyRef, compile_matcher, parse_refs
from connector.rules.schema import EngagementSpec
from connector.rules.values import parse_number

_DAY_S = 86_400.0
_LN2 = math.log(2.0)

#: A remembered signal whose decayed credit fell below this (points) is forgotten, so the
#: state store does not keep half-life signals forever for a hundredth of a point.
FORGET_BELOW_POINTS = 0.01
#: Signals whose decayed credit is below this (points) are not listed as reasons: they would
#: read "+0.0" and crowd out what a rep needs; they still count in the engagement points.
LIST_FROM_POINTS = 0.05


@dataclass(frozen=True, slots=True)
class Signal:
    """A compiled signal. Durations are in seconds (0.0 = not that kind of decay).

    Attributes:
        at_slot: index of this signal's `at` properties in `Engagement.at_refs` (signals
            sharing a date property share the parsed timestamp).
    """

    name: str
    label: str
    stage: str
    at_slot: int
    when: Matcher | None
    count_refs: tuple[PropertyRef, ...]
    points: float
    cap: float | None
    half_life_s: float
    lifespan_s: float
    remember: bool


@dataclass(frozen=True, slots=True)
class Engagement:
    """The compiled engagement section: signals and the distinct date properties they read."""

    signals: tuple[Signal, ...]
    at_refs: tuple[tuple[PropertyRef, ...], ...]


#: One signal's undecayed credit, when it happened (epoch seconds), its half-life and lifespan
#: (seconds, 0.0 = not that decay), the signal, and how many occurrences were counted. A plain
#: tuple: several are built per contact and the sums below unpack them.
Term = tuple[float, float, float, float, Signal, float | None]


def compile_engagement(spec: EngagementSpec) -> Engagement:
    """Compile the engagement signals in file order."""
    slots: dict[tuple[PropertyRef, ...], int] = {}
    signals: list[Signal] = []
    for s in spec.signals:
        refs = parse_refs(s.at)
        slot = slots.setdefault(refs, len(slots))
        decay = s.decay
        half_life = decay.half_life_days if decay is not None else None
        lifespan = decay.lifespan_days if decay is not None else None
        signals.append(
            Signal(
                name=s.name,
                label=s.label or s.name,
                stage=s.stage,
                at_slot=slot,
                when=None if s.when is None else compile_matcher(s.when),
                count_refs=parse_refs(s.count) if s.count else (),
                points=s.points,
                cap=s.cap,
                half_life_s=0.0 if half_life is None else half_life * _DAY_S,
                lifespan_s=0.0 if lifespan is None else lifespan * _DAY_S,
                remember=s.stage == "bottom" if s.remember is None else s.remember,
            )
        )
    return Engagement(tuple(signals), tuple(slots))


def count_of(
    refs: tuple[PropertyRef, ...], contact: Properties, company: Properties | None
) -> float | None:
    """Occurrences from the first readable count property (whole, at least 1), or None."""
    for on_company, name in refs:
        source = company if on_company else contact
        raw = None if source is None else source.get(name)
        count = parse_number(raw) if isinstance(raw, str) else None
        if count is not None:
            return math.floor(count) if count >= 1 else None
    return None


def total(terms: list[Term], now_s: float) -> float:
    """Engagement points at `now_s`, summed in term order (so every caller gets the same float).

    This is `sum(credit(term, now_s))`, inlined: it runs several times per contact.
    """
    points = 0.0
    for base, at, half_life, lifespan, _, _ in terms:
        age = now_s - at
        if age < 0.0:
            age = 0.0
        if half_life:
            points += base * 2.0 ** (-age / half_life)
        elif lifespan:
            if age < lifespan:
                points += base * (1.0 - age / lifespan)
        else:
            points += base
    return points


def total_and_slope(terms: list[Term], now_s: float) -> tuple[float, float]:
    """Engagement points at `now_s` (the same float as `total`) and their time derivative.

    The derivative (points per second, ≤ 0) is the one to the right of `now_s`: a signal
    dated exactly `now_s` starts decaying there. A signal still in the future has full
    credit and no slope yet.
    """
    points = 0.0
    derivative = 0.0
    for base, at, half_life, lifespan, _, _ in terms:
        age = now_s - at
        if half_life:
            if age >= 0.0:
                value = base * 2.0 ** (-age / half_life)
                points += value
                derivative -= value * _LN2 / half_life
            else:
                points += base  # = base · 2^(−0/half_life), as `total` computes it
        elif lifespan:
            if age >= 0.0:
                if age < lifespan:
                    points += base * (1.0 - age / lifespan)
                    derivative -= base / lifespan
            else:
                points += base  # = base · (1 − 0/lifespan)
        else:
            points += base
    return points, derivative


def age_text(seconds: float) -> str:
    """ "today", "3 days ago", "5 months ago"… for reasons a rep reads."""
    if seconds < _DAY_S:
        return "today"
    days = int(seconds // _DAY_S)
    if days == 1:
        return "1 day ago"
    if days < 60:
        return f"{days} days ago"
    return f"{days // 30} months ago"

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
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from connector.rules.matchers import Matcher, Properties, PropertyRef, compile_matcher, parse_refs
from connector.rules.model import Reason
from connector.rules.schema import EngagementSpec
from connector.rules.values import parse_number, parse_timestamp

_DAY_S = 86_400.0
_LN2 = math.log(2.0)

#: A remembered signal whose decayed credit fell below this (points) is forgotten, so the
#: state store does not keep half-life signals forever for a hundredth of a point.
_FORGET_BELOW_POINTS = 0.01


@dataclass(frozen=True, slots=True)
class Signal:
    """A compiled signal. Durations are in seconds."""

    name: str
    label: str
    stage: str
    at_refs: tuple[PropertyRef, ...]
    when: Matcher | None
    count_refs: tuple[PropertyRef, ...]
    points: float
    cap: float | None
    half_life_s: float | None
    lifespan_s: float | None
    remember: bool


@dataclass(frozen=True, slots=True)
class Term:
    """One signal's undecayed credit and when it happened (epoch seconds)."""

    signal: Signal
    base: float
    at: float
    count: float | None


def compile_engagement(spec: EngagementSpec) -> tuple[Signal, ...]:
    """Compile the engagement signals in file order."""
    signals: list[Signal] = []
    for s in spec.signals:
        decay = s.decay
        signals.append(
            Signal(
                name=s.name,
                label=s.label or s.name,
                stage=s.stage,
                at_refs=parse_refs(s.at),
                when=None if s.when is None else compile_matcher(s.when),
                count_refs=parse_refs(s.count) if s.count else (),
                points=s.points,
                cap=s.cap,
                half_life_s=None
                if decay is None or decay.half_life_days is None
                else decay.half_life_days * _DAY_S,
                lifespan_s=None
                if decay is None or decay.lifespan_days is None
                else decay.lifespan_days * _DAY_S,
                remember=s.stage == "bottom" if s.remember is None else s.remember,
            )
        )
    return tuple(signals)


def _latest(
    refs: tuple[PropertyRef, ...], contact: Properties, company: Properties | None
) -> float | None:
    latest: float | None = None
    for on_company, name in refs:
        source = company if on_company else contact
        if source is None:
            continue
        raw = source.get(name)
        if raw is None or raw.__class__ is not str:
            continue
        ts = parse_timestamp(raw)
        if ts is not None and (latest is None or ts > latest):
            latest = ts
    return latest


def collect_terms(
    signals: tuple[Signal, ...],
    contact: Properties,
    company: Properties | None,
    memory: Mapping[str, datetime],
) -> list[Term]:
    """The dated credits of every signal that fired now or is remembered from earlier.

    Args:
        signals: compiled signals.
        contact: contact properties.
        company: company properties or None.
        memory: remembered signal name → last occurrence, from the prior state.

    Returns:
        One term per signal with credit, in signal order.
    """
    terms: list[Term] = []
    for signal in signals:
        term: Term | None = None
        at = _latest(signal.at_refs, contact, company)
        fired = at is not None
        if fired and signal.when is not None:
            fired = signal.when.check(contact, company)[0]
        if fired and at is not None:
            base = signal.points
            count: float | None = None
            if signal.count_refs:
                for on_company, name in signal.count_refs:
                    source = company if on_company else contact
                    raw = None if source is None else source.get(name)
                    count = parse_number(raw) if isinstance(raw, str) else None
                    if count is not None:
                        break
                if count is None or count < 1:
                    fired = False
                else:
                    count = math.floor(count)
                    base = count * signal.points
                    if signal.cap is not None and base > signal.cap:
                        base = signal.cap
            if fired:
                term = Term(signal, base, at, count)
        if signal.remember and memory:
            remembered = memory.get(signal.name)
            if remembered is not None:
                ts = remembered.timestamp()
                if term is None:
                    term = Term(signal, signal.points, ts, None)
                elif ts > term.at:
                    term = Term(signal, term.base, ts, term.count)
        if term is not None:
            terms.append(term)
    return terms


def credit(term: Term, now_s: float) -> float:
    """The term's decayed credit at `now_s` (future-dated signals count as happening now)."""
    age = now_s - term.at
    if age < 0.0:
        age = 0.0
    signal = term.signal
    if signal.half_life_s is not None:
        return term.base * math.pow(2.0, -age / signal.half_life_s)
    if signal.lifespan_s is not None:
        if age >= signal.lifespan_s:
            return 0.0
        return term.base * (1.0 - age / signal.lifespan_s)
    return term.base


def slope(term: Term, now_s: float) -> float:
    """d(credit)/dt at `now_s`, per second (≤ 0)."""
    age = now_s - term.at
    if age < 0.0:
        return 0.0
    signal = term.signal
    if signal.half_life_s is not None:
        return -credit(term, now_s) * _LN2 / signal.half_life_s
    if signal.lifespan_s is not None and age < signal.lifespan_s:
        return -term.base / signal.lifespan_s
    return 0.0


def total(terms: list[Term], now_s: float) -> float:
    """Engagement points at `now_s` (summed in a fixed order so results are reproducible)."""
    points = 0.0
    for term in terms:
        points += credit(term, now_s)
    return points


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


def engagement_reasons(terms: list[Term], now_s: float, reasons: list[Reason]) -> None:
    """Append one reason per term with its decayed credit and age."""
    for term in terms:
        points = credit(term, now_s)
        if points <= 0.0:
            continue
        when = age_text(max(0.0, now_s - term.at))
        observed = when if term.count is None else f"×{term.count:g}, last {when}"
        reasons.append(Reason("engagement", term.signal.label, observed, points, term.signal.stage))


def updated_memory(
    signals: tuple[Signal, ...], terms: list[Term], now_s: float
) -> dict[str, float]:
    """The remembered signals to carry forward (those still worth something)."""
    kept: dict[str, float] = {}
    for term in terms:
        if term.signal.remember and credit(term, now_s) >= _FORGET_BELOW_POINTS:
            kept[term.signal.name] = term.at
    return kept

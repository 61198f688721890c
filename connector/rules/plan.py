"""The per-contact hot path, compiled once per rule set: fit, disqualifiers and signals.

`compile_plan` registers every matcher (disqualifiers, fit criteria, signals' `when`) with the
property source it reads (see `sources.py`), so each property is read and tested once per
contact whatever the number of criteria on it. Fit criteria and disqualifiers are stored as
prebuilt hits (reason, sort key, compact text item), so scoring a contact assembles shared
objects and only formats what is new for it (engagement ages).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from connector.rules.engagement import (
    FORGET_BELOW_POINTS,
    LIST_FROM_POINTS,
    Engagement,
    Signal,
    Term,
    age_text,
    count_of,
)
from connector.rules.explain import Hit, hit_of
from connector.rules.fit import FitGroup
from connector.rules.matchers import Matcher, Properties
from connector.rules.model import Reason
from connector.rules.sources import Outcome, Source, SourceBuilder
from connector.rules.values import parse_timestamp

#: Per-signal memo of counts (raw value → occurrences); counts repeat (small integers).
_COUNT_MEMO_MAX_ENTRIES = 20_000

#: Where a matcher's result sits in the per-contact outcomes: (source index, position).
Slot = tuple[int, int]


@dataclass(frozen=True, slots=True)
class PlanGroup:
    """A fit group: its criteria as (slot, points), and its cap and floor."""

    name: str
    first_only: bool
    cap: float | None
    floor: float | None
    criteria: tuple[tuple[Slot, float], ...]


@dataclass(frozen=True, slots=True)
class PlanSignal:
    """A signal with where its `when` result sits, and its memo of counts."""

    signal: Signal
    when: Slot | None
    counts: dict[str | None, float | None] = field(default_factory=dict, compare=False)


@dataclass(frozen=True, slots=True)
class Plan:
    """The compiled hot path. Build with `compile_plan`."""

    sources: tuple[Source, ...]
    disqualifiers: tuple[Slot, ...]
    groups: tuple[PlanGroup, ...]
    signals: tuple[PlanSignal, ...]
    at_refs: tuple[tuple[tuple[bool, str], ...], ...]


def _reason_maker(kind: str, label: str, points: float, group: str) -> object:
    def make(matched: bool, observed: str | None) -> Hit | None:
        return hit_of(Reason(kind, label, observed, points, group)) if matched else None

    return make


def _matched(matched: bool, observed: str | None) -> bool:
    return matched


def compile_plan(
    fit: tuple[FitGroup, ...], disqualifiers: tuple[Matcher, ...], engagement: Engagement
) -> Plan:
    """Compile the fit groups, disqualifiers and signals into one plan."""
    builder = SourceBuilder()
    disq = tuple(
        builder.add(m, _reason_maker("disqualifier", m.label, 0.0, "disqualifier"))  # type: ignore[arg-type]
        for m in disqualifiers
    )
    groups = tuple(
        PlanGroup(
            name=g.name,
            first_only=g.first_only,
            cap=g.cap,
            floor=g.floor,
            criteria=tuple(
                (
                    builder.add(
                        c.matcher,
                        _reason_maker("fit", c.matcher.label, c.points, g.name),  # type: ignore[arg-type]
                    ),
                    c.points,
                )
                for c in g.criteria
            ),
        )
        for g in fit
    )
    signals = tuple(
        PlanSignal(s, None if s.when is None else builder.add(s.when, _matched))
        for s in engagement.signals
    )
    return Plan(builder.build(), disq, groups, signals, engagement.at_refs)


def outcomes(plan: Plan, contact: Properties, company: Properties | None) -> list[Outcome]:
    """Every source's outcome for one contact, indexed like `plan.sources`."""
    return [source.outcome(contact, company) for source in plan.sources]


def first_disqualifier(plan: Plan, outs: list[Outcome]) -> Hit | None:
    """The first disqualifier that holds, or None."""
    for index, position in plan.disqualifiers:
        hit = outs[index][position]
        if hit is not None:
            return hit  # type: ignore[return-value]
    return None


def score_fit(plan: Plan, outs: list[Outcome], hits: list[Hit]) -> float:
    """Fit points after group caps; appends one hit per matched criterion (and cap)."""
    total = 0.0
    for group in plan.groups:
        subtotal = 0.0
        for (index, position), points in group.criteria:
            hit = outs[index][position]
            if hit is None:
                continue
            subtotal += points
            hits.append(hit)  # type: ignore[arg-type]
            if group.first_only:
                break
        cap = group.cap
        if cap is not None and subtotal > cap:
            text = f"{group.name} capped at {cap:g}"
            hits.append(hit_of(Reason("cap", text, None, cap - subtotal, group.name)))
            subtotal = cap
        floor = group.floor
        if floor is not None and subtotal < floor:
            text = f"{group.name} floored at {floor:g}"
            hits.append(hit_of(Reason("cap", text, None, floor - subtotal, group.name)))
            subtotal = floor
        total += subtotal
    return total


def _stamps(plan: Plan, contact: Properties, company: Properties | None) -> list[float | None]:
    stamps: list[float | None] = []
    for refs in plan.at_refs:
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
        stamps.append(latest)
    return stamps


def _count(ps: PlanSignal, contact: Properties, company: Properties | None) -> float | None:
    refs = ps.signal.count_refs
    if len(refs) != 1:
        return count_of(refs, contact, company)
    on_company, name = refs[0]
    source = company if on_company else contact
    raw = None if source is None else source.get(name)
    if raw.__class__ is not str:
        return None
    memo = ps.counts
    if raw in memo:
        return memo[raw]
    count = count_of(refs, contact, company)
    if len(memo) < _COUNT_MEMO_MAX_ENTRIES:
        memo[raw] = count
    return count


def collect_terms(
    plan: Plan,
    outs: list[Outcome],
    contact: Properties,
    company: Properties | None,
    memory: Mapping[str, datetime],
    now_s: float,
) -> list[Term]:
    """The dated credits of every signal that fired now or is remembered from earlier.

    Terms whose credit is already exactly zero (lifespan over) are left out: they can never
    contribute again, so dropping them changes no sum.
    """
    stamps = _stamps(plan, contact, company)
    terms: list[Term] = []
    for ps in plan.signals:
        signal = ps.signal
        at = stamps[signal.at_slot]
        base = signal.points
        count: float | None = None
        fired = at is not None
        if fired and ps.when is not None:
            index, position = ps.when
            fired = bool(outs[index][position])
        if fired and signal.count_refs:
            count = _count(ps, contact, company)
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
        lifespan = signal.lifespan_s
        if lifespan and now_s - at >= lifespan:
            continue
        terms.append((base, at, signal.half_life_s, lifespan, signal, count))
    return terms


def credits_at(terms: list[Term], now_s: float) -> tuple[list[float], float]:
    """Each term's decayed credit at `now_s`, and their sum in term order.

    The sum is the same float as `engagement.total(terms, now_s)`: the same expressions,
    added in the same order.
    """
    credits: list[float] = []
    points = 0.0
    for base, at, half_life, lifespan, _, _ in terms:
        age = now_s - at
        if age < 0.0:
            age = 0.0
        if half_life:
            value = base * 2.0 ** (-age / half_life)
        elif lifespan:
            value = base * (1.0 - age / lifespan) if age < lifespan else 0.0
        else:
            value = base
        credits.append(value)
        points += value
    return credits, points


def engagement_hits(
    terms: list[Term], credits: list[float], now_s: float, hits: list[Hit]
) -> dict[str, float]:
    """Append one hit per term worth listing; return the remembered signals to carry forward."""
    kept: dict[str, float] = {}
    for (_, at, _, _, signal, occurrences), points in zip(terms, credits, strict=True):
        if signal.remember and points >= FORGET_BELOW_POINTS:
            kept[signal.name] = at
        if points < LIST_FROM_POINTS:
            continue
        when = age_text(max(0.0, now_s - at))
        observed = when if occurrences is None else f"×{occurrences:g}, last {when}"
        hits.append(hit_of(Reason("engagement", signal.label, observed, points, signal.stage)))
    return kept

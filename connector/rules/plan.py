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
from connector.rules.sources import Make, Outcome, Source, SourceBuilder
from connector.rules.values import (
    HUBSPOT_ISO_CHARS,
    MAX_EPOCH_S,
    MIN_EPOCH_S,
    parse_timestamp,
)

#: Per-signal memo of counts (raw value → occurrences); counts repeat (small integers).
_COUNT_MEMO_MAX_ENTRIES = 20_000

_DIGITS = "0123456789"
_FROM_ISO = datetime.fromisoformat
#: Sort rank of engagement reasons among kinds (as `explain._KIND_ORDER`).
_ENGAGEMENT_ORDER = 4

#: Where a matcher's result sits in the per-contact outcomes: (source index, position).
Slot = tuple[int, int]
#: A signal for the hot loop: at slot, `when` source index (-1: none) and position, the plan
#: signal, points, cap, half-life (s), lifespan (s), remember, counted.
_Row = tuple[int, int, int, "PlanSignal", float, float | None, float, float, bool, bool]


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
    #: per source: (on company?, property name, memo, source); name None when the source
    #: is not a plain memo by raw value (several properties, or memoised by domain).
    lookups: tuple[tuple[bool, str | None, dict[str | None, Outcome], Source], ...]
    #: per signal, its fields unpacked once (see `_row`).
    rows: tuple[_Row, ...]


def _reason_maker(kind: str, label: str, points: float, group: str) -> Make:
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
        builder.add(m, _reason_maker("disqualifier", m.label, 0.0, "disqualifier"))
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
                        _reason_maker("fit", c.matcher.label, c.points, g.name),
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
    sources = builder.build()
    lookups = tuple(
        (s.refs[0][0], s.refs[0][1], s.memo, s)
        if len(s.refs) == 1 and not (s.by_domain or s.by_presence)
        else (False, None, s.memo, s)
        for s in sources
    )
    return Plan(
        sources, disq, groups, signals, engagement.at_refs, lookups, tuple(map(_row, signals))
    )


def _row(ps: PlanSignal) -> _Row:
    s = ps.signal
    index, position = (-1, 0) if ps.when is None else ps.when
    return (
        s.at_slot,
        index,
        position,
        ps,
        s.points,
        s.cap,
        s.half_life_s,
        s.lifespan_s,
        s.remember,
        bool(s.count_refs),
    )


def outcomes(plan: Plan, contact: Properties, company: Properties | None) -> list[Outcome]:
    """Every source's outcome for one contact, indexed like `plan.sources`.

    `Source.outcome`, with its common case (one property, memoised by raw value) inlined.
    """
    outs: list[Outcome] = []
    for on_company, name, memo, source in plan.lookups:
        if name is None:
            outs.append(source.outcome(contact, company))
            continue
        mapping = company if on_company else contact
        raw = None if mapping is None else mapping.get(name)
        hit = memo.get(raw if raw.__class__ is str else None)
        outs.append(source.outcome(contact, company) if hit is None else hit)
    return outs


def first_disqualifier(plan: Plan, outs: list[Outcome]) -> Hit | None:
    """The first disqualifier that holds, or None."""
    for index, position in plan.disqualifiers:
        hit = outs[index][position]
        if hit is not None:
            return hit  # type: ignore[return-value]  # disqualifier slots hold hits
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
            hits.append(hit)  # type: ignore[arg-type]  # fit slots hold hits (see compile_plan)
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
    """The latest timestamp of each `at` slot (epoch seconds), or None."""
    stamps: list[float | None] = []
    for refs in plan.at_refs:
        latest: float | None = None
        for on_company, name in refs:
            source = company if on_company else contact
            if source is None:
                continue
            raw = source.get(name)
            if raw.__class__ is not str:
                continue
            ts: float | None
            if len(raw) == HUBSPOT_ISO_CHARS and raw[23] == "Z" and raw[0] in _DIGITS:
                # parse_timestamp's fast path, inlined: most dates look like this.
                try:
                    parsed = _FROM_ISO(raw).timestamp()
                except ValueError:
                    continue
                ts = parsed if MIN_EPOCH_S <= parsed <= MAX_EPOCH_S else None
            else:
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


def score_engagement(
    plan: Plan,
    outs: list[Outcome],
    contact: Properties,
    company: Properties | None,
    memory: Mapping[str, datetime],
    now_s: float,
    hits: list[Hit],
) -> tuple[list[Term], float, dict[str, float]]:
    """Every signal's decayed credit at `now_s`, with its reasons and memory.

    A term is a signal that fired now or is remembered from earlier. Terms whose credit is
    already exactly zero (lifespan over) are left out: they can never contribute again, so
    dropping them changes no sum. The engagement points are summed in signal order, the
    same float as `engagement.total(terms, now_s)`.

    Args:
        plan: the compiled plan.
        outs: the contact's source outcomes (for signals' `when`).
        contact: contact properties.
        company: company properties or None.
        memory: remembered signal name → last occurrence, from the prior state.
        now_s: the evaluation instant (epoch seconds).
        hits: list the reasons are appended to (signals worth listing).

    Returns:
        The terms, the engagement points, and the remembered signals to carry forward
        (name → epoch seconds).
    """
    stamps = _stamps(plan, contact, company)
    terms: list[Term] = []
    points = 0.0
    kept: dict[str, float] = {}
    has_memory = bool(memory)
    for slot, index, position, ps, base, cap, half_life, lifespan, remember, counted in plan.rows:
        at = stamps[slot]
        count: float | None = None
        if at is not None:
            if index >= 0 and not outs[index][position]:
                at = None
            elif counted:
                count = _count(ps, contact, company)
                if count is None:
                    at = None
                else:
                    base = count * base
                    if cap is not None and base > cap:
                        base = cap
        if remember and has_memory:
            remembered = memory.get(ps.signal.name)
            if remembered is not None:
                ts = remembered.timestamp()
                if at is None:
                    at, base, count = ts, ps.signal.points, None
                elif ts > at:
                    at = ts
        if at is None:
            continue
        age = now_s - at
        if lifespan and age >= lifespan:
            continue
        signal = ps.signal
        terms.append((base, at, half_life, lifespan, signal, count))
        if age < 0.0:
            age = 0.0
        if half_life:
            value = base * 2.0 ** (-age / half_life)
        elif lifespan:
            value = base * (1.0 - age / lifespan)
        else:
            value = base
        points += value
        if remember and value >= FORGET_BELOW_POINTS:
            kept[signal.name] = at
        if value >= LIST_FROM_POINTS:
            hits.append(_engagement_hit(signal, value, age, count))
    return terms, points, kept


#: "today", "1 day ago", … by whole days of age, for ages a portal really has (~27 years).
_AGE_TEXTS = tuple(age_text(days * 86_400.0) for days in range(10_000))


def _engagement_hit(signal: Signal, points: float, age: float, count: float | None) -> Hit:
    """The hit for a listed signal: `hit_of(Reason(...))` without its general checks."""
    days = int(age // 86_400.0)
    when = _AGE_TEXTS[days] if days < len(_AGE_TEXTS) else age_text(age)
    observed = when if count is None else f"×{count:g}, last {when}"
    rounded = round(points)
    # compact_item for an engagement reason: observed is short and has no newline.
    item = None if not rounded else f"+{rounded} {signal.label} {observed}"
    reason = Reason("engagement", signal.label, observed, points, signal.stage)
    return (1, -points, _ENGAGEMENT_ORDER, reason, item)

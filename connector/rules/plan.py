"""The per-contact plan, compiled once per rule set: fit, disqualifiers and signals.

`compile_plan` registers every matcher (disqualifiers, fit criteria, signals' `when`) with the
property source it reads (see `sources.py`), so each property is read and tested once per
contact whatever the number of criteria on it. Fit criteria and disqualifiers are stored as
prebuilt hits (reason, sort key, compact text item), so scoring a contact assembles shared
objects and only formats what is new for it (engagement ages). `codegen.py` turns the plan
into the function that runs per contact; the helpers here are what that function calls.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from connector.rules.construct import positional_constructor
from connector.rules.engagement import (
    Engagement,
    Signal,
    age_text,
    count_of,
)
from connector.rules.explain import Hit, hit_of
from connector.rules.fit import FitGroup
from connector.rules.matchers import Matcher, Properties
from connector.rules.model import Reason
from connector.rules.sources import Make, Source, SourceBuilder
from connector.rules.values import (
    HUBSPOT_ISO_CHARS,
    MAX_EPOCH_S,
    MIN_EPOCH_S,
    parse_timestamp,
)

#: Per-signal memo of counts (raw value → occurrences); counts repeat (small integers).
_COUNT_MEMO_MAX_ENTRIES = 20_000
#: Per-signal memo of reason texts by (days, count, rounded points): a pure cache, bounded.
_TEXTS_MEMO_MAX_ENTRIES = 20_000

_DIGITS = "0123456789"
_MISSING = object()
_FROM_ISO = datetime.fromisoformat
#: `Reason(...)` by its slots (see construct.py): listed signals build one per contact.
_new_reason = positional_constructor(Reason)
#: Sort rank of engagement reasons among kinds (as `explain._KIND_ORDER`).
_ENGAGEMENT_ORDER = 4

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
    texts: dict[tuple[int, float | None, int], tuple[str, str | None]] = field(
        default_factory=dict, compare=False
    )


@dataclass(frozen=True, slots=True)
class Plan:
    """The compiled hot path. Build with `compile_plan`."""

    sources: tuple[Source, ...]
    disqualifiers: tuple[Slot, ...]
    groups: tuple[PlanGroup, ...]
    signals: tuple[PlanSignal, ...]
    at_refs: tuple[tuple[tuple[bool, str], ...], ...]


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
    return Plan(sources, disq, groups, signals, engagement.at_refs)


def stamp_of(raw: str | None) -> float | None:
    """One date property's value as epoch seconds (`parse_timestamp`, HubSpot's format first)."""
    if raw.__class__ is not str:
        return None
    if len(raw) == HUBSPOT_ISO_CHARS and raw[23] == "Z" and raw[0] in _DIGITS:
        # parse_timestamp's fast path, inlined: most dates look like this.
        try:
            parsed = _FROM_ISO(raw).timestamp()
        except ValueError:
            return None
        return parsed if MIN_EPOCH_S <= parsed <= MAX_EPOCH_S else None
    return parse_timestamp(raw)


def count_memoised(
    ps: PlanSignal, raw: str | None, contact: Properties, company: Properties | None
) -> float | None:
    """A one-property signal's count from its raw value, memoised by that value."""
    if raw.__class__ is not str:
        return None
    memo = ps.counts
    count = memo.get(raw, _MISSING)
    if count is not _MISSING:
        return count  # type: ignore[return-value]  # the memo holds counts
    count = count_of(ps.signal.count_refs, contact, company)
    if len(memo) < _COUNT_MEMO_MAX_ENTRIES:
        memo[raw] = count
    return count


def bound_hit(group: str, word: str, bound: float, subtotal: float) -> Hit:
    """The reason a group's subtotal was capped or floored ("capped" / "floored")."""
    return hit_of(Reason("cap", f"{group} {word} at {bound:g}", None, bound - subtotal, group))


#: "today", "1 day ago", … by whole days of age, for ages a portal really has (~27 years).
_AGE_TEXTS = tuple(age_text(days * 86_400.0) for days in range(10_000))


def engagement_hit(
    signal: Signal,
    texts: dict[tuple[int, float | None, int], tuple[str, str | None]],
    points: float,
    age: float,
    count: float | None,
) -> Hit:
    """The hit for a listed signal: `hit_of(Reason(...))` without its general checks.

    Its texts (observed value and compact item) depend only on the age in whole days, the
    count and the rounded points, which repeat across contacts: they are memoised in `texts`
    (one dict per signal).
    """
    days = int(age // 86_400.0)
    rounded = round(points)
    key = (days, count, rounded)
    found = texts.get(key)
    if found is None:
        when = _AGE_TEXTS[days] if days < len(_AGE_TEXTS) else age_text(age)
        observed = when if count is None else f"×{count:g}, last {when}"
        # compact_item for an engagement reason: observed is short and has no newline.
        found = (observed, None if not rounded else f"+{rounded} {signal.label} {observed}")
        if len(texts) < _TEXTS_MEMO_MAX_ENTRIES:
            texts[key] = found
    reason = _new_reason("engagement", signal.label, found[0], points, signal.stage)
    return (1, -points, _ENGAGEMENT_ORDER, reason, found[1])

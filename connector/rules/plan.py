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

from connector.rules.engagement import (
    Engagement,
    Signal,
    age_text,
    count_of,
)
from connector.rules.explain import RANK_DISQUALIFIER, RANK_FIT, Hit, hit_of
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
    #: the rank of the group's cap reason (its floor's is the next): after its criteria
    bound_rank: int


@dataclass(frozen=True, slots=True)
class PlanSignal:
    """A signal with where its `when` result sits, and its memo of counts."""

    signal: Signal
    when: Slot | None
    counts: dict[str | None, float | None] = field(default_factory=dict, compare=False)
    texts: dict[tuple[float, float | None, int], tuple[str, str | None]] = field(
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


def _reason_maker(kind: str, label: str, points: float, group: str, rank: int) -> Make:
    def make(matched: bool, observed: str | None) -> Hit | None:
        return hit_of(Reason(kind, label, observed, points, group), rank) if matched else None

    return make


def _matched(matched: bool, observed: str | None) -> bool:
    return matched


def compile_plan(
    fit: tuple[FitGroup, ...], disqualifiers: tuple[Matcher, ...], engagement: Engagement
) -> Plan:
    """Compile the fit groups, disqualifiers and signals into one plan."""
    builder = SourceBuilder()
    disq = tuple(
        builder.add(
            m, _reason_maker("disqualifier", m.label, 0.0, "disqualifier", RANK_DISQUALIFIER + i)
        )
        for i, m in enumerate(disqualifiers)
    )
    rank = RANK_FIT  # fit reasons in the order the scoring code finds them
    groups: list[PlanGroup] = []
    for g in fit:
        criteria: list[tuple[Slot, float]] = []
        for c in g.criteria:
            make = _reason_maker("fit", c.matcher.label, c.points, g.name, rank)
            criteria.append((builder.add(c.matcher, make), c.points))
            rank += 1
        groups.append(PlanGroup(g.name, g.first_only, g.cap, g.floor, tuple(criteria), rank))
        rank += 2  # the cap's and the floor's
    signals = tuple(
        PlanSignal(s, None if s.when is None else builder.add(s.when, _matched))
        for s in engagement.signals
    )
    sources = builder.build()
    return Plan(sources, disq, tuple(groups), signals, engagement.at_refs)


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


def bound_hit(group: str, word: str, bound: float, subtotal: float, rank: int) -> Hit:
    """The reason a group's subtotal was capped or floored ("capped" / "floored")."""
    reason = Reason("cap", f"{group} {word} at {bound:g}", None, bound - subtotal, group)
    return hit_of(reason, rank)


#: "today", "1 day ago", … by whole days of age, for ages a portal really has (~27 years).
_AGE_TEXTS = tuple(age_text(days * 86_400.0) for days in range(10_000))


def engagement_texts(
    signal: Signal,
    texts: dict[tuple[float, float | None, int], tuple[str, str | None]],
    points: float,
    age: float,
    count: float | None,
) -> tuple[str, str | None]:
    """A listed signal's observed text and compact item, for a key `texts` has not seen.

    They depend only on the age in whole days, the count and the rounded points, which repeat
    across contacts: the generated code looks them up in `texts` (one dict per signal) by
    `(age // 86_400.0, count, round(points))` and calls this when they are not there. The days
    stay a float in the key (no `int()` per contact; 3.0 and 3 are the same key anyway).
    """
    whole_days = age // 86_400.0
    days = int(whole_days)
    rounded = round(points)
    when = _AGE_TEXTS[days] if days < len(_AGE_TEXTS) else age_text(age)
    observed = when if count is None else f"×{count:g}, last {when}"
    # compact_item for an engagement reason: observed is short and has no newline.
    found = (observed, None if not rounded else f"+{rounded} {signal.label} {observed}")
    if len(texts) < _TEXTS_MEMO_MAX_ENTRIES:
        texts[(whole_days, count, rounded)] = found
    return found

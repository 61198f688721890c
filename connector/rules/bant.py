"""BANT: budget, authority, need and timeline as met / not met / unknown."""

from __future__ import annotations

import itertools
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from connector.rules.explain import RANK_BANT, Hit, hit_of
from connector.rules.matchers import Properties, PropertyRef, parse_refs, read_first
from connector.rules.model import BantDimensionResult, BantResult, Reason
from connector.rules.schema import SENIORITY_LEVELS, BantPointsSpec, BantSpec
from connector.rules.values import MAX_TEXT_CHARS, parse_number

MET, NOT_MET, UNKNOWN = "met", "not_met", "unknown"

#: Default job-title patterns, checked in this order (VP before C-level so "Vice President" is
#: not read as "President"). A title with letters that matches none is an individual contributor.
DEFAULT_SENIORITY_PATTERNS: tuple[tuple[str, str], ...] = (
    ("vp", r"\b(vp|svp|evp|avp|vice[\s-]*president)\b"),
    (
        "c_level",
        r"\b(c[a-z]o|chief|founder|co-?founder|owner|president|managing\s+director|"
        r"gesch[aä]ftsf[uü]hrer|directeur\s+g[ée]n[ée]ral)\b",
    ),
    ("director", r"\b(director|directeur|direktor|head\s+of|head)\b"),
    ("manager", r"\b(manager|mgr|lead|leader|supervisor|teamlead|leiter)\b"),
)
_HAS_LETTER = re.compile(r"[^\W\d_]")

#: Per-dimension memo size (entries): form answers repeat, so most contacts are one lookup.
_MEMO_MAX_ENTRIES = 20_000
#: (dimension result, its hit if it has points, an id naming this answer in `Bant.memo`)
_Answer = tuple[BantDimensionResult, Hit | None, int]
_answer_ids = itertools.count()


@dataclass(frozen=True, slots=True)
class Points:
    met: float
    not_met: float
    unknown: float

    def of(self, status: str) -> float:
        if status == MET:
            return self.met
        if status == NOT_MET:
            return self.not_met
        return self.unknown


@dataclass(frozen=True, slots=True)
class Budget:
    refs: tuple[PropertyRef, ...]
    rank: Mapping[str, int]
    bar: int
    points: Points
    memo: dict[object, _Answer] = field(default_factory=dict, compare=False)
    answers: dict[tuple[str, str | None], _Answer] = field(default_factory=dict, compare=False)


@dataclass(frozen=True, slots=True)
class Authority:
    role_refs: tuple[PropertyRef, ...]
    met_roles: frozenset[str]
    not_met_roles: frozenset[str]
    title_refs: tuple[PropertyRef, ...]
    patterns: tuple[tuple[int, re.Pattern[str]], ...]
    min_level: int
    points: Points
    memo: dict[object, _Answer] = field(default_factory=dict, compare=False)
    answers: dict[tuple[str, str | None], _Answer] = field(default_factory=dict, compare=False)


@dataclass(frozen=True, slots=True)
class Need:
    text_refs: tuple[PropertyRef, ...]
    keywords: tuple[str, ...]
    interest_refs: tuple[PropertyRef, ...]
    interest_values: frozenset[str]
    points: Points
    memo: dict[object, _Answer] = field(default_factory=dict, compare=False)
    answers: dict[tuple[str, str | None], _Answer] = field(default_factory=dict, compare=False)
    #: answers by the product-interest value alone, for values that decide need by
    #: themselves (the challenge text, unique per contact, is then irrelevant)
    by_interest: dict[object, _Answer] = field(default_factory=dict, compare=False)


@dataclass(frozen=True, slots=True)
class Timeline:
    refs: tuple[PropertyRef, ...]
    months: Mapping[str, float | None]
    within: float
    points: Points
    memo: dict[object, _Answer] = field(default_factory=dict, compare=False)
    answers: dict[tuple[str, str | None], _Answer] = field(default_factory=dict, compare=False)


@dataclass(frozen=True, slots=True)
class Bant:
    budget: Budget | None
    authority: Authority | None
    need: Need | None
    timeline: Timeline | None
    #: answer ids → outcome: contacts share whole sets of answers, so one lookup then.
    memo: dict[tuple[int, ...], BantOutcome] = field(default_factory=dict, compare=False)
    #: the configured dimensions in order, with the properties each reads.
    dimensions: tuple[tuple[_Part, tuple[PropertyRef, ...], str], ...] = ()


def _points(own: BantPointsSpec | None, default: BantPointsSpec) -> Points:
    chosen = own or default
    return Points(chosen.met, chosen.not_met, chosen.unknown)


def compile_bant(spec: BantSpec) -> Bant:
    """Compile the BANT section (absent dimensions are simply not scored)."""
    budget = authority = need = timeline = None
    if spec.budget is not None:
        b = spec.budget
        rank = {value.lower(): index for index, value in enumerate(b.order)}
        budget = Budget(
            parse_refs(b.property), rank, rank[b.at_least.lower()], _points(b.points, spec.points)
        )
    if spec.authority is not None:
        a = spec.authority
        overrides: dict[str, str] = {str(k): v for k, v in (a.seniority_patterns or {}).items()}
        patterns = tuple(
            (SENIORITY_LEVELS.index(level), re.compile(overrides.get(level, default), re.I))
            for level, default in DEFAULT_SENIORITY_PATTERNS
        )
        authority = Authority(
            role_refs=parse_refs(a.role_property) if a.role_property else (),
            met_roles=frozenset(r.lower() for r in a.met_roles),
            not_met_roles=frozenset(r.lower() for r in a.not_met_roles),
            title_refs=parse_refs(a.title_property) if a.title_property else (),
            patterns=patterns,
            min_level=SENIORITY_LEVELS.index(a.min_seniority),
            points=_points(a.points, spec.points),
        )
    if spec.need is not None:
        n = spec.need
        need = Need(
            text_refs=parse_refs(n.text_property) if n.text_property else (),
            keywords=tuple(k.lower() for k in n.keywords),
            interest_refs=parse_refs(n.interest_property) if n.interest_property else (),
            interest_values=frozenset(v.lower() for v in n.interest_values),
            points=_points(n.points, spec.points),
        )
    if spec.timeline is not None:
        t = spec.timeline
        timeline = Timeline(
            refs=parse_refs(t.property),
            months={k.lower(): v for k, v in t.months.items()},
            within=t.within_months,
            points=_points(t.points, spec.points),
        )
    bant = Bant(budget, authority, need, timeline)
    return replace(bant, dimensions=_dimensions(bant))


def seniority(title: str, patterns: tuple[tuple[int, re.Pattern[str]], ...]) -> int | None:
    """The seniority level index read off a job title, or None when it has no letters."""
    for level, pattern in patterns:
        if pattern.search(title):
            return level
    return 0 if _HAS_LETTER.search(title) else None


def _budget(b: Budget, contact: Properties, company: Properties | None) -> tuple[str, str | None]:
    value = read_first(b.refs, contact, company)
    if value is None:
        return UNKNOWN, None
    rank = b.rank.get(value.lower())
    if rank is None:
        return UNKNOWN, value
    return (MET if rank >= b.bar else NOT_MET), value


def _authority(
    a: Authority, contact: Properties, company: Properties | None
) -> tuple[str, str | None]:
    role = read_first(a.role_refs, contact, company) if a.role_refs else None
    if role is not None:
        lowered = role.lower()
        if lowered in a.met_roles:
            return MET, role
        if lowered in a.not_met_roles:
            return NOT_MET, role
    title = read_first(a.title_refs, contact, company) if a.title_refs else None
    if title is not None:
        level = seniority(title, a.patterns)
        if level is not None:
            status = MET if level >= a.min_level else NOT_MET
            return status, SENIORITY_LEVELS[level].replace("_", " ")
    return UNKNOWN, None


def _need(n: Need, contact: Properties, company: Properties | None) -> tuple[str, str | None]:
    seen_data = False
    if n.interest_refs:
        interest = read_first(n.interest_refs, contact, company)
        if interest is not None:
            seen_data = True
            if not n.interest_values or interest.lower() in n.interest_values:
                return MET, interest
    if n.text_refs:
        text = read_first(n.text_refs, contact, company)
        if text is not None:
            seen_data = True
            lowered = text.lower()
            for keyword in n.keywords:
                if keyword in lowered:
                    return MET, f"“{keyword}”"
    return (NOT_MET if seen_data else UNKNOWN), None


def _timeline(
    t: Timeline, contact: Properties, company: Properties | None
) -> tuple[str, str | None]:
    value = read_first(t.refs, contact, company)
    if value is None:
        return UNKNOWN, None
    key = value.lower()
    if key in t.months:
        months = t.months[key]
    else:
        months = parse_number(value)
        if months is None or months < 0:
            return UNKNOWN, value
    if months is None:
        return NOT_MET, value
    return (MET if months <= t.within else NOT_MET), value


_LABELS = {MET: "met", NOT_MET: "not met", UNKNOWN: "unknown"}
#: Where each dimension's reason is found in a decision (see explain.Hit): in this order.
_RANKS = {
    name: RANK_BANT + index
    for index, name in enumerate(("budget", "authority", "need", "timeline"))
}


@dataclass(frozen=True, slots=True)
class BantOutcome:
    """One contact's BANT: the result, its points and met dimensions, and its reasons."""

    result: BantResult
    points: float
    met_count: int
    met: frozenset[str]
    hits: tuple[Hit, ...]


#: The outcome when the rules have no BANT section: no dimensions, no points.
NO_BANT = BantOutcome(BantResult(()), 0, 0, frozenset(), ())

_Part = Budget | Authority | Need | Timeline
#: (dimension, the properties its answer is read from, how it is decided)


def _dimensions(bant: Bant) -> tuple[tuple[_Part, tuple[PropertyRef, ...], str], ...]:
    dims: list[tuple[_Part, tuple[PropertyRef, ...], str]] = []
    if bant.budget is not None:
        dims.append((bant.budget, bant.budget.refs, "budget"))
    if bant.authority is not None:
        a = bant.authority
        dims.append((a, a.role_refs + a.title_refs, "authority"))
    if bant.need is not None:
        dims.append((bant.need, bant.need.interest_refs + bant.need.text_refs, "need"))
    if bant.timeline is not None:
        dims.append((bant.timeline, bant.timeline.refs, "timeline"))
    return tuple(dims)


def _decide(part: _Part, contact: Properties, company: Properties | None) -> tuple[str, str | None]:
    if isinstance(part, Budget):
        return _budget(part, contact, company)
    if isinstance(part, Authority):
        return _authority(part, contact, company)
    if isinstance(part, Need):
        return _need(part, contact, company)
    return _timeline(part, contact, company)


def _answer(part: _Part, key: object, name: str, status: str, observed: str | None) -> _Answer:
    # Interned by what it says: many raw values give the same answer (any product interest
    # meets need, titles map to a few seniorities), so answer ids stay few and whole sets of
    # answers repeat across contacts (`Bant.memo`).
    answer = part.answers.get((status, observed))
    if answer is None:
        points = part.points.of(status)
        reason = (
            Reason("bant", f"{name} {_LABELS[status]}", observed, points, name) if points else None
        )
        answer = (
            BantDimensionResult(name, status, observed, points),
            None if reason is None else hit_of(reason, _RANKS[name]),
            next(_answer_ids),
        )
        if len(part.answers) < _MEMO_MAX_ENTRIES:
            part.answers[(status, observed)] = answer
    if len(part.memo) < _MEMO_MAX_ENTRIES:
        part.memo[key] = answer
    return answer


def answer_for(
    part: _Part, key: object, name: str, contact: Properties, company: Properties | None
) -> _Answer:
    """One dimension's answer for a contact the dimension's memo has not seen (memoised)."""
    return _answer(part, key, name, *_decide(part, contact, company))


def interest_decides(need: Need, raw: object) -> bool:
    """Whether a product-interest value decides need by itself (as `_need` reads it)."""
    if not isinstance(raw, str):
        return False
    text = raw.strip()
    if not text:
        return False
    return not need.interest_values or text[:MAX_TEXT_CHARS].lower() in need.interest_values


def remember_by_interest(need: Need, raw: object, answer: _Answer) -> None:
    """Memoise a need answer by its interest value when that value alone decided it."""
    if len(need.by_interest) < _MEMO_MAX_ENTRIES and interest_decides(need, raw):
        need.by_interest[raw] = answer


def outcome_of(bant: Bant, answers: tuple[_Answer, ...]) -> BantOutcome:
    """The outcome of a set of answers `Bant.memo` has not seen (memoised by answer ids)."""
    result = BantResult(tuple(a[0] for a in answers))
    outcome = BantOutcome(
        result=result,
        points=result.points,
        met_count=result.met_count,
        met=result.met,
        hits=tuple(a[1] for a in answers if a[1] is not None),
    )
    if len(bant.memo) < _MEMO_MAX_ENTRIES:
        bant.memo[tuple([a[2] for a in answers])] = outcome
    return outcome

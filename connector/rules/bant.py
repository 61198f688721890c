"""BANT: budget, authority, need and timeline as met / not met / unknown."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from connector.rules.matchers import Properties, PropertyRef, parse_refs, read_first
from connector.rules.model import BantDimensionResult, BantResult, Reason
from connector.rules.schema_bant import SENIORITY_LEVELS, BantPointsSpec, BantSpec
from connector.rules.values import parse_number

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


@dataclass(frozen=True, slots=True)
class Authority:
    role_refs: tuple[PropertyRef, ...]
    met_roles: frozenset[str]
    not_met_roles: frozenset[str]
    title_refs: tuple[PropertyRef, ...]
    patterns: tuple[tuple[int, re.Pattern[str]], ...]
    min_level: int
    points: Points


@dataclass(frozen=True, slots=True)
class Need:
    text_refs: tuple[PropertyRef, ...]
    keywords: tuple[str, ...]
    interest_refs: tuple[PropertyRef, ...]
    interest_values: frozenset[str]
    points: Points


@dataclass(frozen=True, slots=True)
class Timeline:
    refs: tuple[PropertyRef, ...]
    months: Mapping[str, float | None]
    within: float
    points: Points


@dataclass(frozen=True, slots=True)
class Bant:
    budget: Budget | None
    authority: Authority | None
    need: Need | None
    timeline: Timeline | None


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
    return Bant(budget, authority, need, timeline)


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


def _dimension(
    name: str,
    decided: tuple[str, str | None],
    points: Points,
    results: list[BantDimensionResult],
    reasons: list[Reason],
) -> None:
    status, observed = decided
    earned = points.of(status)
    results.append(BantDimensionResult(name, status, observed, earned))
    if earned:
        reasons.append(Reason("bant", f"{name} {_LABELS[status]}", observed, earned, name))


def score_bant(
    bant: Bant, contact: Properties, company: Properties | None, reasons: list[Reason]
) -> BantResult:
    """Evaluate each configured dimension and append a reason for each non-zero one.

    Args:
        bant: the compiled BANT section.
        contact: contact properties.
        company: company properties or None.
        reasons: list the reasons are appended to.

    Returns:
        The per-dimension results.
    """
    results: list[BantDimensionResult] = []
    if bant.budget is not None:
        decided = _budget(bant.budget, contact, company)
        _dimension("budget", decided, bant.budget.points, results, reasons)
    if bant.authority is not None:
        decided = _authority(bant.authority, contact, company)
        _dimension("authority", decided, bant.authority.points, results, reasons)
    if bant.need is not None:
        decided = _need(bant.need, contact, company)
        _dimension("need", decided, bant.need.points, results, reasons)
    if bant.timeline is not None:
        decided = _timeline(bant.timeline, contact, company)
        _dimension("timeline", decided, bant.timeline.points, results, reasons)
    return BantResult(tuple(results))

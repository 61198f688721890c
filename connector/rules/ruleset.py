"""`RuleSet`: a validated rules file compiled once into frozen, fast structures."""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING

from connector.rules.bant import NO_BANT, Bant, compile_bant
from connector.rules.codegen import Kernel, compile_kernel
from connector.rules.codegen_decision import Scoring
from connector.rules.conditions import Condition
from connector.rules.engagement import Engagement, compile_engagement
from connector.rules.fit import FitGroup, compile_disqualifiers, compile_fit
from connector.rules.matchers import Matcher, PropertyRef
from connector.rules.model import SlaTier
from connector.rules.plan import Plan, compile_plan
from connector.rules.policy import (
    Handoff,
    LeadStatusPolicy,
    Lifecycle,
    compile_policies,
)
from connector.rules.schema import RulesFile

if TYPE_CHECKING:
    from connector.rules.engine import Outputs

#: Contact properties the sync always needs, whatever the rules read.
ALWAYS_READ: frozenset[str] = frozenset(
    {"lifecyclestage", "hs_lead_status", "hubspot_owner_id", "associatedcompanyid"}
)

#: Length of the rules version (hex digits of a SHA-256): short enough for a property, long
#: enough that two different files practically never collide.
_VERSION_CHARS = 12


@dataclass(frozen=True, slots=True)
class RuleSet:
    """A compiled rules file. Build it with `load_rules` or `parse_rules`, never by hand.

    Attributes:
        version: short hash of the file's canonical content (comments and layout ignored).
        name: the file's `name`.
        source: where it came from (a path, or what the caller said).
        contact_properties: every contact property the rules and the sync read.
        company_properties: every company property the rules read.
        sla_tiers: tier name → SLA tier, in file order.
        spec: the validated file, for tools that show it.
    """

    version: str
    name: str
    source: str
    contact_properties: frozenset[str]
    company_properties: frozenset[str]
    sla_tiers: Mapping[str, SlaTier]
    spec: RulesFile
    fit_groups: tuple[FitGroup, ...]
    disqualifiers: tuple[Matcher, ...]
    bant: Bant | None
    engagement: Engagement
    lifecycle: Lifecycle
    lead_status: LeadStatusPolicy
    handoff: Handoff
    fit_weight: float
    engagement_weight: float
    fit_max: float
    engagement_max: float
    disqualified_max_score: int
    grade_bars: tuple[tuple[str, float], ...]
    warm: float
    hot: float
    condition_thresholds: frozenset[float]
    #: the lowest positive temperature or policy engagement bar (inf: none): below it, only
    #: the score's rounding boundary can change as credit decays
    lowest_bar: float
    plan: Plan
    #: the plan and BANT as one function specialised to this file (see codegen.py)
    kernel: Kernel
    recycles: bool
    policy_reads_fit: bool
    policy_reads_engagement: bool
    #: per score 0..100, which side of every score bar of the policy conditions it is on (as a
    #: small number): the policy outcome depends on the score only through it
    score_keys: tuple[int, ...]
    #: policy outcomes memoised by `engine.policy_key` (a pure cache).
    outputs_memo: dict[tuple[object, ...], Outputs] = field(default_factory=dict, compare=False)
    #: the same for MQLs on the recycling clock, keyed also by the instant (see `evaluate`).
    recycling_memo: dict[tuple[object, ...], Outputs] = field(default_factory=dict, compare=False)


def _refs_of(matchers: Iterable[Matcher]) -> Iterable[PropertyRef]:
    for matcher in matchers:
        yield from matcher.refs


def _all_refs(
    fit: tuple[FitGroup, ...],
    disqualifiers: tuple[Matcher, ...],
    bant: Bant | None,
    engagement: Engagement,
) -> list[PropertyRef]:
    refs: list[PropertyRef] = []
    refs.extend(_refs_of(c.matcher for g in fit for c in g.criteria))
    refs.extend(_refs_of(disqualifiers))
    if bant is not None:
        if bant.budget:
            refs.extend(bant.budget.refs)
        if bant.authority:
            refs.extend(bant.authority.role_refs + bant.authority.title_refs)
        if bant.need:
            refs.extend(bant.need.text_refs + bant.need.interest_refs)
        if bant.timeline:
            refs.extend(bant.timeline.refs)
    for at_refs in engagement.at_refs:
        refs.extend(at_refs)
    for signal in engagement.signals:
        refs.extend(signal.count_refs)
        if signal.when is not None:
            refs.extend(signal.when.refs)
    return refs


def _conditions(lifecycle: Lifecycle, handoff: Handoff) -> list[Condition]:
    """Every policy condition (lifecycle stages, handoff, SLA tiers)."""
    found = [c for _, c in lifecycle.stages]
    if lifecycle.mql is not None:
        found.append(lifecycle.mql)
    return [*found, handoff.when, *(c for _, c in handoff.tiers)]


def _condition_thresholds(lifecycle: Lifecycle, handoff: Handoff) -> frozenset[float]:
    """Engagement-point bars in policy conditions, entering and staying (for rescore)."""
    found: set[float] = set()
    for _, condition in lifecycle.stages:
        found.update(condition.engagement_thresholds(0.0))
        found.update(condition.engagement_thresholds(lifecycle.margin))
    for condition in [handoff.when, *(c for _, c in handoff.tiers)]:
        found.update(condition.engagement_thresholds(0.0))
        found.update(condition.engagement_thresholds(handoff.margin))
    return frozenset(found)


def _score_keys(lifecycle: Lifecycle, handoff: Handoff) -> tuple[int, ...]:
    """`RuleSet.score_keys`: scores 0..100 numbered by the score tests they pass.

    Conditions test `score < min_score - relax` and `score > max_score + relax`, with `relax`
    0 or a hysteresis margin; every such bar is taken with every margin (a superset of the
    tests made, so scores with the same number pass exactly the same ones).
    """
    relaxes = {0.0, lifecycle.margin, handoff.margin}
    mins: set[float] = set()
    maxs: set[float] = set()

    def collect(condition: Condition) -> None:
        for relax in relaxes:
            if condition.min_score is not None:
                mins.add(condition.min_score - relax)
            if condition.max_score is not None:
                maxs.add(condition.max_score + relax)
        for nested in condition.any_of:
            collect(nested)

    for condition in _conditions(lifecycle, handoff):
        collect(condition)
    numbers: dict[tuple[tuple[bool, ...], tuple[bool, ...]], int] = {}
    return tuple(
        numbers.setdefault(
            (tuple(s < bar for bar in sorted(mins)), tuple(s > bar for bar in sorted(maxs))),
            len(numbers),
        )
        for s in range(101)
    )


def version_of(spec: RulesFile) -> str:
    """The short hash of a validated file's canonical JSON form."""
    canonical = json.dumps(spec.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:_VERSION_CHARS]


def compile_rules(spec: RulesFile, *, source: str) -> RuleSet:
    """Compile a validated rules file.

    Args:
        spec: the validated file.
        source: a name for messages (usually the path).

    Returns:
        The compiled rule set.
    """
    fit = compile_fit(spec.fit)
    disqualifiers = compile_disqualifiers(spec.disqualifiers)
    bant = None if spec.bant is None else compile_bant(spec.bant)
    engagement = compile_engagement(spec.engagement)
    lifecycle, lead_status, handoff = compile_policies(spec)
    refs = _all_refs(fit, disqualifiers, bant, engagement)
    contact = frozenset(name for on_company, name in refs if not on_company) | ALWAYS_READ
    company = frozenset(name for on_company, name in refs if on_company)
    tiers = MappingProxyType({tier.name: tier for tier, _ in handoff.tiers})
    plan = compile_plan(fit, disqualifiers, engagement)
    conditions = _conditions(lifecycle, handoff)
    thresholds = _condition_thresholds(lifecycle, handoff)
    warm, hot = spec.temperature.warm, spec.temperature.hot
    scoring = Scoring(
        fit_max=spec.fit.max_points,
        fit_weight=spec.score.fit_weight,
        engagement_max=spec.engagement.max_points,
        engagement_weight=spec.score.engagement_weight,
        disqualified_max_score=spec.score.disqualified_max_score,
        grade_bars=(("A", spec.grades.A), ("B", spec.grades.B), ("C", spec.grades.C)),
        warm=warm,
        hot=hot,
        lowest_bar=min((bar for bar in (warm, hot, *thresholds) if bar > 0.0), default=math.inf),
        recycles=lifecycle.recycle_after is not None,
        policy_reads_fit=any(c.reads_fit_points() for c in conditions),
        policy_reads_engagement=any(c.reads_engagement_points() for c in conditions),
        remembers=any(s.remember for s in engagement.signals),
        version=version_of(spec),
        score_keys=_score_keys(lifecycle, handoff),
    )
    return RuleSet(
        version=scoring.version,
        name=spec.name,
        source=source,
        contact_properties=contact,
        company_properties=company,
        sla_tiers=tiers,
        spec=spec,
        fit_groups=fit,
        disqualifiers=disqualifiers,
        bant=bant,
        engagement=engagement,
        lifecycle=lifecycle,
        lead_status=lead_status,
        handoff=handoff,
        fit_weight=scoring.fit_weight,
        engagement_weight=scoring.engagement_weight,
        fit_max=scoring.fit_max,
        engagement_max=scoring.engagement_max,
        disqualified_max_score=scoring.disqualified_max_score,
        grade_bars=scoring.grade_bars,
        warm=warm,
        hot=hot,
        condition_thresholds=thresholds,
        lowest_bar=scoring.lowest_bar,
        plan=plan,
        kernel=compile_kernel(plan, bant, NO_BANT, scoring),
        recycles=scoring.recycles,
        policy_reads_fit=scoring.policy_reads_fit,
        policy_reads_engagement=scoring.policy_reads_engagement,
        score_keys=scoring.score_keys,
    )

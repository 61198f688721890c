"""`RuleSet`: a validated rules file compiled once into frozen, fast structures."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from types import MappingProxyType

from connector.rules.bant import Bant, compile_bant
from connector.rules.engagement import Engagement, compile_engagement
from connector.rules.fit import FitGroup, compile_disqualifiers, compile_fit
from connector.rules.matchers import Matcher, PropertyRef
from connector.rules.model import SlaTier
from connector.rules.policy import (
    DEFAULT_STAGE_ORDER,
    Handoff,
    LeadStatusPolicy,
    Lifecycle,
    StageOrder,
    compile_policies,
)
from connector.rules.schema import RulesFile

#: Contact properties the sync always needs, whatever the rules read.
ALWAYS_READ: frozenset[str] = frozenset(
    {"lifecyclestage", "hs_lead_status", "hubspot_owner_id", "associatedcompanyid"}
)

#: Length of the rules version (hex digits of a SHA-256): short enough for a property, long
#: enough that two different files practically never collide.
_VERSION_CHARS = 12
#: Fields added after rules versions were published: left out of the version while unset, so
#: that adding them did not re-version (and re-score) every existing file. A signal's `at` is
#: unset only on undated signals, which did not exist before. (Not `points`: BANT dimensions
#: have always written an unset `points`.)
_LATER_FIELDS = frozenset({"stages", "not_stages", "baseline", "tiers", "at", "capacity"})


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
        stage_order: the portal's lifecycle stages (HubSpot's default until the sync passes
            the portal's own with `with_stage_order`); not part of the version.
        fit_baseline: fit points every contact starts from (`fit.baseline`), if set.
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
    stage_order: StageOrder = DEFAULT_STAGE_ORDER
    fit_baseline: float | None = None


def with_stage_order(rules: RuleSet, order: StageOrder) -> RuleSet:
    """The same rules for a portal whose lifecycle stages come in `order` (its own options)."""
    return rules if order == rules.stage_order else replace(rules, stage_order=order)


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


def version_of(spec: RulesFile) -> str:
    """The short hash of a validated file's canonical JSON form."""
    dumped = _without_unset_later_fields(spec.model_dump(mode="json"))
    canonical = json.dumps(dumped, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:_VERSION_CHARS]


def _without_unset_later_fields(value: object) -> object:
    if isinstance(value, dict):
        return {
            k: _without_unset_later_fields(v)
            for k, v in value.items()
            if not (k in _LATER_FIELDS and v is None)
        }
    if isinstance(value, list):
        return [_without_unset_later_fields(v) for v in value]
    return value


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
    return RuleSet(
        version=version_of(spec),
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
        fit_weight=spec.score.fit_weight,
        engagement_weight=spec.score.engagement_weight,
        fit_max=spec.fit.max_points,
        engagement_max=spec.engagement.max_points,
        disqualified_max_score=spec.score.disqualified_max_score,
        grade_bars=(("A", spec.grades.A), ("B", spec.grades.B), ("C", spec.grades.C)),
        warm=spec.temperature.warm,
        hot=spec.temperature.hot,
        condition_thresholds=_condition_thresholds(lifecycle, handoff),
        fit_baseline=spec.fit.baseline,
    )

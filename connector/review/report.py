"""`build_review`: leads and rules in, every number of the review out (no I/O)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime

from connector.calibration_file import Calibration, Probabilities
from connector.review.breakdown import (
    BandRow,
    CapacityRow,
    GroupRow,
    ImpliedBar,
    by_grade,
    by_label,
    by_temperature,
    capacity,
    distribution,
    implied_bar,
)
from connector.review.dataset import ReviewLead
from connector.review.funnel import Funnel, SlaEffect, funnel, sla_effect
from connector.review.overfiltering import OverFiltering, over_filtering
from connector.review.properties import (
    LeakWarning,
    PropertyQuality,
    leak_warnings,
    property_quality,
)
from connector.review.scoring import ScoredLead, properties_read, score_leads
from connector.review.stats import (
    Auc,
    CalibrationBin,
    DecileRow,
    auc,
    auc_with_interval,
    deciles,
)
from connector.review.stats import (
    calibration as calibration_bins,
)
from connector.rules import RuleSet

#: Fewer converters (or non-converters) than this cannot support a conclusion.
MIN_OUTCOMES = 30
#: An AUC this close to 0.5 is no signal worth acting on, however narrow its interval.
NEGLIGIBLE_AUC = 0.02


@dataclass(frozen=True, slots=True)
class RulesReview:
    """Everything measured for one rules file."""

    name: str
    version: str
    source: str
    scored: list[ScoredLead]
    auc: Auc
    signal: bool  # False: the data cannot support a conclusion; `verdict` says why
    verdict: str
    deciles: list[DecileRow]
    by_grade: list[GroupRow]
    by_temperature: list[GroupRow]
    by_label: list[GroupRow]
    distribution: list[BandRow]
    capacity: list[CapacityRow]
    over_filtering: OverFiltering
    calibration: list[CalibrationBin]
    ece: float | None
    quality: list[PropertyQuality]
    leaks: list[LeakWarning]
    #: the calibrated probability per lead (`scored` order), when a calibration exists
    probabilities: Probabilities | None = None
    probability_calibration: list[CalibrationBin] = field(default_factory=list)
    probability_ece: float | None = None
    #: the calibration was fitted on the leads under review (same count of leads and
    #: converters): its ECE here is in-sample, not a test; `probability_heldout_ece` is
    probability_in_sample: bool = False
    probability_heldout_ece: float | None = None
    #: the bar `handoff.capacity` implies on these leads (None with a fixed bar)
    capacity_bar: ImpliedBar | None = None


@dataclass(frozen=True, slots=True)
class Review:
    leads: int
    converters: int
    now: datetime
    current: RulesReview
    candidate: RulesReview | None
    funnel: Funnel | None
    sla: SlaEffect | None
    recorded_auc: float | None  # the scores the connector wrote at the time, when known

    @property
    def base_rate(self) -> float:
        return self.converters / self.leads if self.leads else 0.0


def build_review(
    leads: Sequence[ReviewLead],
    rules: RuleSet,
    *,
    now: datetime,
    compare: RuleSet | None = None,
    after_contact: frozenset[str] = frozenset(),
    labels: Mapping[str, str] | None = None,
    segment_by: Sequence[str] = (),
    calibration: Calibration | None = None,
    compare_scored: Sequence[ScoredLead] | None = None,
    compare_probabilities: Probabilities | None = None,
    compare_calibration: Calibration | None = None,
) -> Review:
    """Score the leads with the rules (and a candidate) and measure how well they did.

    Args:
        leads: the leads with their outcomes.
        rules: the rules in force.
        now: the instant leads without a creation date are scored at.
        compare: a candidate rules file, measured the same way, side by side.
        after_contact: properties (as rules name them) known only after sales contact.
        labels: property -> the name the admin knows it by (a CSV column), for the report.
        segment_by: extra properties to look for over-filtered segments in (besides those
            the rules read).
        calibration: the rules' calibration (score → probability), when one exists.
        compare_scored: the candidate's decisions, already made (`suggest` scores each fold
            with rules fitted without it), instead of scoring the leads with `compare`.
        compare_probabilities: the candidate's probabilities per lead, when known.
        compare_calibration: the candidate's calibration, when it has one (and no
            `compare_probabilities` are given).
    """
    names = dict(labels or {})
    scored = score_leads(leads, rules, now=now)
    probabilities = None if calibration is None else _probabilities(calibration, scored)
    current = _review_rules(scored, rules, after_contact, names, segment_by, probabilities)
    if calibration is not None:
        current = _with_calibration_origin(current, calibration)
    candidate = None
    if compare is not None:
        other = (
            compare_scored if compare_scored is not None else score_leads(leads, compare, now=now)
        )
        # probabilities given ready-made (suggest's held-out folds) are a test; a stored
        # calibration applied here may have been fitted on these very leads
        applied = compare_calibration if compare_probabilities is None else None
        if applied is not None:
            compare_probabilities = _probabilities(applied, other)
        candidate = _review_rules(
            list(other), compare, after_contact, names, segment_by, compare_probabilities
        )
        if applied is not None:
            candidate = _with_calibration_origin(candidate, applied)
    recorded = [
        (lead.recorded.score, lead.converted)
        for lead in leads
        if lead.recorded is not None and lead.recorded.score is not None
    ]
    recorded_auc = (
        auc([score for score, _ in recorded], [y for _, y in recorded]) if recorded else None
    )
    return Review(
        leads=len(leads),
        converters=sum(1 for lead in leads if lead.converted),
        now=now,
        current=current,
        candidate=candidate,
        funnel=funnel(leads),
        sla=sla_effect(leads),
        recorded_auc=recorded_auc,
    )


def _with_calibration_origin(review: RulesReview, calibration: Calibration) -> RulesReview:
    leads = len(review.scored)
    converters = sum(1 for s in review.scored if s.converted)
    return replace(
        review,
        probability_in_sample=(calibration.leads, calibration.converters) == (leads, converters),
        probability_heldout_ece=calibration.heldout_ece,
    )


def _probabilities(calibration: Calibration, scored: Sequence[ScoredLead]) -> Probabilities:
    return Probabilities(
        calibration.method, [calibration.probability(s.decision.score) for s in scored]
    )


def _review_rules(
    scored: list[ScoredLead],
    rules: RuleSet,
    after_contact: frozenset[str],
    labels: Mapping[str, str],
    segment_by: Sequence[str],
    probabilities: Probabilities | None,
) -> RulesReview:
    scores = [s.decision.score for s in scored]
    converted = [s.converted for s in scored]
    bar = implied_bar(scored, rules.handoff.capacity)
    found = auc_with_interval(scores, converted)
    signal, verdict = _verdict(found, converted)
    props = properties_read(rules)
    segment_props = list(dict.fromkeys([*props, *segment_by]))
    quality = property_quality(scored, props, labels)
    bins, ece = calibration_bins([x / 100 for x in scores], converted)
    p_bins, p_ece = (
        ([], None) if probabilities is None else calibration_bins(probabilities.values, converted)
    )
    return RulesReview(
        name=rules.name,
        version=rules.version,
        source=rules.source,
        scored=scored,
        auc=found,
        signal=signal,
        verdict=verdict,
        deciles=deciles(scores, converted),
        by_grade=by_grade(scored),
        by_temperature=by_temperature(scored),
        by_label=by_label(scored),
        distribution=distribution(scored),
        capacity=capacity(scored, bar.bar if bar is not None else rules.handoff.when.min_score),
        capacity_bar=bar,
        over_filtering=over_filtering(scored, props, segment_props, labels),
        calibration=bins,
        ece=ece,
        quality=quality,
        leaks=leak_warnings(quality, after_contact),
        probabilities=probabilities,
        probability_calibration=p_bins,
        probability_ece=p_ece,
    )


def _verdict(found: Auc, converted: Sequence[bool]) -> tuple[bool, str]:
    """Whether the data supports a conclusion, in words; noise is never a finding."""
    pos = sum(converted)
    neg = len(converted) - pos
    if found.value is None or pos < MIN_OUTCOMES or neg < MIN_OUTCOMES:
        return False, (
            f"No reliable signal: too few outcomes to judge ({pos:,} converted, {neg:,} did not; "
            f"at least {MIN_OUTCOMES} of each are needed)."
        )
    assert found.low is not None and found.high is not None
    interval = f"AUC {found.value:.2f}, 95 % interval {found.low:.2f}–{found.high:.2f}"
    if found.low <= 0.5 <= found.high:
        return False, (
            f"No reliable signal: the score does not tell converters from non-converters "
            f"better than chance ({interval}, which includes 0.50). Do not read the tables "
            "below as findings."
        )
    if abs(found.value - 0.5) < NEGLIGIBLE_AUC:
        return False, (
            f"No useful signal: the score ranks converters practically at random ({interval}); "
            "however certain, a difference this small is not worth acting on."
        )
    if found.high < 0.5:
        return True, (
            f"The score ranks backwards: non-converters score higher than converters "
            f"({interval}). Check the rules' signs."
        )
    strength = "strongly" if found.value >= 0.8 else "usefully" if found.value >= 0.7 else "weakly"
    return True, f"The score {strength} separates converters from non-converters ({interval})."

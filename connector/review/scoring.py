"""Score each lead of a review as the rules would have decided when it arrived."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime

from connector.review.dataset import ReviewLead
from connector.rules import Decision, LeadInput, RuleSet, evaluate
from connector.rules.conditions import Condition, Facts
from connector.rules.ruleset import ALWAYS_READ

#: Lifecycle targets at or above the MQL bar.
QUALIFIED_STAGES = frozenset({"marketingqualifiedlead", "salesqualifiedlead"})
#: Fields a person or the later funnel sets: left out so each lead is judged as it arrived
#: (a customer's stage would otherwise protect it and hide what the rules thought of it).
_LATER_STATE = ("lifecyclestage", "hs_lead_status")


@dataclass(frozen=True, slots=True)
class DecisionSummary:
    """What a review reads of one rules `Decision`, under the same names.

    A full decision (every reason with its points, BANT, signal memory) costs ~2.6 kB; a review
    holds one per lead of the period (100,000 and more), so each is summarised as soon as it is
    made and dropped. Identical tuples are shared between leads (see `score_leads`).
    """

    score: int
    grade: str
    temperature: str
    label: str
    lifecycle_target: str | None
    handoff_condition: bool
    #: the handoff condition's other tests hold, whatever its score bar (the capacity table
    #: varies the bar alone, so that it counts what the rules would hand off at each)
    handoff_at_any_bar: bool
    fit_points: float
    engagement_points: float
    disqualified: str | None  # the criterion of the disqualifier that held, if one did
    penalized: tuple[str, ...]  # fit and BANT criteria that took points away
    unreadable: tuple[str, ...]  # properties whose value the rules could not read


@dataclass(frozen=True, slots=True)
class ScoredLead:
    lead: ReviewLead
    decision: DecisionSummary
    above_mql_bar: bool
    handed_off: bool  # as recorded when the connector's record is known, else as re-scored

    @property
    def converted(self) -> bool:
        return self.lead.converted


def score_leads(leads: Iterable[ReviewLead], rules: RuleSet, *, now: datetime) -> list[ScoredLead]:
    """Each lead scored at its creation instant (or `now` when unknown), as a new arrival."""
    shared: dict[tuple[str, ...], tuple[str, ...]] = {}
    unbarred = replace(rules.handoff.when, min_score=None)
    out: list[ScoredLead] = []
    for lead in leads:
        contact = {k: v for k, v in lead.contact.items() if k not in _LATER_STATE}
        decision = evaluate(
            LeadInput(contact_id=lead.lead_id, contact=contact, company=lead.company),
            rules=rules,
            now=lead.created_at or now,
        )
        recorded = lead.recorded
        handed_off = (
            recorded.handed_off_at is not None
            if recorded is not None
            else decision.handoff_condition
        )
        summary = summarise(decision, shared, unbarred)
        out.append(
            ScoredLead(
                lead=lead,
                decision=summary,
                above_mql_bar=summary.lifecycle_target in QUALIFIED_STAGES,
                handed_off=handed_off,
            )
        )
    return out


def summarise(
    decision: Decision,
    shared: dict[tuple[str, ...], tuple[str, ...]] | None = None,
    unbarred: Condition | None = None,
) -> DecisionSummary:
    """The summary of one decision; `shared` holds the tuples already made, to reuse them;
    `unbarred` is the handoff condition without its score bar (None: the decision's own)."""
    pool = {} if shared is None else shared
    penalized = tuple(
        r.criterion for r in decision.reasons if r.points < 0 and r.kind in ("fit", "bant")
    )
    disqualified = decision.disqualified
    return DecisionSummary(
        score=decision.score,
        grade=decision.grade,
        temperature=decision.temperature,
        label=decision.label,
        lifecycle_target=decision.lifecycle_target,
        handoff_condition=decision.handoff_condition,
        handoff_at_any_bar=decision.handoff_condition
        if unbarred is None
        else unbarred.holds(_facts(decision)),
        fit_points=decision.fit_points,
        engagement_points=decision.engagement_points,
        disqualified=None if disqualified is None else disqualified.criterion,
        penalized=pool.setdefault(penalized, penalized),
        unreadable=pool.setdefault(decision.unreadable, decision.unreadable),
    )


def _facts(decision: Decision) -> Facts:
    # the stage is left out of a review's leads (`_LATER_STATE`): each is judged as it arrived
    return Facts.of(decision)


def properties_read(rules: RuleSet) -> list[str]:
    """What the rules read, as rules name it (`company.x` for a company property), sorted.

    The sync always fetches a few properties (lifecycle stage, lead status, owner); they count
    here only when the rules file itself names one (a criterion on the lead status is a leak).
    """
    named = _strings(rules.spec.model_dump(mode="json"))
    always = {p for p in ALWAYS_READ if p in named or f"contact.{p}" in named}
    contact = sorted((rules.contact_properties - ALWAYS_READ) | always)
    company = sorted(f"company.{p}" for p in rules.company_properties)
    return contact + company


def value_of(lead: ReviewLead, prop: str) -> str | None:
    """A property's raw text (None when missing or blank), `company.x` from the company."""
    if prop.startswith("company."):
        value = (lead.company or {}).get(prop.removeprefix("company."))
    else:
        value = lead.contact.get(prop)
    if value is None or not value.strip():
        return None
    return value


def _strings(value: object) -> set[str]:
    if isinstance(value, str):
        return {value}
    if isinstance(value, dict):
        return set().union(*(_strings(v) for v in value.values()))
    if isinstance(value, list):
        return set().union(*(_strings(v) for v in value))
    return set()

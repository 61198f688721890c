"""`evaluate`: one contact, one instant, one rule set → one `Decision`.

The whole decision is made here, top to bottom: set aside values that are not text, the first
disqualifier, fit (with its baseline), BANT, engagement credits at `now`, the score, grade and
temperature, the policies (lifecycle, handoff, lead status), the reasons in score points that
add up to the score (`tally.py`), and when the decision would next change with time alone
(`rescore.py`). `evaluate_many` is the same for many leads, for backtests.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from types import MappingProxyType

from connector.rules.bant import score_bant
from connector.rules.engagement import (
    collect_terms,
    collected_points,
    engagement_reasons,
    updated_memory,
)
from connector.rules.explain import compact_text, order_reasons
from connector.rules.fit import first_disqualifier, score_fit
from connector.rules.matchers import Properties
from connector.rules.model import BantResult, Decision, LeadInput, PriorState, Reason
from connector.rules.rescore import next_change
from connector.rules.ruleset import RuleSet
from connector.rules.scoring import Static, grade_of, outputs_at
from connector.rules.tally import settle
from connector.rules.values import to_datetime

_NO_BANT = BantResult(())
_TEXT_OR_NONE = frozenset({str, type(None)})
_NO_MEMORY: MappingProxyType[str, datetime] = MappingProxyType({})


def evaluate(
    lead: LeadInput,
    *,
    rules: RuleSet,
    now: datetime,
    prior: PriorState | None = None,
) -> Decision:
    """Score one contact and decide what the connector should write.

    Pure and deterministic: the same lead, rules, instant and prior give the same decision.
    Garbage property values are unknown facts, never exceptions.

    Args:
        lead: the contact's (and its company's) HubSpot property strings.
        rules: the compiled rule set.
        now: the evaluation instant (timezone-aware).
        prior: what the state store remembers for this contact, or None.

    Returns:
        The decision: score, grade, temperature, label, BANT, reasons, the lifecycle stage and
        lead status to write (None = leave alone), the handoff condition and SLA tier, when to
        re-score, and the recycling clock and signal memory to store.

    Raises:
        ValueError: `now` is naive (a programming error, not a data problem).
    """
    if now.tzinfo is None:
        raise ValueError("evaluate() needs a timezone-aware `now`")
    contact, unreadable = _readable(lead.contact, rules.contact_properties, "")
    company = lead.company
    if company is not None:
        company, unreadable_on_company = _readable(company, rules.company_properties, "company.")
        unreadable += unreadable_on_company
    now_s = now.timestamp()
    reasons: list[Reason] = []

    disqualifier = first_disqualifier(rules.disqualifiers, contact, company)
    if disqualifier is not None:
        reasons.append(disqualifier)
    disqualified = disqualifier is not None
    fit_points = score_fit(rules.fit_groups, contact, company, reasons)
    baseline = rules.fit_baseline
    if baseline is not None:
        fit_points = baseline + fit_points
        reasons.append(Reason("baseline", "baseline", None, baseline, "fit"))
    bant = _NO_BANT if rules.bant is None else score_bant(rules.bant, contact, company, reasons)
    fit_points += bant.points
    memory = prior.signal_memory if prior is not None else _NO_MEMORY
    terms = collect_terms(rules.engagement, contact, company, memory, now_s)
    engagement_points = collected_points(terms)
    engagement_reasons(terms, now_s, reasons)

    fit_share = fit_points / rules.fit_max
    fit_share = 0.0 if fit_share < 0.0 else (1.0 if fit_share > 1.0 else fit_share)
    grade = grade_of(rules, fit_points, disqualified)
    static = Static(
        fit_points=fit_points,
        fit_part=100.0 * rules.fit_weight * fit_share,
        grade=grade,
        bant_met_count=bant.met_count,
        bant_met=bant.met,
        disqualified=disqualified,
        stage=contact.get("lifecyclestage"),
        status=contact.get("hs_lead_status"),
    )
    out = outputs_at(rules, static, engagement_points, now, prior)
    if out.note is not None:
        reasons.append(out.note)
    settled = settle(
        reasons,
        rules=rules,
        fit_points=fit_points,
        fit_part=static.fit_part,
        engagement_points=engagement_points,
        score=out.score,
        disqualified=disqualified,
    )

    memory_s = updated_memory(terms)
    new_memory = (
        MappingProxyType({k: to_datetime(v) for k, v in memory_s.items()})
        if memory_s
        else _NO_MEMORY
    )
    rescore = next_change(
        rules=rules,
        static=static,
        terms=terms,
        now=now,
        current=out,
        prior=prior,
        memory=new_memory,
    )

    ordered = order_reasons(settled)
    label = f"{grade}-{out.temperature}"
    return Decision(
        contact_id=lead.contact_id,
        score=out.score,
        fit_points=fit_points,
        engagement_points=engagement_points,
        grade=grade,
        temperature=out.temperature,
        label=label,
        disqualified=ordered[0] if disqualified else None,
        bant=bant,
        reasons=ordered,
        compact_reasons=compact_text(ordered),
        lifecycle_target=out.lifecycle_target,
        lifecycle_clear_first=out.lifecycle_clear_first,
        lead_status_target=out.lead_status_target,
        handoff_condition=out.handoff,
        sla_tier=out.sla_tier,
        rescore_at=rescore,
        below_bar_since=out.below_bar_since,
        rules_version=rules.version,
        signal_memory=new_memory,
        unreadable=unreadable,
    )


def evaluate_many(
    leads: Iterable[LeadInput],
    *,
    rules: RuleSet,
    now: datetime | Sequence[datetime],
    priors: Mapping[str, PriorState] | None = None,
) -> list[Decision]:
    """Score many leads, as for a backtest: at one instant, or each at its own.

    Args:
        leads: the leads, in any order.
        rules: the compiled rule set.
        now: one instant for every lead, or one per lead in the order of `leads` (e.g. when
            each lead was created, to judge the rules as they would have decided then).
        priors: prior states by contact id; a lead without one is scored as never seen.

    Returns:
        One decision per lead, in the order of `leads`.

    Raises:
        ValueError: an instant is naive, or there are more or fewer instants than leads.
    """
    known = priors or {}
    leads = list(leads)
    instants = [now] * len(leads) if isinstance(now, datetime) else list(now)
    if len(instants) != len(leads):
        raise ValueError(f"evaluate_many() got {len(instants)} instants for {len(leads)} leads")
    return [
        evaluate(lead, rules=rules, now=at, prior=known.get(lead.contact_id))
        for lead, at in zip(leads, instants, strict=True)
    ]


def _readable(
    properties: Properties, names: frozenset[str], prefix: str
) -> tuple[Properties, tuple[str, ...]]:
    """The properties with every value the rules read that is not text taken out, and those.

    HubSpot sends strings or null; anything else (a number or a list in a hand-built input, a
    CSV reader's float) is set aside and named, so the decision can report it instead of
    reading it as a plain "missing".
    """
    if _TEXT_OR_NONE.issuperset(map(type, properties.values())):
        return properties, ()  # the usual case, checked in one pass at C speed
    unreadable = tuple(
        sorted(
            name
            for name in names
            if (value := properties.get(name)) is not None and not isinstance(value, str)
        )
    )
    if not unreadable:
        return properties, ()
    kept = {name: value for name, value in properties.items() if name not in unreadable}
    return kept, tuple(prefix + name for name in unreadable)

"""`evaluate`: one contact, one instant, one rule set → one `Decision`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from types import MappingProxyType

from connector.rules.conditions import Facts
from connector.rules.construct import positional_constructor
from connector.rules.explain import hit_of, ordered_hits
from connector.rules.model import Decision, LeadInput, PriorState, Reason
from connector.rules.policy import MQL, decide_handoff, decide_lead_status, decide_lifecycle
from connector.rules.rescore import next_change
from connector.rules.ruleset import RuleSet
from connector.rules.scoring import score_of, temperature_of
from connector.rules.values import to_datetime

#: `Decision(...)` without the frozen dataclass's per-field `object.__setattr__` (see construct.py).
_new_decision = positional_constructor(Decision)
#: Memoised policy outcomes per rule set (entries); a pure cache, bounded.
_OUTPUTS_MEMO_MAX_ENTRIES = 20_000
_NO_MEMORY: MappingProxyType[str, datetime] = MappingProxyType({})


@dataclass(slots=True)
class Static:
    """The parts of a decision that do not change with time (for one contact).

    Not frozen on purpose: one is built per contact on the hot path, and a frozen dataclass's
    `__init__` costs about four times as much (it sets each field through
    `object.__setattr__`). It is private to the engine and never modified after creation.
    """

    fit_points: float
    fit_part: float  # fit's share of the score, 0..100·fit_weight
    grade: str
    bant_met_count: int
    bant_met: frozenset[str]
    disqualified: bool
    stage: str | None
    status: str | None


@dataclass(frozen=True, slots=True)
class Outputs:
    """The time-dependent outputs at one instant."""

    score: int
    temperature: str
    lifecycle_target: str | None
    lifecycle_clear_first: bool
    lead_status_target: str | None
    handoff: bool
    sla_tier: str | None
    below_bar_since: datetime | None
    recycle_due: datetime | None
    note: Reason | None


def outputs_at(
    rules: RuleSet,
    static: Static,
    engagement_points: float,
    now: datetime,
    prior: PriorState | None,
) -> Outputs:
    """Score, temperature and policy outcomes for given engagement points at `now`.

    Outside the recycling clock (an MQL under a recycling policy) the outcome depends only on
    the facts, the current stage and status and a little of the prior state, which contacts
    share: it is memoised on the rule set by those.
    """
    score = score_of(rules, static.fit_part, engagement_points, static.disqualified)
    if rules.recycles and static.stage is not None and static.stage.strip().lower() == MQL:
        return _outputs(rules, static, score, engagement_points, now, prior)
    temperature = temperature_of(rules, engagement_points)
    key = (
        score,
        temperature,
        engagement_points if rules.policy_reads_engagement else None,
        static.fit_points if rules.policy_reads_fit else None,
        static.grade,
        static.bant_met_count,
        static.bant_met,
        static.disqualified,
        static.stage,
        static.status,
        None if prior is None else (prior.in_handoff, prior.last_written_lead_status),
    )
    memo = rules.outputs_memo
    out = memo.get(key)
    if out is None:
        out = _outputs(rules, static, score, engagement_points, now, prior)
        if len(memo) < _OUTPUTS_MEMO_MAX_ENTRIES:
            memo[key] = out
    return out


def _outputs(
    rules: RuleSet,
    static: Static,
    score: int,
    engagement_points: float,
    now: datetime,
    prior: PriorState | None,
) -> Outputs:
    temperature = temperature_of(rules, engagement_points)
    facts = Facts(
        score=score,
        fit_points=static.fit_points,
        engagement_points=engagement_points,
        grade=static.grade,
        temperature=temperature,
        bant_met_count=static.bant_met_count,
        bant_met=static.bant_met,
        disqualified=static.disqualified,
    )
    lifecycle = decide_lifecycle(rules.lifecycle, static.stage, facts, now, prior)
    handoff, tier = decide_handoff(rules.handoff, facts, prior)
    status = decide_lead_status(
        rules.lead_status, static.status, prior, static.disqualified, handoff
    )
    return Outputs(
        score=score,
        temperature=temperature,
        lifecycle_target=lifecycle.target,
        lifecycle_clear_first=lifecycle.clear_first,
        lead_status_target=status,
        handoff=handoff,
        sla_tier=tier,
        below_bar_since=lifecycle.below_bar_since,
        recycle_due=lifecycle.recycle_due,
        note=lifecycle.note,
    )


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
    contact = lead.contact
    now_s = now.timestamp()
    disqualifier, fit_points, bant, terms, points, slope, memory_s, hits = rules.kernel.run(
        contact, lead.company, _NO_MEMORY if prior is None else prior.signal_memory, now_s
    )
    # score_of, grade_of and temperature_of, inlined (the same arithmetic, in the same order).
    disqualified = disqualifier is not None
    share = fit_points / rules.fit_max
    share = 0.0 if share < 0.0 else (1.0 if share > 1.0 else share)
    fit_part = 100.0 * rules.fit_weight * share
    grade = "D"
    if not disqualified:
        for name, bar in rules.grade_bars:
            if fit_points >= bar:
                grade = name
                break
    share = points / rules.engagement_max
    if share > 1.0:
        share = 1.0
    raw = fit_part + 100.0 * rules.engagement_weight * share
    score = int(raw + 0.5) if raw > 0.0 else 0
    if score > 100:
        score = 100
    if disqualified and score > rules.disqualified_max_score:
        score = rules.disqualified_max_score
    temperature = "hot" if points >= rules.hot else ("warm" if points >= rules.warm else "cold")
    stage = contact.get("lifecyclestage")
    status = contact.get("hs_lead_status")

    # outputs_at, inlined: policy outcomes memoised by the facts they read.
    key: tuple[object, ...] = (
        score,
        temperature,
        points if rules.policy_reads_engagement else None,
        fit_points if rules.policy_reads_fit else None,
        grade,
        bant.met_count,
        bant.met,
        disqualified,
        stage,
        status,
        None if prior is None else (prior.in_handoff, prior.last_written_lead_status),
    )
    memo = rules.outputs_memo
    if rules.recycles and stage is not None and stage.strip().lower() == MQL:
        # On the recycling clock the outcome also depends on the instant and the clock's
        # start; a run scores all its contacts at one instant, so they share entries.
        key = (*key, now, None if prior is None else prior.below_bar_since)
        memo = rules.recycling_memo
        if len(memo) >= _OUTPUTS_MEMO_MAX_ENTRIES:
            memo.clear()  # entries of past runs' instants are never read again
    static: Static | None = None
    out = memo.get(key)
    if out is None:
        static = Static(
            fit_points, fit_part, grade, bant.met_count, bant.met, disqualified, stage, status
        )
        out = _outputs(rules, static, score, points, now, prior)
        if len(memo) < _OUTPUTS_MEMO_MAX_ENTRIES:
            memo[key] = out
    if out.note is not None:
        hits.append(hit_of(out.note))

    new_memory = (
        MappingProxyType({k: to_datetime(v) for k, v in memory_s.items()})
        if memory_s
        else _NO_MEMORY
    )
    rescore: datetime | None = None
    if terms and (
        points >= rules.lowest_bar
        or (
            score > 0
            and rules.engagement_weight > 0.0
            and 0.0 < _boundary(rules, score, fit_part) <= points
        )
    ):
        # Some engagement bar is at or below the points now: find when they fall under it.
        rescore = next_change(
            rules=rules,
            static=static
            or Static(
                fit_points, fit_part, grade, bant.met_count, bant.met, disqualified, stage, status
            ),
            terms=terms,
            now=now,
            current=out,
            prior=prior,
            memory=new_memory,
            outputs_at=outputs_at,
            points_now=points,
            slope_now=slope,
        )
    elif out.recycle_due is not None:
        rescore = to_datetime(out.recycle_due.timestamp())  # as next_change gives it

    reasons, compact = ordered_hits(hits)
    return _new_decision(
        lead.contact_id,
        score,
        fit_points,
        points,
        grade,
        temperature,
        f"{grade}-{temperature}",
        None if disqualifier is None else disqualifier[3],
        bant.result,
        reasons,
        compact,
        out.lifecycle_target,
        out.lifecycle_clear_first,
        out.lead_status_target,
        out.handoff,
        out.sla_tier,
        rescore,
        out.below_bar_since,
        rules.version,
        new_memory,
    )


def _boundary(rules: RuleSet, score: int, fit_part: float) -> float:
    """The engagement points below which the score rounds to less (as rescore's threshold)."""
    return (score - 0.5 - fit_part) / (100.0 * rules.engagement_weight) * rules.engagement_max

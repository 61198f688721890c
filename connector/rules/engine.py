"""`evaluate`: one contact, one instant, one rule set → one `Decision`.

The work is done by the function generated for the rule set (`codegen.py` writes the scoring,
`codegen_decision.py` the decision around it). This module holds what that function calls off
its fast path: policy outcomes the memo has not seen, and the values rescore_at's solver needs.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from connector.rules.conditions import Facts
from connector.rules.explain import RANK_POLICY, Hit, hit_of
from connector.rules.model import Decision, LeadInput, PriorState, Reason
from connector.rules.policy import MQL, decide_handoff, decide_lead_status, decide_lifecycle
from connector.rules.scoring import score_of, temperature_of

if TYPE_CHECKING:
    from connector.rules.ruleset import RuleSet  # the rule set's code calls back into here

#: Memoised policy outcomes per rule set (entries); a pure cache, bounded.
_OUTPUTS_MEMO_MAX_ENTRIES = 20_000


@dataclass(slots=True)
class Static:
    """The parts of a decision that do not change with time (for one contact).

    Not frozen on purpose: a frozen dataclass's `__init__` costs about four times as much (it
    sets each field through `object.__setattr__`). It is private to the engine and never
    modified after creation.
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
    """The policy outcomes at one instant (score and temperature are the caller's)."""

    lifecycle_target: str | None
    lifecycle_clear_first: bool
    lead_status_target: str | None
    handoff: bool
    sla_tier: str | None
    below_bar_since: datetime | None
    recycle_due: datetime | None
    note: Reason | None
    note_hit: Hit | None  # the note as the decision lists it


#: What `Outputs` memos hold for facts that put an MQL on the recycling clock: the outcome then
#: also depends on the instant and the clock's start, and is memoised apart (see below).
ON_CLOCK = Outputs(None, False, None, False, None, None, None, None, None)


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
    try:
        return rules.kernel.run(lead, rules, now, prior)
    except (TypeError, AttributeError):
        # The generated code reads values as HubSpot sends them (strings or None) without
        # checking each one; a value of another type (a number or a list in a hand-built
        # input) reads as missing instead. An error of any other cause recurs on the retry.
        return rules.kernel.run(_strings_only(lead), rules, now, prior)


def _strings_only(lead: LeadInput) -> LeadInput:
    """The lead with every value that is not a string replaced by None."""

    def clean(properties: Mapping[str, object]) -> dict[str, str | None]:
        return {k: v if isinstance(v, str) else None for k, v in properties.items()}

    company = None if lead.company is None else clean(lead.company)
    return LeadInput(lead.contact_id, clean(lead.contact), company)


def policy_key(
    rules: RuleSet,
    static: Static,
    score: int,
    temperature: str,
    engagement_points: float,
    prior: PriorState | None,
) -> tuple[object, ...]:
    """The memo key of the policy outcome: every fact the policies read, the score by its bar.

    Policy conditions test the score only against their bars, so scores on the same side of
    every bar (`RuleSet.score_keys`) share outcomes. The generated code builds the same key in
    line (codegen_decision.py); tests/rules/test_rules_fastpaths.py checks they agree.
    """
    return (
        rules.score_keys[score],
        temperature,
        static.grade,
        static.bant_met,  # its size is the met count: dimension names are distinct
        static.disqualified,
        static.stage,
        static.status,
        None if prior is None else (prior.in_handoff, prior.last_written_lead_status),
        engagement_points if rules.policy_reads_engagement else None,
        static.fit_points if rules.policy_reads_fit else None,
    )


def outputs_at(
    rules: RuleSet,
    static: Static,
    engagement_points: float,
    now: datetime,
    prior: PriorState | None,
) -> Outputs:
    """The policy outcomes for given engagement points at `now` (for rescore_at)."""
    score = score_of(rules, static.fit_part, engagement_points, static.disqualified)
    temperature = temperature_of(rules, engagement_points)
    key = policy_key(rules, static, score, temperature, engagement_points, prior)
    found = rules.outputs_memo.get(key)
    if found is not None and found is not ON_CLOCK:
        return found
    return policy_outputs(
        rules, key, found, static, score, temperature, engagement_points, now, prior
    )


def policy_outputs(
    rules: RuleSet,
    key: tuple[object, ...],
    found: Outputs | None,
    static: Static,
    score: int,
    temperature: str,
    engagement_points: float,
    now: datetime,
    prior: PriorState | None,
) -> Outputs:
    """The policy outcomes when `rules.outputs_memo` had none for `key` (`found` is None) or
    said the contact is on the recycling clock (`found` is `ON_CLOCK`).

    Outside the recycling clock the outcome depends only on the facts in `key`, which contacts
    share. On the clock (an MQL under a recycling policy) it also depends on the instant and the
    clock's start; a run scores all its contacts at one instant, so they share entries of
    `rules.recycling_memo`, which is emptied when full (past runs' instants are never read again).
    """
    memo = rules.outputs_memo
    if found is None:
        stage = static.stage
        if not (rules.recycles and stage is not None and stage.strip().lower() == MQL):
            out = _outputs(rules, static, score, temperature, engagement_points, now, prior)
            if len(memo) < _OUTPUTS_MEMO_MAX_ENTRIES:
                memo[key] = out
            return out
        if len(memo) < _OUTPUTS_MEMO_MAX_ENTRIES:
            memo[key] = ON_CLOCK
    clock_key = (key, now, None if prior is None else prior.below_bar_since)
    memo = rules.recycling_memo
    on_clock = memo.get(clock_key)
    if on_clock is None:
        if len(memo) >= _OUTPUTS_MEMO_MAX_ENTRIES:
            memo.clear()
        on_clock = _outputs(rules, static, score, temperature, engagement_points, now, prior)
        memo[clock_key] = on_clock
    return on_clock


def _outputs(
    rules: RuleSet,
    static: Static,
    score: int,
    temperature: str,
    engagement_points: float,
    now: datetime,
    prior: PriorState | None,
) -> Outputs:
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
    note = lifecycle.note
    return Outputs(
        lifecycle_target=lifecycle.target,
        lifecycle_clear_first=lifecycle.clear_first,
        lead_status_target=status,
        handoff=handoff,
        sla_tier=tier,
        below_bar_since=lifecycle.below_bar_since,
        recycle_due=lifecycle.recycle_due,
        note=note,
        note_hit=None if note is None else hit_of(note, RANK_POLICY),
    )

"""Lifecycle, lead-status and handoff policies: what the sync may write, and when.

Invariants (see docs/rules.md):
- Protected stages: `opportunity`, `customer`, `evangelist`, `other`, any stage the portal
  orders after `salesqualifiedlead` (admins add custom stages) and any stage missing from the
  portal's order. A contact at one is scored and nothing else: no lifecycle move, no lead
  status, no handoff. The order is the portal's (`StageOrder`, read by the sync from the
  `lifecyclestage` options); HubSpot's default order stands in until it is known.
- Lifecycle moves forward only, unless recycling is enabled (an MQL below the bar for N days
  goes back to `lead`) or the admin turned `forward_only` off; backward moves need the stage
  cleared first, which the sync does in a separate request.
- A lead status is only written when the field is empty or still holds the value the connector
  itself wrote last; with no prior state (a lost store) a non-empty status is left alone.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from types import MappingProxyType

from connector.hubspot_facts import LIFECYCLE_ORDER
from connector.rules.conditions import ALWAYS, Condition, Facts, compile_condition
from connector.rules.model import PriorState, Reason, SlaTier
from connector.rules.schema import RulesFile
from connector.rules.schema_policy import ConditionSpec
from connector.rules.values import bounded

LEAD, MQL, SQL = "lead", "marketingqualifiedlead", "salesqualifiedlead"

#: Stages past SQL in HubSpot's default order, which deals and people own: the connector never
#: writes over them, wherever a portal's custom order puts them.
PROTECTED_STAGES = frozenset(LIFECYCLE_ORDER[LIFECYCLE_ORDER.index(SQL) + 1 :])


def normal_stage(stage: str | None) -> str:
    """A `lifecyclestage` value as the policies compare it ("" = no stage)."""
    return bounded(stage or "").strip().lower()


@dataclass(frozen=True, slots=True)
class StageOrder:
    """A portal's lifecycle stages in forward order, and which ones a contact may leave.

    Build it with `StageOrder.of`. Pure data: the sync reads the options from HubSpot and
    passes them in (through `RuleSet.stage_order`), the rules never ask.
    """

    stages: tuple[str, ...]
    levels: Mapping[str, int]
    #: Stages the connector may move a contact out of; "" (no stage) included.
    movable: frozenset[str]

    @classmethod
    def of(cls, stages: Iterable[str]) -> StageOrder:
        """The order of `stages` (earliest first); movable are those up to SQL.

        Without SQL in the portal (an admin removed it) the cut is the last of MQL, lead and
        subscriber: a stage whose place is unclear is protected, never moved.
        """
        names = tuple(dict.fromkeys(n for n in map(normal_stage, stages) if n))
        levels = {name: level for level, name in enumerate(names)}
        cut = levels.get(SQL)
        if cut is None:
            cut = max((levels[s] for s in (MQL, LEAD, "subscriber") if s in levels), default=-1)
        movable = frozenset({"", *(n for n in names[: cut + 1] if n not in PROTECTED_STAGES)})
        return cls(names, MappingProxyType(levels), movable)

    def protected(self, stage: str | None) -> bool:
        """True for a stage the connector never touches: past SQL, standard-protected, or not
        in the portal's order at all."""
        return normal_stage(stage) not in self.movable

    def level(self, stage: str | None) -> int:
        """The stage's place in the order; -1 for no stage (before every stage)."""
        return self.levels.get(normal_stage(stage), -1)


#: HubSpot's default order: what the rules use until the sync passes the portal's own.
DEFAULT_STAGE_ORDER = StageOrder.of(LIFECYCLE_ORDER)


@dataclass(frozen=True, slots=True)
class Lifecycle:
    forward_only: bool
    margin: float
    stages: tuple[tuple[str, Condition], ...]  # highest stage first
    mql: Condition | None
    recycle_after: timedelta | None
    recycle_to: str


@dataclass(frozen=True, slots=True)
class LeadStatusPolicy:
    on_handoff: str | None
    on_disqualified: str | None


@dataclass(frozen=True, slots=True)
class HandoffCapacity:
    """`handoff.capacity`: the bar is derived from recent scores (`capacity_bar.py`)."""

    per_week: int
    start_bar: float


@dataclass(frozen=True, slots=True)
class Handoff:
    when: Condition
    margin: float
    tiers: tuple[tuple[SlaTier, Condition], ...]
    #: Set when the score bar comes from capacity: `when` then tests the bar in force.
    capacity: HandoffCapacity | None = None


@dataclass(frozen=True, slots=True)
class LifecycleOutcome:
    target: str | None
    clear_first: bool
    below_bar_since: datetime | None
    recycle_due: datetime | None
    note: Reason | None


def compile_policies(spec: RulesFile) -> tuple[Lifecycle, LeadStatusPolicy, Handoff]:
    """Compile the lifecycle, lead-status and handoff sections."""
    lc = spec.lifecycle
    stages = tuple(
        (name, compile_condition(cond))
        for name, cond in (
            (SQL, lc.salesqualifiedlead),
            (MQL, lc.marketingqualifiedlead),
            (LEAD, lc.lead),
        )
        if cond is not None
    )
    lifecycle = Lifecycle(
        forward_only=lc.forward_only,
        margin=lc.hysteresis_margin,
        stages=stages,
        mql=None
        if lc.marketingqualifiedlead is None
        else compile_condition(lc.marketingqualifiedlead),
        recycle_after=None if lc.recycle is None else timedelta(days=lc.recycle.after_days),
        recycle_to=LEAD if lc.recycle is None else lc.recycle.to,
    )
    status = LeadStatusPolicy(spec.lead_status.on_handoff, spec.lead_status.on_disqualified)
    tiers = tuple(
        (
            SlaTier(t.name, t.response_hours, t.task_type, t.priority),
            ALWAYS if t.when is None else compile_condition(t.when),
        )
        for t in spec.handoff.sla_tiers
    )
    handoff = Handoff(_handoff_when(spec), spec.handoff.hysteresis_margin, tiers, _capacity(spec))
    return lifecycle, status, handoff


def _capacity(spec: RulesFile) -> HandoffCapacity | None:
    cap = spec.handoff.capacity
    return None if cap is None else HandoffCapacity(cap.per_week, cap.start_bar)


def _handoff_when(spec: RulesFile) -> Condition:
    """The handoff condition; with `capacity`, its other tests and the start bar until the
    sync passes a derived one (`capacity_bar.with_handoff_bar`)."""
    when = spec.handoff.when
    cap = spec.handoff.capacity
    if cap is None:
        assert when is not None  # the schema requires one of the two
        return compile_condition(when)
    return replace(compile_condition(when or ConditionSpec()), min_score=cap.start_bar)


def decide_lifecycle(
    policy: Lifecycle,
    order: StageOrder,
    current: str | None,
    facts: Facts,
    now: datetime,
    prior: PriorState | None,
) -> LifecycleOutcome:
    """The lifecycle stage to write, if any.

    Args:
        policy: the compiled lifecycle policy.
        order: the portal's stage order.
        current: the contact's current `lifecyclestage` value.
        facts: the contact's facts now.
        now: the evaluation instant.
        prior: the prior state, or None when the store has none.

    Returns:
        The target (None = leave alone), whether to clear first, and the recycling clock.
    """
    cur = normal_stage(current)
    if order.protected(cur):
        return LifecycleOutcome(None, False, None, None, None)
    cur_level = order.level(cur)
    desired: str | None = None
    for stage, condition in policy.stages:
        if stage not in order.levels:
            continue  # the portal removed this stage: a write would be refused
        relax = policy.margin if cur_level >= order.levels[stage] else 0.0
        if condition.holds(facts, relax):
            desired = stage
            break
    below_since: datetime | None = None
    if policy.recycle_after is not None and cur == MQL:
        still_mql = policy.mql is None or policy.mql.holds(facts, policy.margin)
        if not still_mql:
            known = prior.below_bar_since if prior is not None else None
            below_since = known if known is not None and known <= now else now
    if desired is not None and order.levels[desired] > cur_level:
        return LifecycleOutcome(desired, False, below_since, None, None)
    if below_since is not None and policy.recycle_after is not None:
        due = below_since + policy.recycle_after
        if now >= due:
            days = policy.recycle_after.total_seconds() / 86_400
            note = Reason(
                "policy",
                f"recycled MQL to {policy.recycle_to} after {days:g} days below the MQL bar",
                f"below since {below_since.date().isoformat()}",
                0.0,
                "lifecycle",
            )
            return LifecycleOutcome(policy.recycle_to, True, below_since, None, note)
        return LifecycleOutcome(None, False, below_since, due, None)
    if not policy.forward_only and desired is not None and order.levels[desired] < cur_level:
        return LifecycleOutcome(desired, True, below_since, None, None)
    return LifecycleOutcome(None, False, below_since, None, None)


def decide_lead_status(
    policy: LeadStatusPolicy,
    current: str | None,
    prior: PriorState | None,
    disqualified: bool,
    handoff: bool,
) -> str | None:
    """The lead status to write, or None to leave the field alone.

    Args:
        policy: which statuses the connector sets.
        current: the contact's current `hs_lead_status`.
        prior: the prior state (None = unknown: a non-empty status is then left alone).
        disqualified: a disqualifier holds.
        handoff: the handoff condition holds.

    Returns:
        The status to write, or None.
    """
    cur = bounded(current or "").strip()
    if cur:
        ours = prior.last_written_lead_status if prior is not None else None
        if ours is None or cur != ours:
            return None  # a rep (or another tool) set it: never overwrite
    wanted = policy.on_disqualified if disqualified else (policy.on_handoff if handoff else None)
    if wanted is None or wanted == cur:
        return None
    return wanted


def decide_handoff(
    policy: Handoff, facts: Facts, prior: PriorState | None
) -> tuple[bool, str | None]:
    """Whether the handoff condition holds (with hysteresis) and the SLA tier that applies."""
    relax = policy.margin if prior is not None and prior.in_handoff else 0.0
    if not policy.when.holds(facts, relax):
        return False, None
    for tier, condition in policy.tiers:
        if condition.holds(facts, relax):
            return True, tier.name
    return True, None

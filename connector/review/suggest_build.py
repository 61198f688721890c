"""From the rules in force and leads with outcomes to a candidate rules file (no I/O).

`build_candidate` is the whole learning step: lay the rules' criteria (and proposed ones) out
as slots, fit their points, keep at most `max_criteria`, write the YAML and compile it with the
engine's own parser (so what is judged is exactly what an admin would publish).
`out_of_fold` runs that same step once per fold and scores each fold with the rules fitted
without it: the candidate's review is then a review of leads the fit never saw.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np

from connector.errors import ConfigError
from connector.review.scoring import ScoredLead, score_leads
from connector.review.suggest_candidate import Current, Evidence, candidate_text
from connector.review.suggest_features import Layout, design_matrix, layout_for
from connector.review.suggest_fit import SEED, FloatArray, fit_points, importance
from connector.rules import RuleSet, parse_rules

#: Criteria a candidate holds unless told otherwise (each tier band counts as one).
MAX_CRITERIA = 40
#: Outer folds for the out-of-fold review.
OUTER_FOLDS = 5
#: Leads the engine scores with the draft to set the candidate's bars (a random sample: the
#: bars are quantiles, and scoring every lead twice was half of suggest's time).
MEASURE_SAMPLE = 3000


@dataclass(frozen=True, slots=True)
class SuggestOptions:
    propose: Sequence[str] = ()  # properties to propose criteria for (none: fit points only)
    max_criteria: int = MAX_CRITERIA
    after_contact_used: Sequence[str] = ()  # after-contact properties allowed in, for the label
    source: str = "suggested.yaml"
    labels: Mapping[str, str] = field(default_factory=dict)  # property -> the admin's name
    #: properties known only after contact that the rules read: their criteria are kept as
    #: they are, never fitted (unless --allow-after-contact, which leaves this empty)
    keep: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class Candidate:
    text: str
    rules: RuleSet
    criteria: int
    c: float
    left_out: list[str] = field(default_factory=list)  # proposals dropped to stay within budget


def criteria_count(layout: Layout) -> int:
    """Criteria as an admin reads them: one per plain criterion or signal, one per tier band."""
    return sum(max(1, len(c.bands)) for c in layout.criteria) + sum(
        max(1, len(s.bands)) for s in layout.signals
    )


def build_candidate(
    rules: RuleSet, current: Sequence[ScoredLead], options: SuggestOptions, *, now: datetime
) -> Candidate:
    """Fit the rules' points (and proposals) to the outcomes of `current`'s leads (scored at
    their creation, or `now` when it is unknown, as `score_leads` does).

    Raises:
        ConfigError: too few leads of either outcome to fit anything.
    """
    train = [s for s in current if s.decision.disqualified is None]
    y = np.asarray([s.converted for s in train], dtype=bool)
    if y.sum() < 2 or (~y).sum() < 2:
        raise ConfigError(
            "suggest needs converters and non-converters among the leads that are not "
            "disqualified — there is nothing to fit points to"
        )
    leads = [s.lead for s in train]
    layout = layout_for(
        rules, leads, propose=options.propose, labels=options.labels, keep=options.keep
    )
    x = design_matrix(layout, leads)
    left_out: list[str] = []
    own = Layout([c for c in layout.criteria if not c.proposed], list(layout.signals), [])
    if layout.proposed and criteria_count(own) >= options.max_criteria:
        # no room for any proposal: leave them all out without fitting each away
        left_out = [p.name for p in layout.proposed]
        layout = own
        x = design_matrix(own, leads)
    while criteria_count(layout) > options.max_criteria and layout.proposed:
        excess = criteria_count(layout) - options.max_criteria
        layout, x, dropped = _drop_weakest(layout, x, y, excess)
        left_out += dropped
    count = criteria_count(layout)
    # the admin's own criteria are never dropped: past the budget already, the candidate
    # keeps them all and adds nothing (the summary says so)
    fitted = fit_points(x, y)
    evidence = Evidence(
        leads=x.sum(axis=0).astype(np.int64),
        converters=(x[y]).sum(axis=0).astype(np.int64),
    )
    now_current = Current(
        grades=[s.decision.grade for s in train],
        temperatures=[s.decision.temperature for s in train],
        scores=[s.decision.score for s in train],
    )
    header = _header(rules, count, options, fitted.c, len(train), int(y.sum()))
    kept = [c.spec.label or str(c.spec.property) for c in layout.criteria if c.kept]
    kept += [s.spec.label or s.spec.name for s in layout.signals if s.kept]
    if kept:
        header += [
            "Not fitted, kept at their old weight (they read properties known only after sales "
            "contact):",
            "  " + "; ".join(kept) + ".",
        ]

    def write(measured: Current | None) -> str:
        return candidate_text(
            rules,
            layout,
            fitted.points,
            fitted.baseline,
            x,
            evidence,
            now_current,
            header=header,
            measured=measured,
        )

    # a first draft sets its bars from the points' sum; the engine then scores the same leads
    # with it, and the bars are set again from what it really decided (clipping and kept
    # criteria included). Only the bars change, and they do not feed back into the scores.
    draft = parse_rules(write(None), source=options.source)
    sample = leads
    if len(leads) > MEASURE_SAMPLE:  # quantiles need a sample, not every lead
        rng = np.random.default_rng(SEED)
        sample = [leads[i] for i in sorted(rng.choice(len(leads), MEASURE_SAMPLE, replace=False))]
    decided = [s.decision for s in score_leads(sample, draft, now=now)]
    measured = Current(
        grades=[d.grade for d in decided],
        temperatures=[d.temperature for d in decided],
        scores=[d.score for d in decided],
        fit_points=[d.fit_points for d in decided],
        engagement_points=[d.engagement_points for d in decided],
    )
    text = write(measured)
    return Candidate(text, parse_rules(text, source=options.source), count, fitted.c, left_out)


def _drop_weakest(
    layout: Layout, x: FloatArray, y: np.typing.NDArray[np.bool_], excess: int
) -> tuple[Layout, FloatArray, list[str]]:
    """Leave out the proposed criteria that move the score least (a whole tiered one, or one
    level of an enumeration): enough to cover `excess`, but at most a quarter of the proposals
    per fit, so that what is left is judged again by a fit without the weakest."""
    fitted = fit_points(x, y)
    weight = importance(x, fitted.points)
    columns = layout.columns()
    by_slot: dict[int, float] = {}
    for j, (kind, i, _) in enumerate(columns):
        if kind == "fit" and layout.criteria[i].proposed:
            by_slot[i] = by_slot.get(i, 0.0) + float(weight[j])
    most = max(1, len(by_slot) // 4)
    dropped: set[int] = set()
    freed = 0
    for i in sorted(by_slot, key=lambda i: by_slot[i]):
        if freed >= excess or len(dropped) >= most:
            break
        dropped.add(i)
        freed += max(1, len(layout.criteria[i].bands))
    keep_cols = [
        j for j, (kind, i, _) in enumerate(columns) if not (kind == "fit" and i in dropped)
    ]
    gone = {id(layout.criteria[i]) for i in dropped}
    criteria = [c for i, c in enumerate(layout.criteria) if i not in dropped]
    proposed = []
    for group in layout.proposed:
        members = tuple(c for c in group.criteria if id(c) not in gone)
        if members:
            proposed.append(type(group)(group.name, group.prop, members))
    labels = [
        layout.criteria[i].spec.label or str(layout.criteria[i].spec.property)
        for i in sorted(dropped, key=lambda i: by_slot[i])
    ]
    return Layout(criteria, list(layout.signals), proposed), x[:, keep_cols], labels


def _header(
    rules: RuleSet, count: int, options: SuggestOptions, c: float, leads: int, converters: int
) -> list[str]:
    lines = [
        f"Candidate rules suggested by `connector suggest` from {rules.name} "
        f"(version {rules.version}).",
        f"Points fitted to {leads:,} leads ({converters:,} converted) by L2-regularised logistic "
        f"regression (C = {c:g}, chosen by cross-validation),",
        "then scaled so that one point is one score point. Each changed number says how many "
        "leads it applies to,",
        f"how many of them converted, and what it was. {count} criteria (each tier band "
        f"counted); the budget is {options.max_criteria}.",
        "Review it with `connector review --compare` before publishing: nothing was written "
        "to HubSpot.",
    ]
    if options.after_contact_used:
        lines += [
            "",
            "WARNING: FITTED ON PROPERTIES KNOWN ONLY AFTER SALES CONTACT ("
            + ", ".join(options.after_contact_used)
            + ").",
            "These rules score the sales work, not the lead: do not use them to qualify new leads.",
        ]
    return lines


def out_of_fold(
    rules: RuleSet,
    current: Sequence[ScoredLead],
    options: SuggestOptions,
    *,
    now: datetime,
    folds: int = OUTER_FOLDS,
) -> list[ScoredLead]:
    """Each lead scored by a candidate fitted without its fold, in the input order."""
    from sklearn.model_selection import StratifiedKFold

    y = np.asarray([s.converted for s in current], dtype=bool)
    out: list[ScoredLead | None] = [None] * len(current)
    splitter = StratifiedKFold(folds, shuffle=True, random_state=SEED)
    for train, test in splitter.split(np.zeros(len(y)), y):
        fold = build_candidate(rules, [current[i] for i in train], options, now=now)
        scored = score_leads([current[i].lead for i in test], fold.rules, now=now)
        for i, s in zip(test, scored, strict=True):
            out[int(i)] = s
    return [s for s in out if s is not None]

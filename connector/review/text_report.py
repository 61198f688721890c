"""The terminal summary of a review: the few numbers an admin acts on, in words."""

from __future__ import annotations

from connector.review.funnel import FUNNEL_STAGES, STAGE_NAMES, Funnel
from connector.review.report import Review, RulesReview

#: A property missing this much more often in one group than the other is worth a line.
_MISSING_GAP = 0.15
#: Months of the funnel shown in the terminal (all are in report.html and summary.json).
_MONTHS_SHOWN = 6


def _pct(x: float | None) -> str:
    return "n/a" if x is None else f"{100 * x:.1f} %"


def _auc(r: RulesReview) -> str:
    a = r.auc
    if a.value is None or a.low is None or a.high is None:
        return "n/a"
    return f"{a.value:.3f} ({a.low:.3f}–{a.high:.3f})"


def _rules_lines(r: RulesReview, title: str) -> list[str]:
    lines = [f"{title}: {r.name} (version {r.version}, {r.source})", f"  {r.verdict}"]
    # Counts, not a finding from outcomes: shown with or without a signal.
    if r.capacity_bar is not None:
        cb = r.capacity_bar
        lines.append(
            f"  Capacity: {cb.per_week:,} handoffs a week means a score bar of {cb.bar} on these "
            f"leads ({cb.expected_per_week:,.1f} a week at it)"
        )
    if not r.signal:
        # noise is never shown as a finding: only the counts that say why
        lines.append(f"  AUC {_auc(r)}; the tables in report.html are not findings.")
        return lines
    top = r.deciles[0] if r.deciles else None
    three = r.deciles[2].cumulative_gain if len(r.deciles) >= 3 else None
    lines.append(f"  AUC {_auc(r)}")
    if top is not None:
        lines.append(
            f"  The best-scored tenth converts at {_pct(top.rate)} ({top.lift:.1f}× the average); "
            f"the best three tenths hold {_pct(three)} of all converters."
        )
    grades = " · ".join(f"{g.key} {_pct(g.rate)} of {g.leads:,}" for g in r.by_grade)
    lines.append(f"  Conversion by grade: {grades}")
    of = r.over_filtering
    lines.append(
        f"  Over-filtering: {of.below_bar:,} of {of.converters:,} converters "
        f"({_pct(of.below_bar_share)}) fell below the MQL bar; {of.not_handed_off:,} "
        f"({_pct(of.not_handed_off_share)}) were never handed off."
    )
    if of.held_down:
        held = "; ".join(f"{h.what} ({_pct(h.share)})" for h in of.held_down[:4])
        lines.append(f"    held down by: {held}")
    for seg in of.segments[:3]:
        lines.append(
            f"    cluster: {seg.description}: {seg.leads:,} leads convert at {_pct(seg.rate)}, "
            f"{seg.held_back:,} converters kept below the bar"
        )
    if r.ece is not None:
        lines.append(f"  Calibration: score/100 read as a chance is off by {r.ece:.3f} on average")
    if r.probabilities is not None and r.probability_ece is not None:
        lines.append(
            f"  Calibrated probability ({r.probabilities.method}): off by "
            f"{r.probability_ece:.3f} on average" + _in_sample(r)
        )
    for q in r.quality:
        if abs(q.missing_converters - q.missing_non_converters) >= _MISSING_GAP:
            lines.append(
                f"  Data quality: {q.label} is missing for {_pct(q.missing_converters)} of "
                f"converters but {_pct(q.missing_non_converters)} of non-converters"
            )
    for leak in r.leaks:
        lines.append(f"  WARNING leak: {leak.label}: {leak.why}")
    return lines


def _in_sample(r: RulesReview) -> str:
    if not r.probability_in_sample:
        return ""
    held = r.probability_heldout_ece
    tested = "" if held is None else f"; on folds it did not see: {held:.3f}"
    return f" — fitted on these leads: not a test{tested}"


def _funnel_months(funnel: Funnel) -> list[str]:
    """One line a month, the latest `_MONTHS_SHOWN`: leads, then each step's rate and days."""
    shown = funnel.months[-_MONTHS_SHOWN:]
    lines = []
    if len(funnel.months) > len(shown):
        lines.append(f"  ({len(funnel.months) - len(shown)} earlier months in report.html)")
    for m in shown:
        steps = " → ".join(
            f"{STAGE_NAMES[stage]} {_pct(rate)}" + ("" if days is None else f" in {days:.0f} d")
            for stage, rate, days in zip(FUNNEL_STAGES[1:], m.rates, m.median_days, strict=True)
        )
        lines.append(f"  {m.month}: {m.reached[0]:,} leads → {steps}")
    return lines


def summary_text(review: Review) -> str:
    lines = [
        f"Review of {review.leads:,} leads, {review.converters:,} converted "
        f"({_pct(review.base_rate)})."
    ]
    lines += _rules_lines(review.current, "Rules")
    if review.candidate is not None:
        lines += _rules_lines(review.candidate, "Candidate")
        cur, cand = review.current.auc.value, review.candidate.auc.value
        if cur is not None and cand is not None:
            lines.append(
                f"Candidate vs current: AUC {cand:.3f} vs {cur:.3f}; converters below the MQL "
                f"bar {review.candidate.over_filtering.below_bar:,} vs "
                f"{review.current.over_filtering.below_bar:,}."
            )
    if review.recorded_auc is not None:
        lines.append(f"As decided at the time (recorded scores): AUC {review.recorded_auc:.3f}")
    if review.funnel is not None:
        steps = " → ".join(
            f"{STAGE_NAMES[s.stage]} {s.reached:,}"
            + ("" if s.rate_from_previous is None else f" ({_pct(s.rate_from_previous)})")
            for s in review.funnel.steps
        )
        lines.append(f"Funnel: {steps}")
        lines += _funnel_months(review.funnel)
    if review.sla is not None:
        sla = review.sla
        lines.append(
            f"SLA: {_pct(sla.in_time_share)} of {sla.handoffs_known:,} handoffs touched in time; "
            f"they converted at {_pct(sla.rate_in_time)}, those touched late at "
            f"{_pct(sla.rate_late)}."
        )
    return "\n".join(lines)

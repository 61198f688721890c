"""`--out DIR`: scores.csv and summary.json (report.html is written by `html_report`)."""

from __future__ import annotations

import csv
import json
from dataclasses import asdict
from pathlib import Path
from typing import Any

from connector.review.report import Review, RulesReview

SCORES_COLUMNS = ("id", "score", "grade", "label", "outcome", "probability")


def write_scores(review: Review, path: Path) -> None:
    """One row per lead; `probability` stays empty until the rules have a calibration."""
    found = review.current.probabilities
    chances = found.values if found is not None else [None] * len(review.current.scored)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(SCORES_COLUMNS)
        for s, p in zip(review.current.scored, chances, strict=True):
            d = s.decision
            shown = "" if p is None else f"{p:.4f}"
            writer.writerow([s.lead.lead_id, d.score, d.grade, d.label, int(s.converted), shown])


def _rules_summary(r: RulesReview) -> dict[str, Any]:
    of = r.over_filtering
    return {
        "name": r.name,
        "version": r.version,
        "source": r.source,
        "signal": r.signal,
        "verdict": r.verdict,
        "auc": asdict(r.auc),
        "deciles": [asdict(x) for x in r.deciles],
        "by_grade": [_group(x) for x in r.by_grade],
        "by_temperature": [_group(x) for x in r.by_temperature],
        "by_label": [_group(x) for x in r.by_label],
        "score_distribution": [asdict(x) for x in r.distribution],
        "capacity": [asdict(x) for x in r.capacity],
        "over_filtering": {
            "converters": of.converters,
            "below_mql_bar": of.below_bar,
            "below_mql_bar_share": of.below_bar_share,
            "never_handed_off": of.not_handed_off,
            "never_handed_off_share": of.not_handed_off_share,
            "held_down_by": [asdict(x) for x in of.held_down],
            "segments": [asdict(x) for x in of.segments],
        },
        "calibration": {"bins": [asdict(x) for x in r.calibration], "ece": r.ece},
        "probability_calibration": None
        if r.probabilities is None
        else {
            "method": r.probabilities.method,
            "bins": [asdict(x) for x in r.probability_calibration],
            "ece": r.probability_ece,
            "fitted_on_these_leads": r.probability_in_sample,
            "heldout_ece": r.probability_heldout_ece,
        },
        "data_quality": [asdict(x) for x in r.quality],
        "leaks": [asdict(x) for x in r.leaks],
    }


def _group(row: Any) -> dict[str, Any]:
    return {"key": row.key, "leads": row.leads, "converters": row.converters, "rate": row.rate}


def summary_dict(review: Review) -> dict[str, Any]:
    sla = review.sla
    return {
        "leads": review.leads,
        "converters": review.converters,
        "base_rate": review.base_rate,
        "scored_at": review.now.isoformat(),
        "current": _rules_summary(review.current),
        "candidate": _rules_summary(review.candidate) if review.candidate else None,
        "funnel": asdict(review.funnel) if review.funnel else None,
        "sla": None
        if sla is None
        else {
            **asdict(sla),
            "in_time_share": sla.in_time_share,
            "rate_in_time": sla.rate_in_time,
            "rate_late": sla.rate_late,
        },
        "recorded_auc": review.recorded_auc,
    }


def write_summary(review: Review, path: Path) -> None:
    path.write_text(json.dumps(summary_dict(review), indent=2) + "\n", encoding="utf-8")

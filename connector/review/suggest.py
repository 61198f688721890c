"""`connector suggest` and `connector calibrate`: learn from outcomes. Write no HubSpot data.

`suggest` fits the points of the rules' own criteria to what became of past leads (and, with
`--propose`, proposes criteria for properties the rules do not read), writes a candidate rules
file with the evidence for every changed number, shows its review against the current rules
on folds the fit did not see, and calibrates the candidate's score into a probability.
`calibrate` does the last step alone for the rules given. Both read leads as `review` does.
"""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from pathlib import Path

# stats first: without the review extra it says how to install it, instead of a traceback
from connector.review.stats import auc  # isort: skip
from connector.calibration_file import Probabilities, calibration_path, save_calibration
from connector.errors import ConfigError
from connector.review.calibration import CalibrationFit, fit_calibration
from connector.review.command import read_leads, write_outputs
from connector.review.report import build_review
from connector.review.scoring import properties_read, score_leads
from connector.review.suggest_build import SuggestOptions, build_candidate, out_of_fold
from connector.review.suggest_features import NEVER_PROPOSED
from connector.review.text_report import summary_text
from connector.rules import load_rules
from connector.settings import Settings


def run_suggest(args: argparse.Namespace, settings: Settings) -> int:
    # the arguments are declared in connector/cli.py, so `--help` never imports this module
    rules = load_rules(args.rules or settings.rules_file)
    now = datetime.now(UTC)
    read = read_leads(args, settings, rules, now)
    leaking = [
        p
        for p in properties_read(rules)
        if p in read.after_contact or p.removeprefix("company.") in read.after_contact
    ]
    propose: list[str] = []
    if args.propose:
        read_now = set(properties_read(rules)) | set(NEVER_PROPOSED)
        propose = [
            p
            for p in read.segment_by + sorted(read.after_contact & set(read.labels))
            if p not in read_now and (args.allow_after_contact or p not in read.after_contact)
        ]
        propose = list(dict.fromkeys(propose))
    allow = bool(args.allow_after_contact)
    after_used = (
        sorted({*leaking, *(p for p in propose if p in read.after_contact)}) if allow else []
    )
    target = Path(args.write) if args.write else Path(f"{Path(rules.source).stem}.suggested.yaml")
    options = SuggestOptions(
        propose=propose,
        max_criteria=args.max_criteria,
        after_contact_used=after_used,
        source=str(target),
        labels=read.labels,
        keep=frozenset() if allow else frozenset(read.after_contact),
    )
    current = score_leads(read.leads, rules, now=now)
    candidate = build_candidate(rules, current, options, now=now)
    held_out = out_of_fold(rules, current, options, now=now)
    fit = fit_calibration(
        [s.decision.score for s in held_out],
        [s.converted for s in held_out],
        rules=candidate.rules,
    )
    review = build_review(
        read.leads,
        rules,
        now=now,
        compare=candidate.rules,
        after_contact=read.after_contact,
        labels=read.labels,
        segment_by=read.segment_by,
        compare_scored=held_out,
        compare_probabilities=Probabilities(fit.method, fit.heldout)
        if fit.calibration is not None
        else None,
    )
    text = candidate.text
    verdict = review.candidate.verdict if review.candidate is not None else ""
    no_signal = review.candidate is not None and not review.candidate.signal
    if no_signal:
        text = f"# NO SIGNAL — do not publish: {verdict}\n" + text
    _write_text(target, text)
    print(summary_text(review))
    print()
    print(f"Candidate rules written to {target}: {candidate.criteria} criteria (each tier band")
    print(f"  counted; at most {options.max_criteria}), regularisation C = {candidate.c:g}.")
    if candidate.criteria > options.max_criteria:
        print(
            f"  Your rules already hold more than {options.max_criteria} criteria: nothing was "
            "proposed, and none of yours was dropped (--max-criteria N raises the budget)."
        )
    if candidate.left_out:
        print(f"  Proposals left out to stay within {options.max_criteria}: ", end="")
        print(", ".join(candidate.left_out))
    now_auc = auc([s.decision.score for s in current], [s.converted for s in current])
    new_auc = auc([s.decision.score for s in held_out], [s.converted for s in held_out])
    print(
        f"  AUC: current rules {_num(now_auc)}; candidate {_num(new_auc)} on folds the fit "
        "did not see (the candidate column above is scored the same way)."
    )
    if leaking and not allow:
        print(
            "  Kept as they were, not fitted: the criteria and signals reading "
            f"{', '.join(leaking)} (known only after sales contact; --allow-after-contact fits "
            "them, and labels the candidate so)."
        )
    if no_signal:
        print(
            "  No signal: on folds the fit did not see, the candidate does no better than "
            "chance. Its points fit noise; the file says so at the top. Do not publish it."
        )
    if after_used:
        print(
            "  WARNING: fitted on properties known only after sales contact "
            f"({', '.join(after_used)}): the candidate scores the sales work, not the lead."
        )
    _report_calibration(fit, calibration_path(target))
    if args.out is not None:
        written = write_outputs(review, Path(args.out))
        print(f"Wrote {', '.join(str(p) for p in written)}")
    return 0


def run_calibrate(args: argparse.Namespace, settings: Settings) -> int:
    rules = load_rules(args.rules or settings.rules_file)
    now = datetime.now(UTC)
    read = read_leads(args, settings, rules, now)
    scored = score_leads(read.leads, rules, now=now)
    fit = fit_calibration(
        [s.decision.score for s in scored], [s.converted for s in scored], rules=rules
    )
    print(f"Calibration of {rules.name} (version {rules.version}) on {len(scored):,} leads.")
    _report_calibration(fit, calibration_path(rules.source))
    return 0


def _report_calibration(fit: CalibrationFit, path: Path) -> None:
    losses = ", ".join(f"{m} {v:.4f}" for m, v in fit.losses.items())
    if fit.calibration is None:
        print(f"  {fit.verdict}")
        low, high = min(fit.table), max(fit.table)
        print(
            f"  (Fitted anyway, {fit.method} would give {100 * low:.1f} %–{100 * high:.1f} % "
            f"against a base rate of {100 * fit.base_rate:.1f} %.)"
        )
        print(f"  No calibration written{'' if not path.exists() else f' ({path} left as is)'}.")
        return
    save_calibration(fit.calibration, path)
    print(f"  {fit.verdict}")
    if losses:
        print(f"  Held-out log loss: {losses}.")
    low, high = min(fit.table), max(fit.table)
    print(
        f"  Probabilities run from {100 * low:.1f} % to {100 * high:.1f} % "
        f"(base rate {100 * fit.base_rate:.1f} %). Written to {path}."
    )


def _write_text(path: Path, text: str) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{path}: cannot write the candidate rules ({exc})") from None


def _num(x: float | None) -> str:
    return "n/a" if x is None else f"{x:.3f}"

"""Fit score → probability of the outcome: isotonic, Platt or the base rate, chosen by CV.

The score is a whole number 0–100, so a calibration is a table of 101 probabilities. Three
fits compete on held-out log loss: isotonic (a step function that only goes up), Platt (a
logistic curve of the score) and the constant base rate, which wins when the score carries no
usable information. Calibration refuses to claim what the data cannot support: with too few
outcomes, or no signal (the score's AUC interval contains 0.5), it says so and gives no
probability; the summary then states the base rate instead.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from sklearn.isotonic import IsotonicRegression
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold

from connector.calibration_file import SCORES, Calibration
from connector.review.report import MIN_OUTCOMES, NEGLIGIBLE_AUC
from connector.review.stats import Auc, CalibrationBin, auc_with_interval, calibration
from connector.rules import RuleSet

FloatArray = npt.NDArray[np.float64]
METHODS = ("isotonic", "platt", "constant")
FOLDS = 5
SEED = 16
#: Probabilities are kept off 0 and 1: a few leads at a score are no proof of certainty.
FLOOR = 0.001
#: Isotonic's first and last steps hold at least this many leads: its last step is otherwise
#: often a handful of leads that all converted, read as 99.9 % up to 100, scores nobody reached.
EDGE_LEADS = 30


@dataclass(frozen=True, slots=True)
class CalibrationFit:
    """What calibration found; `calibration` is None when it refused."""

    calibration: Calibration | None
    verdict: str
    method: str
    losses: dict[str, float]  # held-out mean log loss per method
    table: tuple[float, ...]  # the chosen fit's probability by score (even when refused)
    heldout: list[float]  # each lead's probability from a fit that did not see it
    heldout_ece: float | None
    heldout_bins: list[CalibrationBin]
    auc: Auc
    base_rate: float


def fit_calibration(
    scores: Sequence[int], converted: Sequence[bool], *, rules: RuleSet
) -> CalibrationFit:
    """Choose the method by cross-validation, measure it held out, refit it on all leads."""
    s = np.clip(np.asarray(scores, dtype=np.int64), 0, SCORES - 1)
    y = np.asarray(converted, dtype=bool)
    pos, neg = int(y.sum()), int((~y).sum())
    base = pos / len(y) if len(y) else 0.0
    found = auc_with_interval(list(s), list(y))
    if pos < FOLDS or neg < FOLDS:
        verdict = _too_few(pos, neg)
        table = tuple([base] * SCORES)
        return CalibrationFit(
            None, verdict, "constant", {}, table, [base] * len(y), None, [], found, base
        )
    folds = list(StratifiedKFold(FOLDS, shuffle=True, random_state=SEED).split(s.reshape(-1, 1), y))
    losses: dict[str, float] = {}
    heldout: dict[str, FloatArray] = {}
    for method in METHODS:
        p = np.zeros(len(y), dtype=np.float64)
        for train, test in folds:
            p[test] = _table(method, s[train], y[train])[s[test]]
        heldout[method] = p
        losses[method] = _log_loss(p, y)
    method = min(METHODS, key=lambda m: losses[m])
    bins, ece = calibration(list(heldout[method]), list(y))
    table = tuple(float(p) for p in _table(method, s, y))
    signal, verdict = _signal(found, pos, neg, base)
    kept = (
        Calibration(rules.name, rules.version, method, table, len(y), pos, ece) if signal else None
    )
    if signal:
        verdict = (
            f"Calibrated by {method} (chosen by cross-validation over isotonic, Platt and the "
            f"base rate); held-out ECE {ece:.3f}."
        )
    return CalibrationFit(
        kept, verdict, method, losses, table, list(heldout[method]), ece, bins, found, base
    )


def _too_few(pos: int, neg: int) -> str:
    return (
        f"No probability: too few outcomes to calibrate ({pos:,} converted, {neg:,} did not; at "
        f"least {MIN_OUTCOMES} of each are needed)."
    )


def _signal(found: Auc, pos: int, neg: int, base: float) -> tuple[bool, str]:
    if pos < MIN_OUTCOMES or neg < MIN_OUTCOMES or found.value is None:
        return False, _too_few(pos, neg)
    assert found.low is not None and found.high is not None
    rate = f"{100 * base:.1f} %"
    if found.low <= 0.5 <= found.high or abs(found.value - 0.5) < NEGLIGIBLE_AUC:
        return False, (
            f"No probability: no signal — the score does not tell converters from "
            f"non-converters (AUC {found.value:.2f}, 95 % interval {found.low:.2f}–"
            f"{found.high:.2f}). Every lead's chance is the base rate, {rate}."
        )
    return True, ""


def _table(method: str, s: npt.NDArray[np.int64], y: npt.NDArray[np.bool_]) -> FloatArray:
    """The method fitted on (score, outcome) pairs, as a probability for each score 0–100."""
    grid = np.arange(SCORES, dtype=np.float64)
    if method == "constant" or y.all() or not y.any():
        table = np.full(SCORES, float(y.mean()))
    elif method == "platt":
        model = LogisticRegression(C=1e6).fit((s / 100.0).reshape(-1, 1), y)
        table = model.predict_proba((grid / 100.0).reshape(-1, 1))[:, 1].astype(np.float64)
    else:
        iso = IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip", increasing=True)
        iso.fit(s.astype(np.float64), y.astype(np.float64))
        table = _edges(np.asarray(iso.predict(grid), dtype=np.float64), s, y)
    clipped: FloatArray = np.clip(table, FLOOR, 1.0 - FLOOR)
    return clipped


def _edges(table: FloatArray, s: npt.NDArray[np.int64], y: npt.NDArray[np.bool_]) -> FloatArray:
    """Isotonic's ends as the observed rate of the `EDGE_LEADS` highest (lowest) scored leads,
    taken by whole scores; scores beyond the range seen keep that rate (never more certain)."""
    out = table.copy()
    order = np.argsort(s, kind="stable")
    if len(order) < 2 * EDGE_LEADS:
        return out
    top = int(s[order[-EDGE_LEADS]])  # every lead at this score or above
    bottom = int(s[order[EDGE_LEADS - 1]])
    if bottom >= top:  # the leads crowd a few scores: their steps are wide already
        return out
    high = s >= top
    out[top:] = max(float(y[high].mean()), float(out[top - 1]))
    low = s <= bottom
    out[: bottom + 1] = min(float(y[low].mean()), float(out[bottom + 1]))
    return out


def _log_loss(p: FloatArray, y: npt.NDArray[np.bool_]) -> float:
    return float(-np.mean(np.where(y, np.log(p), np.log(1.0 - p))))

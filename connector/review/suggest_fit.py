"""Fit the slots' points to the outcomes: regularised logistic regression, C chosen by CV.

The log-odds the regression finds are mapped onto the 0–100 score by one affine map (the
central 98 % of the training leads spans 2–96 points), so a criterion's points are its
coefficient times one scale, and the ranking the regression learnt is the ranking the score
gives (up to rounding and the 0/100 ends). scikit-learn is in the `review` extra.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

from connector.errors import ConfigError

try:
    import numpy as np
    import numpy.typing as npt
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold
    from threadpoolctl import threadpool_limits
except ImportError:  # a plain install: say how to get the extra, not a traceback
    raise ConfigError(
        "connector suggest needs the optional 'review' extra (scikit-learn) — "
        "pip install 'hubspot-lead-qualifier[review]'"
    ) from None

FloatArray = npt.NDArray[np.float64]

#: Inverse regularisation strengths tried by cross-validation (larger: weaker penalty).
C_GRID = (0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0)
#: Folds of the inner cross-validation that chooses C.
INNER_FOLDS = 4
#: A fixed seed: the same data gives the same folds and the same rules, run after run.
SEED = 15
#: Where the central 98 % of training leads lands on the 0–100 scale.
LOW_POINT, HIGH_POINT = 2.0, 96.0


@dataclass(frozen=True, slots=True)
class Fitted:
    """Points per design-matrix column and the baseline, both in score points."""

    points: FloatArray
    baseline: float
    c: float  # the regularisation strength cross-validation chose
    log_odds_per_point: float  # how many log-odds one score point is worth


def fit_points(x: FloatArray, y: npt.NDArray[np.bool_]) -> Fitted:
    """Choose C by cross-validated log loss, refit on all rows, scale to score points."""
    rows, codes = distinct_rows(x)
    # one BLAS thread: the matrices are small, and threads fighting over a shared machine's
    # cores made each fit ten times slower
    with threadpool_limits(1), warnings.catch_warnings():
        # a small C converges slowly on 0/1 columns; the fit is still the best found, and the
        # cross-validation judged it
        warnings.simplefilter("ignore", ConvergenceWarning)
        c = choose_c(rows, codes, y)
        model = _fit(c, rows, codes, y)
    coef = model.coef_[0].astype(np.float64)
    intercept = float(model.intercept_[0])
    log_odds = intercept + x @ coef
    low, high = (float(q) for q in np.quantile(log_odds, [0.01, 0.99]))
    scale = (HIGH_POINT - LOW_POINT) / (high - low) if high > low else 1.0
    return Fitted(
        points=coef * scale,
        baseline=LOW_POINT + scale * (intercept - low),
        c=c,
        log_odds_per_point=1.0 / scale,
    )


def distinct_rows(x: FloatArray) -> tuple[FloatArray, npt.NDArray[np.int64]]:
    """The distinct rows of a 0/1 matrix and each row's index among them: 0/1 columns repeat
    rows thousands of times, and the likelihood over distinct rows with weights is the same."""
    packed = np.packbits(x.astype(bool), axis=1)
    index: dict[bytes, int] = {}
    codes = np.asarray([index.setdefault(row.tobytes(), len(index)) for row in packed])
    first = np.zeros(len(index), dtype=np.int64)
    first[codes[::-1]] = np.arange(len(codes))[::-1]
    return x[first], codes.astype(np.int64)


def choose_c(rows: FloatArray, codes: npt.NDArray[np.int64], y: npt.NDArray[np.bool_]) -> float:
    """The C with the lowest log loss over stratified inner folds (of leads, not rows)."""
    folds = list(
        StratifiedKFold(INNER_FOLDS, shuffle=True, random_state=SEED).split(np.zeros(len(y)), y)
    )
    best_c, best_loss = C_GRID[0], np.inf
    for c in C_GRID:
        loss = 0.0
        for train, test in folds:
            model = _fit(c, rows, codes[train], y[train])
            p = np.clip(model.predict_proba(rows)[:, 1], 1e-9, 1 - 1e-9)[codes[test]]
            yt = y[test]
            loss -= float(np.sum(np.where(yt, np.log(p), np.log(1 - p))))
        if loss < best_loss:
            best_c, best_loss = c, loss
    return best_c


def _fit(
    c: float, rows: FloatArray, codes: npt.NDArray[np.int64], y: npt.NDArray[np.bool_]
) -> LogisticRegression:
    pos = np.bincount(codes, weights=y.astype(np.float64), minlength=len(rows))
    neg = np.bincount(codes, weights=(~y).astype(np.float64), minlength=len(rows))
    stacked = np.vstack([rows, rows])
    labels = np.concatenate([np.ones(len(rows), dtype=bool), np.zeros(len(rows), dtype=bool)])
    weights = np.concatenate([pos, neg])
    keep = weights > 0
    model = LogisticRegression(C=c, solver="newton-cholesky", max_iter=200)
    return model.fit(stacked[keep], labels[keep], sample_weight=weights[keep])


def importance(x: FloatArray, coef: FloatArray) -> FloatArray:
    """How much each column moves the log-odds across leads: |coefficient| × its spread."""
    spread: FloatArray = x.std(axis=0)
    return np.abs(coef) * spread

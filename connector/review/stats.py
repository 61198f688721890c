"""The statistics of a review: AUC with a bootstrap interval, deciles, calibration.

numpy is in the optional `review` extra; only `connector.review` imports this module, and the
syncing worker never imports `connector.review`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from connector.errors import ConfigError

try:
    import numpy as np
    import numpy.typing as npt
except ImportError:  # a plain install: say how to get the extra, not a traceback
    raise ConfigError(
        "connector review needs the optional 'review' extra (numpy) — "
        "pip install 'hubspot-lead-qualifier[review]'"
    ) from None

#: Resamples for the AUC interval: enough for a stable 95 % interval, about a second at 100k.
BOOTSTRAP_RESAMPLES = 1000
#: A fixed seed: the same data gives the same interval, run after run.
BOOTSTRAP_SEED = 14

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class Auc:
    value: float | None  # None when one class is empty
    low: float | None
    high: float | None


@dataclass(frozen=True, slots=True)
class DecileRow:
    decile: int  # 1 = the best-scored tenth
    leads: int
    converters: int
    min_score: int
    max_score: int
    rate: float
    lift: float  # the decile's rate over the base rate
    cumulative_gain: float  # share of all converters caught in deciles 1..this one


@dataclass(frozen=True, slots=True)
class CalibrationBin:
    low: float
    high: float
    leads: int
    predicted: float
    observed: float


def _codes(values: Sequence[float]) -> tuple[IntArray, int]:
    """Dense ranks of the values (ties share one), and how many distinct values there are."""
    uniques, inverse = np.unique(np.asarray(values, dtype=np.float64), return_inverse=True)
    return inverse.astype(np.int64), len(uniques)


def _hist(codes: IntArray, weights: FloatArray, size: int) -> FloatArray:
    """Summed weights per code (np.bincount, typed as the float array it returns)."""
    return np.bincount(codes, weights=weights, minlength=size).astype(np.float64)


def _auc_of_counts(pos: npt.NDArray[np.floating], neg: npt.NDArray[np.floating]) -> float | None:
    """Mann-Whitney AUC from per-value counts of converters and non-converters (ties count ½)."""
    total_pos = pos.sum()
    total_neg = neg.sum()
    if total_pos <= 0 or total_neg <= 0:
        return None
    neg_below: FloatArray = np.cumsum(neg) - neg
    return float(((neg_below + 0.5 * neg) * pos).sum() / (total_pos * total_neg))


def auc(scores: Sequence[float], converted: Sequence[bool]) -> float | None:
    """The probability that a random converter outscores a random non-converter."""
    codes, size = _codes(scores)
    y = np.asarray(converted, dtype=np.float64)
    pos = _hist(codes, y, size)
    neg = _hist(codes, 1.0 - y, size)
    return _auc_of_counts(pos, neg)


def auc_with_interval(
    scores: Sequence[float],
    converted: Sequence[bool],
    *,
    resamples: int = BOOTSTRAP_RESAMPLES,
    seed: int = BOOTSTRAP_SEED,
) -> Auc:
    """AUC and its 95 % percentile-bootstrap interval (leads resampled with replacement)."""
    codes, size = _codes(scores)
    y = np.asarray(converted, dtype=np.float64)
    value = _auc_of_counts(
        _hist(codes, y, size),
        _hist(codes, 1.0 - y, size),
    )
    if value is None:
        return Auc(None, None, None)
    rng = np.random.default_rng(seed)
    n = len(y)
    found: list[float] = []
    for _ in range(resamples):
        pick = rng.integers(0, n, n)
        ys = y[pick]
        cs = codes[pick]
        one = _auc_of_counts(
            _hist(cs, ys, size),
            _hist(cs, 1.0 - ys, size),
        )
        if one is not None:
            found.append(one)
    low, high = np.percentile(np.asarray(found), [2.5, 97.5])
    return Auc(value, float(low), float(high))


def deciles(scores: Sequence[int], converted: Sequence[bool]) -> list[DecileRow]:
    """Leads sorted best score first, cut into ten equal tenths (ties broken by input order)."""
    n = len(scores)
    if n == 0:
        return []
    s = np.asarray(scores, dtype=np.int64)
    y = np.asarray(converted, dtype=np.int64)
    order = np.argsort(-s, kind="stable")
    total = int(y.sum())
    base = total / n
    rows: list[DecileRow] = []
    caught = 0
    for d, part in enumerate(np.array_split(order, 10), start=1):
        if len(part) == 0:
            continue
        conv = int(y[part].sum())
        caught += conv
        rate = conv / len(part)
        rows.append(
            DecileRow(
                decile=d,
                leads=len(part),
                converters=conv,
                min_score=int(s[part].min()),
                max_score=int(s[part].max()),
                rate=rate,
                lift=rate / base if base > 0 else 0.0,
                cumulative_gain=caught / total if total else 0.0,
            )
        )
    return rows


def calibration(
    probabilities: Sequence[float], converted: Sequence[bool], *, bins: int = 10
) -> tuple[list[CalibrationBin], float | None]:
    """Equal-width bins of the predicted probability, and the expected calibration error."""
    p = np.clip(np.asarray(probabilities, dtype=np.float64), 0.0, 1.0)
    y = np.asarray(converted, dtype=np.float64)
    if len(p) == 0:
        return [], None
    index = np.minimum((p * bins).astype(np.int64), bins - 1)
    out: list[CalibrationBin] = []
    error = 0.0
    for b in range(bins):
        mask = index == b
        count = int(mask.sum())
        if count == 0:
            continue
        predicted = float(p[mask].mean())
        observed = float(y[mask].mean())
        error += count / len(p) * abs(observed - predicted)
        out.append(CalibrationBin(b / bins, (b + 1) / bins, count, predicted, observed))
    return out, error


def median(values: Sequence[float]) -> float | None:
    return float(np.median(np.asarray(values, dtype=np.float64))) if values else None

"""A calibration on disk: the probability of the outcome for each score 0–100, tied to rules.

`rules.yaml` keeps its calibration in `rules.calibration.json`, next to it. The file names the
rules version it was fitted for; a calibration for another version is ignored (with a warning),
because a probability fitted to other points means nothing for these. The table is plain JSON
and reading it needs neither numpy nor scikit-learn, so the syncing worker may read it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from connector.errors import ConfigError

#: `rules.yaml` → `rules.calibration.json`.
SUFFIX = ".calibration.json"
#: One probability per whole score.
SCORES = 101


@dataclass(frozen=True, slots=True)
class Calibration:
    rules_name: str
    rules_version: str
    method: str  # "isotonic", "platt" or "constant"
    by_score: tuple[float, ...]  # probability of the outcome for score 0..100
    leads: int
    converters: int
    heldout_ece: float | None  # expected calibration error on folds the fit did not see

    def probability(self, score: int) -> float:
        return self.by_score[min(max(score, 0), SCORES - 1)]


@dataclass(frozen=True, slots=True)
class Probabilities:
    """One probability per lead (in the review's lead order), and how they were made."""

    method: str
    values: list[float]


def calibration_path(rules_file: str | Path) -> Path:
    file = Path(rules_file)
    return file.with_name(file.stem + SUFFIX)


def save_calibration(calibration: Calibration, path: Path) -> None:
    data = {
        "rules": calibration.rules_name,
        "rules_version": calibration.rules_version,
        "method": calibration.method,
        "leads": calibration.leads,
        "converters": calibration.converters,
        "heldout_ece": calibration.heldout_ece,
        "probability_by_score": [round(p, 6) for p in calibration.by_score],
    }
    try:
        path.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{path}: cannot write the calibration ({exc})") from None


def load_calibration(path: Path, rules_version: str) -> tuple[Calibration | None, str | None]:
    """The calibration in `path` if it is for `rules_version`; otherwise None and, when a file
    was there but could not be used, a one-line warning saying why."""
    try:
        found = read_calibration(path)
    except DamagedCalibration as exc:
        return None, f"{path}: {exc.what} calibration ignored ({exc.why})"
    if found is None:
        return None, None
    if found.rules_version != rules_version:
        return None, version_warning(path, found, rules_version)
    return found, None


class DamagedCalibration(ConfigError):
    """A calibration file that is there but cannot be read as one."""

    def __init__(self, path: Path, what: str, why: str) -> None:
        super().__init__(
            f"{path}: {what} calibration ({why}); run `connector calibrate` again or remove it"
        )
        self.what, self.why = what, why


def read_calibration(path: Path) -> Calibration | None:
    """The calibration in `path` whatever its rules version, None when there is no file;
    raises DamagedCalibration when the file is there but unusable."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise DamagedCalibration(path, "unreadable", str(exc)) from None
    try:
        table = tuple(float(p) for p in data["probability_by_score"])
        found = Calibration(
            rules_name=str(data["rules"]),
            rules_version=str(data["rules_version"]),
            method=str(data["method"]),
            by_score=table,
            leads=int(data["leads"]),
            converters=int(data["converters"]),
            heldout_ece=None if data.get("heldout_ece") is None else float(data["heldout_ece"]),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise DamagedCalibration(path, "damaged", f"missing or bad {exc}") from None
    if len(table) != SCORES or not all(0.0 <= p <= 1.0 for p in table):
        raise DamagedCalibration(path, "damaged", f"needs {SCORES} probabilities")
    return found


def version_warning(path: Path, found: Calibration, rules_version: str) -> str:
    return (
        f"{path}: calibration ignored — it was fitted for rules version "
        f"{found.rules_version}, these rules are version {rules_version}; run "
        "`connector calibrate` again"
    )

"""The calibration of the rules in force, read once when the worker's services are built.

The table is plain JSON (`connector/calibration_file.py`), so the worker reads it
without the review extra. A calibration fitted for another rules version is ignored with one
warning and no probability is written: its probabilities belong to other points. A file that is
there but damaged stops the worker at start (ConfigError, exit 2), as a bad rules file does,
rather than silently dropping a property the admin expects.
"""

from __future__ import annotations

from pathlib import Path

from connector.calibration_file import (
    Calibration,
    calibration_path,
    read_calibration,
    version_warning,
)
from connector.logging import get_logger
from connector.rules import RuleSet
from connector.sync.properties import ScoreProperties

log = get_logger(__name__)


def calibration_in_force(rules_file: str | Path, rules: RuleSet) -> Calibration | None:
    """The calibration next to `rules_file` when it is for `rules`' version, else None."""
    path = calibration_path(rules_file)
    found = read_calibration(path)
    if found is None:
        return None
    if found.rules_version != rules.version:
        log.warning(
            "calibration_ignored",
            reason=version_warning(path, found, rules.version),
            calibration_version=found.rules_version,
            rules_version=rules.version,
        )
        return None
    return found


def probability_lines(names: ScoreProperties, score: int) -> list[str]:
    """`connector explain`'s line for the probability the sync writes, when it writes one."""
    percent = names.probability_percent(score)
    if percent is None or names.calibration is None:
        return []
    c = names.calibration
    return [
        f"probability {percent} % ({names.probability}): the chance a lead scored {score} "
        f"reaches the outcome, from {c.leads:,} past leads of which {c.converters:,} did "
        f"({c.method} calibration)"
    ]

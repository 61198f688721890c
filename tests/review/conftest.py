"""Review fixtures: the shared datasets, and the CLI's outputs on them (built once a session)."""

from __future__ import annotations

import contextlib
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from connector.cli import main
from connector.rules import RuleSet, rules_from_mapping
from connector.sandbox import Sandbox

REPO = Path(__file__).resolve().parents[2]
#: Beside the checkout, as on the team's machines and in CI: never bundled into the package.
DATASETS = REPO.parent / "shared" / "datasets"
X_EDUCATION = DATASETS / "leads-x-education" / "Leads.csv"
MAVEN = DATASETS / "crm-sales-opportunities-maven" / "sales_pipeline.csv"
EXAMPLES = REPO / "config" / "examples"


@dataclass(frozen=True)
class ReviewRun:
    code: int
    out: str
    err: str
    folder: Path

    @property
    def summary(self) -> dict[str, Any]:
        data: dict[str, Any] = json.loads((self.folder / "summary.json").read_text("utf-8"))
        return data


def require_dataset(path: Path) -> Path:
    """The dataset file, or a loud failure (a missing dataset must not pass as a skip)."""
    if not path.is_file():
        pytest.fail(
            f"{path} is missing: the review tests read the shared datasets beside the checkout "
            f"({DATASETS}); copy them there"
        )
    return path


def run_review(folder: Path, *args: str) -> ReviewRun:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["review", *args, "--out", str(folder)])
    return ReviewRun(code, out.getvalue(), err.getvalue(), folder)


@pytest.fixture(name="x_education_run", scope="session")
def _x_education_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ReviewRun]:
    """The shipped X Education mapping and rules, through the CLI, once per session."""
    data = require_dataset(X_EDUCATION)
    yield run_review(
        tmp_path_factory.mktemp("x-education"),
        "--csv",
        str(data),
        "--map",
        str(EXAMPLES / "x-education-mapping.yaml"),
        "--rules",
        str(EXAMPLES / "x-education.yaml"),
    )


def size_rules(
    name: str, *, mql: int = 40, disqualifiers: list[dict[str, Any]] | None = None
) -> RuleSet:
    """A small rules file for unit tests: fit only, on a numeric `size` (+70 from 100, -20
    under 10), MQL at `mql`, handoff from 60."""
    big = {"label": "big", "property": "size", "op": "gte", "value": 100, "points": 70}
    tiny = {"label": "tiny", "property": "size", "op": "lt", "value": 10, "points": -20}
    spec: dict[str, Any] = {
        "name": name,
        "score": {"fit_weight": 1.0, "engagement_weight": 0.0},
        "grades": {"A": 60, "B": 40, "C": 20},
        "temperature": {"warm": 10, "hot": 30},
        **({"disqualifiers": disqualifiers} if disqualifiers else {}),
        "fit": {"groups": [{"name": "size", "criteria": [big, tiny]}]},
        "engagement": {"signals": []},
        "lifecycle": {"lead": {"min_score": 0}, "marketingqualifiedlead": {"min_score": mql}},
        "handoff": {
            "when": {"min_score": 60},
            "sla_tiers": [
                {"name": "s", "response_hours": 8, "task_type": "CALL", "priority": "MEDIUM"}
            ],
        },
    }
    return rules_from_mapping(spec, source="test")


#: POSTs that only read (search and batch reads): the review may send them.
READ_ONLY_POSTS = ("/search", "/batch/read")


def writes_received(sandbox: Sandbox) -> dict[tuple[str, str, int], int]:
    """The requests the sandbox answered that could change the portal (method, path, status)."""
    return {
        key: n
        for key, n in sandbox.request_counts().items()
        if key[0] != "GET" and not key[1].endswith(READ_ONLY_POSTS)
    }

"""Maven's pipeline is a null control: nothing predicts a won deal, and the review says so."""

from __future__ import annotations

from pathlib import Path

from tests.review.conftest import EXAMPLES, MAVEN, require_dataset, run_review


def test_maven_review_reports_no_reliable_signal(tmp_path: Path) -> None:
    run = run_review(
        tmp_path,
        "--csv",
        str(require_dataset(MAVEN)),
        "--map",
        str(EXAMPLES / "maven-mapping.yaml"),
        "--rules",
        str(EXAMPLES / "maven.yaml"),
        "--compare",
        str(EXAMPLES / "x-education.yaml"),
    )
    assert run.code == 0, run.err
    current = run.summary["current"]
    # deals, accounts and products joined; open deals (Engaging, Prospecting) left out
    assert run.summary["leads"] == 6711
    assert run.summary["converters"] == 4238
    assert current["auc"]["low"] <= 0.5 <= current["auc"]["high"]
    assert current["signal"] is False
    assert "No reliable signal" in run.out
    assert "No reliable signal" in (tmp_path / "report.html").read_text("utf-8")
    # no finding is printed as if it were one
    assert "Over-filtering" not in run.out
    assert "cluster:" not in run.out
    # a candidate that reads none of these properties scores every deal alike: no signal either
    assert run.summary["candidate"]["signal"] is False
    assert "Candidate: x-education" in run.out

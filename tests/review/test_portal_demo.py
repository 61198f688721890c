"""`connector demo` ends with the review of the demo portal, which reads it without writing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from connector.cli import main
from connector.review import portal_source
from connector.sandbox import Sandbox
from tests.review.conftest import writes_received

REPO = Path(__file__).resolve().parents[2]


def test_the_demo_ends_with_the_review_and_the_review_writes_nothing(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: Any
) -> None:
    portals: list[Sandbox] = []
    enter = Sandbox.__enter__
    read = portal_source.read_portal_leads
    seen: dict[str, int] = {}

    def remember(sandbox: Sandbox) -> Sandbox:
        portals.append(sandbox)
        return enter(sandbox)

    def read_watching_writes(*args: Any, **kwargs: Any) -> Any:
        (sandbox,) = portals
        writes_before = sum(writes_received(sandbox).values())
        assert writes_before > 0  # the sync before it wrote scores and tasks
        leads = read(*args, **kwargs)
        writes_after = sum(writes_received(sandbox).values())
        seen["leads"], seen["review_writes"] = len(leads), writes_after - writes_before
        return leads

    monkeypatch.setattr(Sandbox, "__enter__", remember)
    monkeypatch.setattr(portal_source, "read_portal_leads", read_watching_writes)
    monkeypatch.chdir(REPO)
    monkeypatch.setenv("CONNECTOR_STATE_URL", f"sqlite:///{tmp_path / 'unused.sqlite3'}")

    assert main(["demo", "--contacts", "400", "--seed", "3"]) == 0

    out = capsys.readouterr().out
    assert out.index("Sync: pulled") < out.index("Review of the demo portal")
    review = out.split("Review of the demo portal", 1)[1]
    assert "Review of 400 leads" in review and "AUC" in review and "Funnel:" in review
    assert seen == {"leads": 400, "review_writes": 0}

"""The rules-change progress document and the dry-run preview, without a sandbox."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from connector.sync.dry_run import PlannedChange
from connector.sync.rules_change import RulesProgress, rescore_line
from connector.sync.rules_preview import preview

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def test_progress_survives_the_state_store_and_reads_as_status_says_it() -> None:
    walking = RulesProgress("abc", "old", T0, 40_000, 12_000, "12001", None)

    again = RulesProgress.from_blob(walking.as_blob())

    assert again == walking
    assert again.line() == "re-scoring after a rules change: 12,000 / 40,000"
    done = RulesProgress("abc", "old", T0, 40_000, 40_000, None, T0)
    assert "every contact re-scored" in done.line()


@pytest.mark.parametrize(
    "blob",
    [None, {}, {"version": 3}, {"version": "abc", "started_at": "yesterday"}, {"version": "abc"}],
)
def test_a_damaged_progress_document_reads_as_none_so_the_next_run_walks_again(
    blob: dict[str, object] | None,
) -> None:
    assert RulesProgress.from_blob(blob) is None


def test_the_console_line_says_progress_and_this_runs_share_and_nothing_once_finished() -> None:
    under_way = {
        "rules_version": "abc",
        "rules_rescore_done": 800,
        "rules_rescore_total": 1_000,
        "rules_rescore_finished": False,
        "rules_rescore_read": 400,
        "rules_rescored": 390,
    }
    assert rescore_line(under_way) == (
        "re-scoring after a rules change: 800 / 1,000 (390 re-scored by this run) (rules abc)"
    )
    finished_before = {**under_way, "rules_rescore_finished": True, "rules_rescore_read": None}
    assert rescore_line(finished_before) is None
    assert rescore_line({"rules_version": "abc"}) is None


def change(cid: str, prop: str, current: str | None, new: str) -> PlannedChange:
    return PlannedChange("update contact", cid, prop, current, new)


def test_the_preview_counts_contacts_by_what_moves_and_shows_grade_moves_first() -> None:
    changes = [
        change("1", "qualification_rules_version", "old", "new"),  # a version alone: no move
        change("2", "qualification_score", "40", "55"),
        change("3", "qualification_grade", "B", "A"),
        change("3", "qualification_score", "50", "62"),
        change("3", "lifecyclestage", "lead", "marketingqualifiedlead"),
        change("4", "qualification_temperature", "warm", "hot"),
        change("4", "hs_lead_status", None, "NEW"),
        PlannedChange("create task", "3", "", None, "Follow up", tier="priority"),
        PlannedChange("create task", "9", "", None, "Escalation", tier="escalation"),
    ]

    out = preview(changes)

    assert (out.contacts, out.grades, out.labels, out.lifecycle_stages) == (3, 1, 2, 1)
    assert (out.lead_statuses, out.scores, out.handoffs) == (1, 2, 1)
    assert out.examples[0] == (
        "contact 3: score 50 → 62, grade B → A, lifecycle stage lead → marketingqualifiedlead, "
        "handoff task"
    )
    assert "contact 4: temperature warm → hot, lead status (none) → NEW" in out.examples

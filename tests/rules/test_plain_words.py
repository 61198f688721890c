"""Reasons and BANT in words, for the SDR's task (no points, no marks, no internal codes)."""

from __future__ import annotations

import pytest

from connector.rules.explain import bant_words, plain_reasons
from connector.rules.model import BantDimensionResult, Reason


def test_why_now_lists_the_strongest_positive_fit_and_engagement_reasons_without_points() -> None:
    reasons = [
        Reason("policy", "lifecycle held at MQL", None, 0),
        Reason("engagement", "demo request", "3 days ago", 25),
        Reason("fit", "200–999 employees", "450", 20),
        Reason("bant", "budget met", "50k-100k", 8),
        Reason("fit", "free e-mail domain", "gmail.com", -15),
        Reason("engagement", "pricing page visit", "today", 10),
        Reason("fit", "core industry", None, 5),
    ]

    assert plain_reasons(reasons) == (
        "Demo request (3 days ago)",
        "200–999 employees",
        "Pricing page visit (today)",
    )
    assert plain_reasons(reasons, limit=1) == ("Demo request (3 days ago)",)
    assert plain_reasons([Reason("fit", "tiny", None, 0.4)]) == ()  # rounds to nothing


@pytest.mark.parametrize(
    ("status", "observed", "words"),
    [
        pytest.param("met", "this_quarter", "this quarter", id="met-with-answer"),
        pytest.param("met", "3_6_months", "3–6 months", id="range-answer"),
        pytest.param("met", None, "confirmed", id="met-without-value"),
        pytest.param("met", "c level", "C-level", id="seniority"),
        pytest.param("not_met", "<10k", "<10k (below the bar)", id="not-met"),
        pytest.param("not_met", None, "no", id="not-met-without-value"),
        pytest.param("unknown", None, "not answered", id="unanswered"),
        pytest.param("unknown", "maybe later", "maybe later (unclear)", id="unrecognised"),
    ],
)
def test_a_bant_dimension_reads_as_its_answer(
    status: str, observed: str | None, words: str
) -> None:
    assert bant_words([BantDimensionResult("timeline", status, observed, 0)]) == (
        f"Timeline: {words}"
    )


def test_bant_in_words_names_every_dimension_in_order_and_never_counts() -> None:
    dims = [
        BantDimensionResult("budget", "met", "50k-100k", 8),
        BantDimensionResult("authority", "met", "decision_maker", 8),
        BantDimensionResult("need", "unknown", None, 0),
        BantDimensionResult("timeline", "met", "this_quarter", 8),
    ]

    text = bant_words(dims)

    assert text == (
        "Budget: 50k-100k · Authority: decision maker · Need: not answered · Timeline: this quarter"
    )
    assert bant_words([]) == ""

"""A calibrated review's report.html in a real headless browser: the calibration chart draws
both the raw score and the probability, with a table behind each, and no errors."""

from __future__ import annotations

import random
from datetime import UTC, datetime
from pathlib import Path

from playwright.sync_api import sync_playwright

from connector.calibration_file import Calibration
from connector.review.dataset import ReviewLead
from connector.review.html_report import html_report
from connector.review.report import build_review
from connector.rules import load_rules
from tests.review.conftest import EXAMPLES

CHROMIUM = Path("/usr/bin/chromium")


def test_calibration_chart_shows_score_and_probability(tmp_path: Path) -> None:
    rules = load_rules(EXAMPLES / "x-education.yaml")
    rng = random.Random(5)
    leads = []
    for i in range(600):
        occupation = rng.choice(["Working Professional", "Unemployed", "Student"])
        won = rng.random() < {"Working Professional": 0.8, "Unemployed": 0.4}.get(occupation, 0.2)
        leads.append(ReviewLead(str(i), {"occupation": occupation}, None, None, won))
    table = tuple(min(0.95, s / 100 + 0.1) for s in range(101))
    calibration = Calibration("x-education", rules.version, "isotonic", table, 600, 300, 0.01)
    review = build_review(
        leads, rules, now=datetime(2026, 1, 1, tzinfo=UTC), calibration=calibration
    )
    assert review.current.probabilities is not None
    assert review.current.probability_ece is not None
    report = tmp_path / "report.html"
    report.write_text(html_report(review), encoding="utf-8")
    assert CHROMIUM.is_file(), "install Debian's chromium: apt-get install -y chromium"
    errors: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1200, "height": 1600})
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.goto(report.as_uri())
        chart = page.locator('svg.chart[aria-label="Calibration"]')
        lines = chart.locator("polyline.line").count()
        legend = chart.text_content() or ""
        captions = page.locator("table caption").all_inner_texts()
        browser.close()
    assert errors == []
    assert lines >= 2  # the score read as a chance, and the calibrated probability
    assert "probability" in legend
    assert any(c.startswith("Calibrated probability (isotonic)") for c in captions)

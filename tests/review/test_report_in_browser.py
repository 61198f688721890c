"""report.html in a real headless browser: charts, tables, no errors, no network."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from PIL import Image
from playwright.sync_api import Browser, ConsoleMessage, Request, sync_playwright

from connector.review.dataset import ReviewLead
from connector.review.html_report import html_report
from connector.review.report import build_review
from connector.rules import load_rules
from tests.review.conftest import EXAMPLES, ReviewRun

CHROMIUM = Path("/usr/bin/chromium")


@pytest.fixture(name="browser", scope="module")
def _browser() -> Iterator[Browser]:
    """One headless chromium for the module: launching it is most of these tests' time."""
    assert CHROMIUM.is_file(), "install Debian's chromium: apt-get install -y chromium"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        yield browser
        browser.close()


def test_report_renders_charts_and_tables_offline_without_errors(
    x_education_run: ReviewRun, tmp_path: Path, browser: Browser
) -> None:
    report = x_education_run.folder / "report.html"
    errors: list[str] = []
    requests: list[str] = []
    shot = tmp_path / "report.png"
    page = browser.new_page(viewport={"width": 1200, "height": 1600})
    page.on("console", lambda m: _keep_errors(m, errors))
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("request", lambda r: _keep_url(r, requests))
    page.goto(report.as_uri())
    charts = page.locator("svg.chart")
    titles = [charts.nth(i).get_attribute("aria-label") for i in range(charts.count())]
    boxes = [charts.nth(i).bounding_box() for i in range(charts.count())]
    drawn = [
        charts.nth(i).locator("rect.bar, polyline.line").count() for i in range(charts.count())
    ]
    tables = page.locator("table")
    first_rows = [tables.nth(i).locator("tbody tr").count() for i in range(tables.count())]
    decile_cells = page.locator("table").nth(1).locator("tbody tr").first.inner_text()
    page.screenshot(path=str(shot), full_page=True)
    page.close()

    assert errors == []
    assert requests == [report.as_uri()]  # the page itself, nothing from the network
    assert titles == [
        "Gain curve",
        "Conversion by grade",
        "Score distribution: x-education",
        "Calibration",
    ]
    assert all(b is not None and b["width"] > 100 and b["height"] > 100 for b in boxes)
    assert all(n > 0 for n in drawn)
    assert len(first_rows) >= 10 and all(n > 0 for n in first_rows)
    assert decile_cells.split()[:2] == ["1", "924"]
    _assert_not_blank(shot)


def _keep_errors(message: ConsoleMessage, errors: list[str]) -> None:
    if message.type in ("error", "warning"):
        errors.append(message.text)


def _keep_url(request: Request, urls: list[str]) -> None:
    urls.append(request.url)


def _assert_not_blank(path: Path) -> None:
    image = Image.open(path).convert("RGB")
    assert image.width >= 1200 and image.height > 2000
    colours = image.getcolors(maxcolors=1 << 16)
    # a blank page has one colour; charts, text and table borders give hundreds
    assert colours is None or len(colours) > 50
    white = max(colours)[0] if colours else 0
    assert white < 0.98 * image.width * image.height


def test_funnel_and_compare_render_too(tmp_path: Path, browser: Browser) -> None:
    start = datetime(2026, 3, 1, tzinfo=UTC)
    leads = [
        ReviewLead(
            lead_id=str(i),
            contact={"occupation": "Working Professional" if i % 3 else "Student"},
            company=None,
            created_at=start + timedelta(days=i % 60),
            converted=i % 3 != 0 and i % 4 != 0,
            stage_dates={"lead": start, "opportunity": start + timedelta(days=9)}
            if i % 3
            else {"lead": start},
        )
        for i in range(300)
    ]
    rules = load_rules(EXAMPLES / "x-education.yaml")
    review = build_review(leads, rules, now=start, compare=rules)
    report = tmp_path / "report.html"
    report.write_text(html_report(review), encoding="utf-8")
    errors: list[str] = []
    page = browser.new_page()
    page.on("console", lambda m: _keep_errors(m, errors))
    page.goto(report.as_uri())
    funnel = page.locator('svg.chart[aria-label="Funnel"]')
    bars = funnel.locator("rect.bar").count()
    box = funnel.bounding_box()
    legends = page.locator('svg.chart[aria-label="Gain curve"] polyline.line').count()
    page.close()
    assert errors == []
    assert bars == 5 and box is not None and box["height"] > 100
    assert legends == 2  # current and candidate, side by side

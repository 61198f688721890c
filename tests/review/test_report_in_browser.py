"""report.html in a real headless browser: charts, tables, no errors, no network."""

from __future__ import annotations

from pathlib import Path

from PIL import Image
from playwright.sync_api import ConsoleMessage, Request, sync_playwright

from tests.review.conftest import ReviewRun

CHROMIUM = Path("/usr/bin/chromium")


def test_report_renders_charts_and_tables_offline_without_errors(
    x_education_run: ReviewRun, tmp_path: Path
) -> None:
    assert CHROMIUM.is_file(), "install Debian's chromium: apt-get install -y chromium"
    report = x_education_run.folder / "report.html"
    errors: list[str] = []
    requests: list[str] = []
    shot = tmp_path / "report.png"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
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
        browser.close()

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

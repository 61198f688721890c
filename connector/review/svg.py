"""Small inline-SVG charts for report.html: bars and lines, no script, no network.

Written here rather than taken from a charting library: the report must be one file that
opens offline, and the JavaScript libraries either load from a CDN or add hundreds of
kilobytes inline; matplotlib would add a heavy dependency for five simple charts.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from html import escape

WIDTH = 560
HEIGHT = 300
_LEFT, _RIGHT, _TOP, _BOTTOM = 56, 16, 28, 48
COLOURS = ("#2563eb", "#ea580c", "#16a34a", "#9333ea")
Series = tuple[str, Sequence[float]]
Points = tuple[str, Sequence[tuple[float, float]]]


def _frame(title: str, body: list[str], legend: Sequence[str]) -> str:
    items = [
        f'<rect x="{_LEFT + 130 * i}" y="6" width="10" height="10" fill="{COLOURS[i]}"/>'
        f'<text x="{_LEFT + 14 + 130 * i}" y="15" font-size="11">{escape(name)}</text>'
        for i, name in enumerate(legend)
    ]
    return (
        f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" role="img" '
        f'aria-label="{escape(title)}" viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" '
        f'height="{HEIGHT}" font-family="sans-serif">' + "".join(items + body) + "</svg>"
    )


def _y_axis(y_max: float, fmt: Callable[[float], str]) -> list[str]:
    out: list[str] = []
    plot_h = HEIGHT - _TOP - _BOTTOM
    for i in range(5):
        value = y_max * i / 4
        y = HEIGHT - _BOTTOM - plot_h * i / 4
        out.append(
            f'<line x1="{_LEFT}" y1="{y:.1f}" x2="{WIDTH - _RIGHT}" y2="{y:.1f}" '
            f'stroke="#e5e7eb"/><text x="{_LEFT - 6}" y="{y + 4:.1f}" font-size="11" '
            f'text-anchor="end">{escape(fmt(value))}</text>'
        )
    return out


def bar_chart(
    title: str,
    categories: Sequence[str],
    series: Sequence[Series],
    *,
    fmt: Callable[[float], str] = lambda v: f"{100 * v:.0f} %",
    y_max: float | None = None,
) -> str:
    """Grouped bars: one group per category, one bar per series."""
    top = y_max or max([v for _, values in series for v in values] + [1e-9])
    plot_w = WIDTH - _LEFT - _RIGHT
    plot_h = HEIGHT - _TOP - _BOTTOM
    group_w = plot_w / max(len(categories), 1)
    bar_w = group_w * 0.8 / max(len(series), 1)
    body = _y_axis(top, fmt)
    for c, name in enumerate(categories):
        x0 = _LEFT + c * group_w + group_w * 0.1
        for s, (_, values) in enumerate(series):
            h = plot_h * min(values[c] / top, 1.0) if top > 0 else 0.0
            body.append(
                f'<rect class="bar" x="{x0 + s * bar_w:.1f}" y="{HEIGHT - _BOTTOM - h:.1f}" '
                f'width="{bar_w:.1f}" height="{h:.1f}" fill="{COLOURS[s % 4]}">'
                f"<title>{escape(name)}: {escape(fmt(values[c]))}</title></rect>"
            )
        body.append(
            f'<text x="{x0 + group_w * 0.4:.1f}" y="{HEIGHT - _BOTTOM + 16}" font-size="11" '
            f'text-anchor="middle">{escape(name)}</text>'
        )
    return _frame(title, body, [name for name, _ in series])


def line_chart(
    title: str,
    series: Sequence[Points],
    *,
    x_label: str,
    diagonal: bool = True,
    fmt: Callable[[float], str] = lambda v: f"{100 * v:.0f} %",
) -> str:
    """Lines over the unit square (shares or probabilities), with the chance diagonal."""
    plot_w = WIDTH - _LEFT - _RIGHT
    plot_h = HEIGHT - _TOP - _BOTTOM

    def at(x: float, y: float) -> str:
        return f"{_LEFT + plot_w * x:.1f},{HEIGHT - _BOTTOM - plot_h * y:.1f}"

    body = _y_axis(1.0, fmt)
    for i in range(5):
        x = i / 4
        body.append(
            f'<text x="{_LEFT + plot_w * x:.1f}" y="{HEIGHT - _BOTTOM + 16}" font-size="11" '
            f'text-anchor="middle">{escape(fmt(x))}</text>'
        )
    body.append(
        f'<text x="{_LEFT + plot_w / 2:.1f}" y="{HEIGHT - 8}" font-size="11" '
        f'text-anchor="middle">{escape(x_label)}</text>'
    )
    if diagonal:
        body.append(
            f'<polyline points="{at(0, 0)} {at(1, 1)}" fill="none" stroke="#9ca3af" '
            'stroke-dasharray="4 4"/>'
        )
    for s, (_, points) in enumerate(series):
        path = " ".join(at(x, y) for x, y in points)
        body.append(
            f'<polyline class="line" points="{path}" fill="none" stroke="{COLOURS[s % 4]}" '
            'stroke-width="2"/>'
        )
        body += [
            f'<circle cx="{at(x, y).split(",")[0]}" cy="{at(x, y).split(",")[1]}" r="3" '
            f'fill="{COLOURS[s % 4]}"/>'
            for x, y in points
        ]
    return _frame(title, body, [name for name, _ in series])

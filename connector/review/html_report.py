"""report.html: one self-contained page (inline CSS and SVG, no script, no network).

Every chart is followed by the table it is drawn from, so the numbers can be read and copied.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from connector.review.funnel import FUNNEL_STAGES, STAGE_NAMES
from connector.review.report import Review, RulesReview
from connector.review.svg import bar_chart, line_chart

_STYLE = """
body{font-family:system-ui,sans-serif;max-width:1180px;margin:2em auto;padding:0 1em;color:#111}
h1{font-size:1.6em}h2{margin-top:2em;border-bottom:1px solid #ddd}
table{border-collapse:collapse;margin:.6em 0 1.4em;font-size:.9em}
th,td{border:1px solid #ddd;padding:3px 8px;text-align:right}th{background:#f3f4f6}
td:first-child,th:first-child{text-align:left}
.verdict{padding:.7em 1em;border-radius:6px;background:#ecfdf5;border:1px solid #10b981}
.nosignal{background:#fef2f2;border-color:#ef4444}
.leak{color:#b91c1c}.pair{display:flex;gap:2em;flex-wrap:wrap}
"""


def _pct(x: float | None) -> str:
    return "n/a" if x is None else f"{100 * x:.1f} %"


def _num(x: float | None, digits: int = 3) -> str:
    return "n/a" if x is None else f"{x:.{digits}f}"


def _cell(value: object) -> str:
    return f"{value:,}" if isinstance(value, int) and not isinstance(value, bool) else str(value)


def _table(headers: Sequence[str], rows: Sequence[Sequence[object]], caption: str) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = "".join(
        "<tr>" + "".join(f"<td>{escape(_cell(c))}</td>" for c in row) + "</tr>" for row in rows
    )
    return (
        f"<table><caption>{escape(caption)}</caption><thead><tr>{head}</tr></thead>"
        f"<tbody>{body}</tbody></table>"
    )


def _all(review: Review) -> list[RulesReview]:
    return [review.current] + ([review.candidate] if review.candidate else [])


def _verdicts(review: Review) -> str:
    out = []
    for r in _all(review):
        cls = "verdict" if r.signal else "verdict nosignal"
        out.append(f'<p class="{cls}"><b>{escape(r.name)}</b>: {escape(r.verdict)}</p>')
    return "".join(out)


def _discrimination(review: Review) -> str:
    rows = [
        [r.name, r.version, _num(r.auc.value), _num(r.auc.low), _num(r.auc.high), _num(r.ece)]
        for r in _all(review)
    ]
    if review.recorded_auc is not None:
        rows.append(["as decided at the time", "", _num(review.recorded_auc), "", "", ""])
    return "<h2>Discrimination</h2>" + _table(
        ["rules", "version", "AUC", "95 % low", "95 % high", "calibration error (ECE)"],
        rows,
        "AUC: the chance that a converter outscores a non-converter (0.5 = coin toss)",
    )


def _gain(review: Review) -> str:
    series = [
        (r.name, [(0.0, 0.0)] + [(d.decile / 10, d.cumulative_gain) for d in r.deciles])
        for r in _all(review)
    ]
    chart = line_chart("Gain curve", series, x_label="share of leads, best scores first")
    tables = "".join(
        _table(
            ["decile", "leads", "scores", "converters", "conversion", "lift", "cumulative gain"],
            [
                [
                    d.decile,
                    d.leads,
                    f"{d.min_score}–{d.max_score}",
                    d.converters,
                    _pct(d.rate),
                    f"{d.lift:.2f}×",
                    _pct(d.cumulative_gain),
                ]
                for d in r.deciles
            ],
            f"Lift and gain by score decile: {r.name}",
        )
        for r in _all(review)
    )
    return f"<h2>Gain and lift</h2>{chart}{tables}"


def _groups(review: Review) -> str:
    keys = list(dict.fromkeys(g.key for r in _all(review) for g in r.by_grade))
    series = []
    for r in _all(review):
        rates = {g.key: g.rate for g in r.by_grade}
        series.append((r.name, [rates.get(k, 0.0) for k in keys]))
    parts = ["<h2>Conversion by grade, temperature and label</h2>"]
    parts.append(bar_chart("Conversion by grade", [f"grade {k}" for k in keys], series))
    for r in _all(review):
        for title, rows in (
            ("grade", r.by_grade),
            ("temperature", r.by_temperature),
            ("label", r.by_label),
        ):
            parts.append(
                _table(
                    [title, "leads", "converters", "conversion"],
                    [[g.key, g.leads, g.converters, _pct(g.rate)] for g in rows],
                    f"Conversion by {title}: {r.name}",
                )
            )
    return "".join(parts)


def _distribution(review: Review) -> str:
    parts = ["<h2>Score distributions</h2>"]
    for r in _all(review):
        cats = [f"{b.low}–{b.low + 9 if b.low < 90 else 100}" for b in r.distribution]
        parts.append(
            bar_chart(
                f"Score distribution: {r.name}",
                cats,
                [
                    ("converters", [b.converter_share for b in r.distribution]),
                    ("non-converters", [b.non_converter_share for b in r.distribution]),
                ],
            )
        )
        parts.append(
            _table(
                ["scores", "converters", "share of converters", "non-converters", "share"],
                [
                    [
                        c,
                        b.converters,
                        _pct(b.converter_share),
                        b.non_converters,
                        _pct(b.non_converter_share),
                    ]
                    for c, b in zip(cats, r.distribution, strict=True)
                ],
                f"Score distribution: {r.name}",
            )
        )
    return "".join(parts)


def _over_filtering(review: Review) -> str:
    parts = ["<h2>Over-filtering: converters the rules kept down</h2>"]
    for r in _all(review):
        of = r.over_filtering
        parts.append(
            _table(
                ["rules", "converters", "below the MQL bar", "share", "never handed off", "share"],
                [
                    [
                        r.name,
                        of.converters,
                        of.below_bar,
                        _pct(of.below_bar_share),
                        of.not_handed_off,
                        _pct(of.not_handed_off_share),
                    ]
                ],
                "Converters below the MQL bar and never handed off",
            )
        )
        parts.append(
            _table(
                ["what held them down", "kind", "converters", "share of them", "share of all"],
                [
                    [h.what, h.kind, h.converters, _pct(h.share), _pct(h.share_all)]
                    for h in of.held_down
                ],
                f"Criteria and missing data among converters below the bar: {r.name}",
            )
        )
        parts.append(
            _table(
                ["segment", "leads", "converters", "conversion", "converters below the bar"],
                [
                    [s.description, s.leads, s.converters, _pct(s.rate), s.held_back]
                    for s in of.segments
                ],
                f"Where they cluster: {r.name}",
            )
        )
        parts.append(
            _table(
                [
                    "hand off at score ≥",
                    "handoffs",
                    "per week",
                    "converters caught",
                    "share",
                    "precision",
                ],
                [
                    [
                        f"{c.threshold} (the rules' bar)" if c.in_force else c.threshold,
                        c.handoffs,
                        _num(c.per_week, 1),
                        c.converters_caught,
                        _pct(c.caught_share),
                        _pct(c.precision),
                    ]
                    for c in r.capacity
                ],
                f"SDR capacity by threshold: {r.name}",
            )
        )
    return "".join(parts)


def _funnel(review: Review) -> str:
    f = review.funnel
    if f is None:
        return "<h2>Funnel</h2><p>No stage dates in this data: no funnel.</p>"
    names = [STAGE_NAMES[s.stage] for s in f.steps]
    top = max(f.steps[0].reached, 1)
    chart = bar_chart("Funnel", names, [("leads", [s.reached / top for s in f.steps])])
    steps = _table(
        ["stage", "reached", "from previous", "median days from previous"],
        [
            [
                STAGE_NAMES[s.stage],
                s.reached,
                _pct(s.rate_from_previous),
                _num(s.median_days_from_previous, 1),
            ]
            for s in f.steps
        ],
        "Funnel",
    )
    months = _table(
        [
            "created",
            STAGE_NAMES[FUNNEL_STAGES[0]],
            *(
                f"{STAGE_NAMES[s]}: reached · from previous · median days"
                for s in FUNNEL_STAGES[1:]
            ),
        ],
        [
            [
                m.month,
                m.reached[0],
                *(
                    f"{n:,} · {_pct(rate)} · {_num(days, 1)}"
                    for n, rate, days in zip(m.reached[1:], m.rates, m.median_days, strict=True)
                ),
            ]
            for m in f.months
        ],
        "Funnel by month of creation",
    )
    return f"<h2>Funnel</h2>{chart}{steps}{months}"


def _sla(review: Review) -> str:
    s = review.sla
    if s is None:
        return ""
    return "<h2>SLA</h2>" + _table(
        ["handoffs known", "touched in time", "share", "converted (in time)", "converted (late)"],
        [
            [
                s.handoffs_known,
                s.in_time,
                _pct(s.in_time_share),
                _pct(s.rate_in_time),
                _pct(s.rate_late),
            ]
        ],
        "Handoffs touched within the SLA, and how they converted",
    )


def _calibration(review: Review) -> str:
    series = [(r.name, [(b.predicted, b.observed) for b in r.calibration]) for r in _all(review)]
    series += [
        (f"{r.name}: probability", [(b.predicted, b.observed) for b in r.probability_calibration])
        for r in _all(review)
        if r.probability_calibration
    ]
    chart = line_chart("Calibration", series, x_label="predicted chance")
    tables = "".join(
        _table(
            ["score / 100", "leads", "mean predicted", "observed conversion"],
            [
                [f"{b.low:.1f}–{b.high:.1f}", b.leads, _pct(b.predicted), _pct(b.observed)]
                for b in r.calibration
            ],
            f"Calibration: {r.name} (ECE {_num(r.ece)})",
        )
        for r in _all(review)
    )
    tables += "".join(
        _table(
            ["probability", "leads", "mean predicted", "observed conversion"],
            [
                [f"{b.low:.1f}–{b.high:.1f}", b.leads, _pct(b.predicted), _pct(b.observed)]
                for b in r.probability_calibration
            ],
            f"Calibrated probability ({r.probabilities.method}): {r.name} "
            f"(ECE {_num(r.probability_ece)}"
            + (", fitted on these leads: not a test)" if r.probability_in_sample else ")"),
        )
        for r in _all(review)
        if r.probabilities is not None and r.probability_calibration
    )
    return f"<h2>Calibration</h2>{chart}{tables}"


def _quality(review: Review) -> str:
    parts = ["<h2>Data quality and leakage</h2>"]
    for r in _all(review):
        parts += [
            f'<p class="leak">Leak warning ({escape(r.name)}): <b>{escape(w.label)}</b> '
            f"— {escape(w.why)}</p>"
            for w in r.leaks
        ]
        parts.append(
            _table(
                [
                    "property",
                    "missing (converters)",
                    "missing (non-converters)",
                    "unreadable",
                    "AUC alone",
                ],
                [
                    [
                        q.label,
                        _pct(q.missing_converters),
                        _pct(q.missing_non_converters),
                        q.unreadable,
                        _num(q.alone_auc),
                    ]
                    for q in r.quality
                ],
                f"Properties the rules read: {r.name}",
            )
        )
    return "".join(parts)


def html_report(review: Review) -> str:
    title = f"Qualification review: {review.current.name}"
    body = "".join(
        [
            f"<h1>{escape(title)}</h1>",
            f"<p>{review.leads:,} leads, {review.converters:,} converted "
            f"({_pct(review.base_rate)}).</p>",
            _verdicts(review),
            _discrimination(review),
            _gain(review),
            _groups(review),
            _distribution(review),
            _over_filtering(review),
            _funnel(review),
            _sla(review),
            _calibration(review),
            _quality(review),
        ]
    )
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title><style>{_STYLE}</style></head>"
        f"<body>{body}</body></html>\n"
    )

"""Every fit operator, on known, unknown and garbage values (table-driven)."""

from __future__ import annotations

from typing import Any

import pytest
from rules_helpers import NOW, build_rules, lead

from connector.rules import evaluate


def _points(
    criterion: dict[str, Any], contact: dict[str, str | None], company: Any = None
) -> float:
    rules = build_rules(
        fit={
            "max_points": 100,
            "groups": [{"name": "g", "criteria": [{**criterion, "points": 10}]}],
        }
    )
    return evaluate(lead(contact, company), rules=rules, now=NOW).fit_points


def _c(op: str, **kw: Any) -> dict[str, Any]:
    return {"label": "x", "property": kw.pop("property", "p"), "op": op, **kw}


CASES = [
    # eq / ne
    pytest.param(_c("eq", value="Acme"), {"p": " acme "}, 10, id="eq-case-and-space-insensitive"),
    pytest.param(_c("eq", value="Acme"), {"p": "acmex"}, 0, id="eq-different"),
    pytest.param(_c("eq", value=5), {"p": "5.0"}, 10, id="eq-numeric"),
    pytest.param(_c("eq", value=True), {"p": "true"}, 10, id="eq-bool"),
    pytest.param(_c("eq", value="Acme"), {}, 0, id="eq-missing"),
    pytest.param(_c("ne", value="Acme"), {"p": "Other"}, 10, id="ne-different"),
    pytest.param(_c("ne", value="Acme"), {"p": "ACME"}, 0, id="ne-same"),
    pytest.param(_c("ne", value="Acme"), {"p": ""}, 0, id="ne-unknown-is-not-evidence"),
    # in / not_in
    pytest.param(_c("in", values=["US", "CA"]), {"p": "ca"}, 10, id="in-member"),
    pytest.param(_c("in", values=["US", "CA"]), {"p": "DE"}, 0, id="in-non-member"),
    pytest.param(_c("in", values=[100, 200]), {"p": "200"}, 10, id="in-numeric"),
    pytest.param(_c("not_in", values=["US"]), {"p": "DE"}, 10, id="not-in-outside"),
    pytest.param(_c("not_in", values=["US"]), {"p": "us"}, 0, id="not-in-inside"),
    pytest.param(_c("not_in", values=["US"]), {"p": None}, 0, id="not-in-unknown"),
    # numeric comparisons and ranges
    pytest.param(_c("gt", value=10), {"p": "11"}, 10, id="gt-above"),
    pytest.param(_c("gt", value=10), {"p": "10"}, 0, id="gt-equal"),
    pytest.param(_c("gte", value=10), {"p": "10"}, 10, id="gte-equal"),
    pytest.param(_c("lt", value=10), {"p": "9.99"}, 10, id="lt-below"),
    pytest.param(_c("lte", value=10), {"p": "10"}, 10, id="lte-equal"),
    pytest.param(_c("lte", value=10), {"p": "NaN"}, 0, id="lte-nan-is-unknown"),
    pytest.param(_c("between", min=200, max=999), {"p": "200"}, 10, id="between-low-edge"),
    pytest.param(_c("between", min=200, max=999), {"p": "999"}, 10, id="between-high-edge"),
    pytest.param(_c("between", min=200, max=999), {"p": "1000"}, 0, id="between-above"),
    pytest.param(_c("between", min=200), {"p": "1e9"}, 10, id="between-open-high"),
    pytest.param(_c("between", max=10), {"p": "-3"}, 10, id="between-open-low"),
    pytest.param(_c("between", min=1, max=9), {"p": "1e999"}, 0, id="between-overflow"),
    pytest.param(_c("between", min=1, max=9), {"p": "five"}, 0, id="between-garbage"),
    # contains / not_contains / regex
    pytest.param(
        _c("contains", values=["/pricing"]), {"p": "https://x.io/PRICING"}, 10, id="contains"
    ),
    pytest.param(
        _c("contains", values=["/pricing"]), {"p": "https://x.io/blog"}, 0, id="contains-no"
    ),
    pytest.param(_c("not_contains", values=["test"]), {"p": "real lead"}, 10, id="not-contains"),
    pytest.param(_c("not_contains", values=["test"]), {"p": "Test lead"}, 0, id="not-contains-hit"),
    pytest.param(_c("regex", value=r"\bvp\b"), {"p": "VP Sales"}, 10, id="regex-case-insensitive"),
    pytest.param(_c("regex", value=r"\bvp\b"), {"p": "MVP owner"}, 0, id="regex-word-boundary"),
    pytest.param(_c("regex", value="end$"), {"p": "x" * 5000 + "end"}, 0, id="regex-input-bounded"),
    # domain_in
    pytest.param(_c("domain_in", values=["gmail.com"]), {"p": "a@GMAIL.com"}, 10, id="domain"),
    pytest.param(_c("domain_in", values=["acme.com"]), {"p": "a@eu.acme.com"}, 10, id="subdomain"),
    pytest.param(_c("domain_in", values=["acme.com"]), {"p": "a@notacme.com"}, 0, id="suffix-only"),
    pytest.param(_c("domain_in", values=["acme.com"]), {"p": "garbage"}, 0, id="domain-garbage"),
    # present / missing
    pytest.param(_c("present"), {"p": "x"}, 10, id="present"),
    pytest.param(_c("present"), {"p": "  "}, 0, id="present-blank"),
    pytest.param(_c("missing"), {}, 10, id="missing-absent"),
    pytest.param(_c("missing"), {"p": ""}, 10, id="missing-empty"),
    pytest.param(_c("missing"), {"p": "x"}, 0, id="missing-present"),
    # where the value is read from
    pytest.param(
        _c("eq", value="x", property="company.p"), {"p": "x"}, 0, id="company-not-contact"
    ),
    pytest.param(
        _c("eq", value="x", property=["company.p", "p"]), {"p": "x"}, 10, id="fallback-list"
    ),
]


@pytest.mark.parametrize(("criterion", "contact", "expected"), CASES)
def test_operator(
    criterion: dict[str, Any], contact: dict[str, str | None], expected: float
) -> None:
    assert _points(criterion, contact) == expected


def test_company_property_is_read_from_the_company() -> None:
    crit = _c("gte", value=200, property="company.numberofemployees")
    assert _points(crit, {}, {"numberofemployees": "250"}) == 10
    assert _points(crit, {}, None) == 0


def test_memoised_results_match_fresh_ones() -> None:
    rules = build_rules(
        fit={
            "groups": [
                {"name": "g", "criteria": [{**_c("regex", value="^a"), "points": 7}]},
            ]
        }
    )
    for value, expected in [("abc", 7), ("xbc", 0), ("abc", 7), ("xbc", 0)]:
        assert evaluate(lead({"p": value}), rules=rules, now=NOW).fit_points == expected

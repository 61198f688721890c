"""Compiled property tests: one `Matcher` per criterion, built once, called per contact.

Properties are read as HubSpot sends them, strings or None: the engine sets values of any other
type aside as unreadable before a matcher sees them. Strings compare case-insensitively after
trimming; numeric operators parse the value with `parse_number` and treat garbage as unknown.
An unknown (missing, empty, unreadable) value matches only `missing`: "not_in" and "ne" never
match an unknown value, because "we don't know" is not evidence that the contact is outside a
list.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from connector.rules.schema import MatchSpec, Scalar
from connector.rules.values import (
    MAX_TEXT_CHARS,
    bounded,
    domain_matches,
    email_domain,
    parse_number,
)

#: (read from the company?, property name)
PropertyRef = tuple[bool, str]

#: Properties whose values are contact PII: reasons show an e-mail's domain only, and never
#: show names or phone numbers (reasons are printed by the CLI and may reach logs).
_EMAIL_PROPERTIES = frozenset({"email", "work_email", "hs_additional_emails"})
_PII_PROPERTIES = frozenset(
    {"firstname", "lastname", "phone", "mobilephone", "address", "fax", "hs_whatsapp_phone_number"}
)
Properties = Mapping[str, str | None]
_Test = Callable[[str], bool]


def parse_refs(refs: str | list[str]) -> tuple[PropertyRef, ...]:
    """("company.industry", "numemployees") → ((True, "industry"), (False, "numemployees"))."""
    out: list[PropertyRef] = []
    for ref in [refs] if isinstance(refs, str) else refs:
        if ref.startswith("company."):
            out.append((True, ref[8:]))
        elif ref.startswith("contact."):
            out.append((False, ref[8:]))
        else:
            out.append((False, ref))
    return tuple(out)


def read_first(
    refs: tuple[PropertyRef, ...], contact: Properties, company: Properties | None
) -> str | None:
    """The first non-blank value among `refs`, trimmed and length-bounded, or None."""
    for on_company, name in refs:
        source = company if on_company else contact
        if source is None:
            continue
        raw = source.get(name)
        if raw is None:
            continue
        text = bounded(raw).strip()
        if text:
            return text[:MAX_TEXT_CHARS]
    return None


def scalar_text(value: Scalar) -> str:
    """A compared value as the matchers compare it: lower case, 5.0 as "5", true/false."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip().lower()


def _numbers(values: list[Scalar]) -> frozenset[float]:
    return frozenset(
        float(v) for v in values if isinstance(v, int | float) and not isinstance(v, bool)
    )


def _set_test(values: list[Scalar]) -> _Test:
    texts = frozenset(scalar_text(v) for v in values)
    numbers = _numbers(values)
    if not numbers:
        return lambda text: text.lower() in texts

    def test(text: str) -> bool:
        if text.lower() in texts:
            return True
        number = parse_number(text)
        return number is not None and number in numbers

    return test


def _between(low: float | None, high: float | None) -> _Test:
    lo = float("-inf") if low is None else low
    hi = float("inf") if high is None else high

    def test(text: str) -> bool:
        number = parse_number(text)
        return number is not None and lo <= number <= hi

    return test


def _compare(op: str, bound: float) -> _Test:
    def test(text: str) -> bool:
        number = parse_number(text)
        if number is None:
            return False
        if op == "gt":
            return number > bound
        if op == "gte":
            return number >= bound
        if op == "lt":
            return number < bound
        return number <= bound

    return test


def _contains(values: list[Scalar]) -> _Test:
    needles = tuple(scalar_text(v) for v in values)
    return lambda text: any(needle in text.lower() for needle in needles)


def _domain_in(values: list[Scalar]) -> _Test:
    domains = frozenset(scalar_text(v).lstrip("@") for v in values)

    def test(text: str) -> bool:
        domain = email_domain(text)
        return domain is not None and domain_matches(domain, domains)

    return test


def _build_test(spec: MatchSpec) -> tuple[_Test, bool]:
    """The test for a known value, and whether a match means "the test failed" (negated)."""
    op = spec.op
    operands = spec.operands()
    if op in ("eq", "ne"):
        return _set_test(operands), op == "ne"
    if op in ("in", "not_in"):
        return _set_test(operands), op == "not_in"
    if op in ("contains", "not_contains"):
        return _contains(operands), op == "not_contains"
    if op == "between":
        return _between(spec.min, spec.max), False
    if op in ("gt", "gte", "lt", "lte"):
        assert isinstance(spec.value, int | float)
        return _compare(op, float(spec.value)), False
    if op == "regex":
        pattern = re.compile(str(spec.value), re.IGNORECASE)
        return (lambda text: pattern.search(text) is not None), False
    if op == "domain_in":
        return _domain_in(operands), False
    return (lambda text: True), False  # present / missing: decided by presence alone


def describe(spec: MatchSpec) -> str:
    """A readable default label, e.g. "company.industry in COMPUTER_SOFTWARE, INTERNET"."""
    prop = spec.property if isinstance(spec.property, str) else spec.property[0]
    op = spec.op
    if op in ("present", "missing"):
        return f"{prop} {op}"
    if op == "between":
        low = "…" if spec.min is None else f"{spec.min:g}"
        high = "…" if spec.max is None else f"{spec.max:g}"
        return f"{prop} {low}–{high}"
    shown = ", ".join(scalar_text(v) for v in spec.operands()[:4])
    if len(spec.operands()) > 4:
        shown += ", …"
    return f"{prop} {op.replace('_', ' ')} {shown}"


@dataclass(frozen=True, slots=True)
class Matcher:
    """One compiled property test.

    Attributes:
        refs: where to read the value (first non-blank wins).
        op: the operator name.
        label: the text a rep reads.
        test: the test on a known (trimmed, bounded) value.
        negated: the test's result is inverted for known values (ne, not_in, not_contains).
        observe: how the observed value is shown: "raw", "domain" (e-mail and website
            properties: the domain only, never the address) or "hidden" (names, phones).
    """

    refs: tuple[PropertyRef, ...]
    op: str
    label: str
    test: _Test
    negated: bool
    observe: str

    def check(self, contact: Properties, company: Properties | None) -> tuple[bool, str | None]:
        """Whether the test holds, and the observed value (None when unknown).

        Args:
            contact: the contact's properties.
            company: the company's properties, or None.

        Returns:
            (matched, observed value as shown to a rep).
        """
        value = read_first(self.refs, contact, company)
        op = self.op
        if value is None:
            return op == "missing", None
        if op == "missing":
            return False, None
        if op == "present":
            return True, None
        matched = self.test(value)
        if self.negated:
            matched = not matched
        observe = self.observe
        if observe == "raw":
            return matched, value
        if observe == "domain":
            return matched, email_domain(value)
        return matched, None


def compile_matcher(spec: MatchSpec) -> Matcher:
    """Build the `Matcher` for one validated spec."""
    test, negated = _build_test(spec)
    refs = parse_refs(spec.property)
    return Matcher(
        refs=refs,
        op=spec.op,
        label=spec.label or describe(spec),
        test=test,
        negated=negated,
        observe=_observe_mode(spec.op, refs),
    )


def _observe_mode(op: str, refs: tuple[PropertyRef, ...]) -> str:
    names = {name for _, name in refs}
    if op == "domain_in" or names & _EMAIL_PROPERTIES:
        return "domain"
    if names & _PII_PROPERTIES:
        return "hidden"
    return "raw"

"""Property sources: each distinct property (or list of properties) read once per contact.

Many criteria read the same property (four disqualifier, fit and signal tests read the job
title or the conversion name). A `Source` gathers every matcher reading one property reference,
reads the value once, and memoises the outcome of all its matchers together by the raw value:
real portals repeat values (industries, countries, titles, form names), so for most contacts a
property costs one dict lookup however many criteria test it.

An outcome is a tuple with one entry per matcher, built by that matcher's `make` function from
(matched, observed): a prebuilt reason for fit criteria and disqualifiers (None when it does
not match), a bool for a signal's `when`. Prebuilt reasons are immutable and shared between
decisions, so a criterion that does not fire costs nothing and one that fires costs no object.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from connector.rules.matchers import Matcher, Properties, PropertyRef, read_first
from connector.rules.values import MAX_TEXT_CHARS, clean_text, email_domain

#: Per-source memo size (entries), as the matchers' own memo: bounded, a pure cache.
_MEMO_MAX_ENTRIES = 20_000

#: Operators whose outcome depends on an e-mail/website value only through its domain (and
#: whether the value is there at all), so values can be memoised by domain: addresses are
#: unique per contact, their domains are not.
_DOMAIN_OPS = frozenset({"domain_in", "present", "missing"})
#: Operators that only look at whether there is a value: memoised by that alone (record
#: ids, e-mail addresses and other unique values would otherwise never hit the memo).
_PRESENCE_OPS = frozenset({"present", "missing"})
#: The memo key of "there is a value" for presence-only sources (None stands for none).
_PRESENT = ""

Make = Callable[[bool, str | None], object]
Outcome = tuple[object, ...]


def domain_key(raw: str | None) -> str | None:
    """The memo key of an e-mail/website value for a by-domain source (as `Source.outcome`).

    None when there is no value, "" for a value without a domain, else the domain: what
    `email_domain(clean_text(raw)) or ""` gives, with the common case (an e-mail address)
    done in one pass.
    """
    if not isinstance(raw, str):
        return None
    text = raw.strip()
    if not text:
        return None
    if "@" in text and len(text) <= MAX_TEXT_CHARS:
        domain = text.lower().rpartition("@")[2].strip().strip(".")
        return domain if domain and " " not in domain else ""
    return email_domain(text[:MAX_TEXT_CHARS]) or ""


def address_tail(raw: object) -> str | None:
    """The raw text after the last "@" of an address that `domain_key` reads that way, else None.

    For such a value (a string with an "@", not over the length limit) `domain_key` is a
    function of this tail alone: stripping the whole value keeps its last "@", and lowering
    it lowers the tail the same way. The tail is taken raw, so finding it costs no string
    work beyond the split; generated code uses it as a first memo key.
    """
    if not isinstance(raw, str) or "@" not in raw or len(raw) > MAX_TEXT_CHARS:
        return None
    return raw.rpartition("@")[2]


@dataclass(frozen=True, slots=True)
class Source:
    """Every matcher that reads one property reference, evaluated together.

    Attributes:
        refs: where to read the value (first non-blank wins).
        matchers: the matchers reading it, in registration order.
        makes: per matcher, what to store for (matched, observed).
        by_domain: memoise by the value's domain (see `_DOMAIN_OPS`).
        by_presence: memoise by whether there is a value (see `_PRESENCE_OPS`).
        memo: key → outcome (raw value for one property, the read value for several, the
            domain when `by_domain`).
        by_address_tail: for a `by_domain` source, the raw text after the last "@" of an
            address → outcome (see `address_tail`): found without computing the domain.
    """

    refs: tuple[PropertyRef, ...]
    matchers: tuple[Matcher, ...]
    makes: tuple[Make, ...]
    by_domain: bool
    by_presence: bool
    memo: dict[str | None, Outcome] = field(default_factory=dict, compare=False)
    by_address_tail: dict[str, Outcome] = field(default_factory=dict, compare=False)

    def remember_tail(self, tail: str, outcome: Outcome) -> None:
        """Memoise `outcome` for an address ending in `tail` (see `address_tail`), bounded."""
        if len(self.by_address_tail) < _MEMO_MAX_ENTRIES:
            self.by_address_tail[tail] = outcome

    def outcome(self, contact: Properties, company: Properties | None) -> Outcome:
        """The outcome of every matcher on this source for one contact."""
        refs = self.refs
        if len(refs) == 1:
            on_company, name = refs[0]
            source = company if on_company else contact
            raw = None if source is None else source.get(name)
            if not isinstance(raw, str):  # a str subclass is text, as the generated code reads it
                raw = None
            if self.by_presence:
                return self._by_presence(clean_text(raw))
            if self.by_domain:
                return self._by_domain(clean_text(raw))
            hit = self.memo.get(raw)
            if hit is None:
                hit = self._compute(raw, clean_text(raw))
            return hit
        value = read_first(refs, contact, company)
        if self.by_presence:
            return self._by_presence(value)
        if self.by_domain:
            return self._by_domain(value)
        hit = self.memo.get(value)
        if hit is None:
            hit = self._compute(value, value)
        return hit

    def _by_domain(self, value: str | None) -> Outcome:
        # "" stands for a value without a domain (email_domain never returns "").
        key = None if value is None else (email_domain(value) or "")
        hit = self.memo.get(key)
        if hit is None:
            hit = self._compute(key, value)
        return hit

    def _by_presence(self, value: str | None) -> Outcome:
        key = None if value is None else _PRESENT
        hit = self.memo.get(key)
        if hit is None:
            hit = self._compute(key, value)
        return hit

    def _compute(self, key: str | None, value: str | None) -> Outcome:
        out = tuple(
            make(*matcher.decide(value))
            for matcher, make in zip(self.matchers, self.makes, strict=True)
        )
        if len(self.memo) < _MEMO_MAX_ENTRIES:
            self.memo[key] = out
        return out


class SourceBuilder:
    """Collects matchers at compile time and assigns each a (source index, position)."""

    def __init__(self) -> None:
        self._refs: list[tuple[PropertyRef, ...]] = []
        self._matchers: list[list[Matcher]] = []
        self._makes: list[list[Make]] = []

    def add(self, matcher: Matcher, make: Make) -> tuple[int, int]:
        """Register a matcher; returns where its result sits in the per-contact outcomes."""
        try:
            index = self._refs.index(matcher.refs)
        except ValueError:
            index = len(self._refs)
            self._refs.append(matcher.refs)
            self._matchers.append([])
            self._makes.append([])
        self._matchers[index].append(matcher)
        self._makes[index].append(make)
        return index, len(self._matchers[index]) - 1

    def build(self) -> tuple[Source, ...]:
        """The sources, in registration order."""
        return tuple(
            Source(
                refs=refs,
                matchers=tuple(matchers),
                makes=tuple(makes),
                by_domain=all(m.op in _DOMAIN_OPS and m.observe == "domain" for m in matchers),
                by_presence=all(m.op in _PRESENCE_OPS for m in matchers),
            )
            for refs, matchers, makes in zip(self._refs, self._matchers, self._makes, strict=True)
        )

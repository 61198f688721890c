"""Which property values the rules could not read, by name: garbage is scored, never silently.

The parsers in `values.py` read garbage as "unknown" and the decision goes on without it, as it
should. That is a scoring fact, but also a data problem an admin wants to hear of: "1e309"
employees, a 1 MB job title, NUL characters from a broken import. `ValueCheck` names the
properties whose non-empty value the rules could not read, using the same parsers on the same
values, so it never disagrees with what the decision made of them and never changes it.

A value is unreadable when it is
- read as a number (a numeric comparison, an engagement count) and `parse_number` fails;
- read as an instant (an engagement date) and `parse_timestamp` fails;
- read from a fixed list (a BANT budget or timeline) and is not on it (a timeline may also be a
  number of months);
- any text longer than `MAX_TEXT_CHARS` once trimmed, or than `MAX_RAW_CHARS` as sent (the
  rules read only its start), or holding control characters such as NUL.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from connector.rules.matchers import Matcher, Properties, PropertyRef
from connector.rules.model import LeadInput
from connector.rules.ruleset import RuleSet
from connector.rules.values import (
    MAX_RAW_CHARS,
    MAX_TEXT_CHARS,
    bounded,
    parse_number,
    parse_timestamp,
)

#: Operators whose test parses the value as a number.
_NUMERIC_OPS = frozenset({"between", "gt", "gte", "lt", "lte"})
#: C0 controls but tab, newline and carriage return (which forms legitimately send), and DEL.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

_NUMBER, _INSTANT, _TEXT = 0, 1, 2


@dataclass(frozen=True, slots=True)
class _Listed:
    """A property read from a fixed list of (lower-case) values, or as a number if `numeric`."""

    values: frozenset[str]
    numeric: bool


@dataclass(frozen=True, slots=True)
class ValueCheck:
    """The properties a rule set reads, grouped by how it reads them; built once per rule set.

    Attributes:
        kinds: (on company?, name) → how the rules read it (number, instant or text).
        listed: (on company?, name) → the list the value must be on.
    """

    kinds: Mapping[PropertyRef, int]
    listed: Mapping[PropertyRef, _Listed]

    @classmethod
    def of(cls, rules: RuleSet) -> ValueCheck:
        kinds: dict[PropertyRef, int] = {}

        def note(refs: Iterable[PropertyRef], kind: int) -> None:
            for ref in refs:
                # A number or an instant is also text: the stricter reading decides.
                kinds[ref] = min(kind, kinds.get(ref, _TEXT))

        matchers: list[Matcher] = [c.matcher for g in rules.fit_groups for c in g.criteria]
        matchers.extend(rules.disqualifiers)
        matchers.extend(s.when for s in rules.engagement.signals if s.when is not None)
        for matcher in matchers:
            note(matcher.refs, _NUMBER if matcher.op in _NUMERIC_OPS else _TEXT)
        for group in rules.fit_groups:
            for criterion in group.criteria:
                if criterion.tiers:  # tiers read the value as a number
                    note(criterion.matcher.refs, _NUMBER)
        for signal in rules.engagement.signals:
            note(signal.count_refs, _NUMBER)
        for at_refs in rules.engagement.at_refs:
            note(at_refs, _INSTANT)
        listed: dict[PropertyRef, _Listed] = {}
        bant = rules.bant
        if bant is not None:
            if bant.budget is not None:
                note(bant.budget.refs, _TEXT)
                listed.update(
                    dict.fromkeys(bant.budget.refs, _Listed(frozenset(bant.budget.rank), False))
                )
            if bant.timeline is not None:
                note(bant.timeline.refs, _TEXT)
                months = _Listed(frozenset(bant.timeline.months), True)
                listed.update(dict.fromkeys(bant.timeline.refs, months))
            if bant.authority is not None:
                note(bant.authority.role_refs + bant.authority.title_refs, _TEXT)
            if bant.need is not None:
                note(bant.need.text_refs + bant.need.interest_refs, _TEXT)
        return cls(kinds=kinds, listed=listed)

    def unreadable(self, lead: LeadInput) -> tuple[str, ...]:
        """The properties of `lead` (company ones as "company.<name>") whose non-empty text
        value the rules could not read, sorted; values that are not text are the decision's
        own `unreadable`, and are not repeated here."""
        found: list[str] = []
        for ref, kind in self.kinds.items():
            on_company, name = ref
            source: Properties | None = lead.company if on_company else lead.contact
            if source is None:
                continue
            raw = source.get(name)
            if not isinstance(raw, str):
                continue
            text = bounded(raw).strip()
            if text and not self._readable(ref, kind, raw, text):
                found.append(f"company.{name}" if on_company else name)
        return tuple(sorted(found))

    def _readable(self, ref: PropertyRef, kind: int, raw: str, text: str) -> bool:
        if len(text) > MAX_TEXT_CHARS or len(raw) > MAX_RAW_CHARS:
            return False  # the rules read only its start
        if _CONTROL.search(text) is not None:
            return False
        if kind == _NUMBER:
            return parse_number(raw) is not None
        if kind == _INSTANT:
            return parse_timestamp(raw) is not None
        listed = self.listed.get(ref)
        if listed is None or text.lower() in listed.values:
            return True
        return listed.numeric and (months := parse_number(text)) is not None and months >= 0

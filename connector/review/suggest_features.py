"""What `connector suggest` fits: each lead as 0/1 indicators of the rules' own criteria.

Every slot is one number a rules file can hold: a criterion's points, one band of a tiered
criterion, one band of an engagement signal's count. A lead's indicator is 1 when the engine
would credit that slot (in a `mode: first` group only the first match counts), so the fitted
coefficients become points that the engine adds up the same way. `--propose` adds slots for
properties the rules do not read: frequent levels of an enumeration, or quantile bands of a
number. The slots' layout (which levels, which cut points) is decided from the leads given, so
a fold's layout never sees the leads it is judged on.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

import numpy as np
import numpy.typing as npt

from connector.review.dataset import ReviewLead
from connector.review.scoring import value_of
from connector.rules import RuleSet
from connector.rules.matchers import Matcher, compile_matcher, parse_refs, read_first
from connector.rules.schema import FitCriterionSpec, SignalSpec
from connector.rules.values import parse_number, parse_timestamp

#: A proposed level must hold at least this many leads, and this share of them.
MIN_LEVEL_LEADS = 50
MIN_LEVEL_SHARE = 0.01
#: At most this many levels of one enumeration are proposed (the most frequent).
MAX_LEVELS = 8
#: Quantiles a number is cut at when the rules give no cut points (values of 1 or more; 0 and
#: below form their own band, "under 1").
CUT_QUANTILES = (0.25, 0.5, 0.75)
#: Share of present values that must read as numbers for a property to be tiered.
NUMERIC_SHARE = 0.95
#: Properties never proposed: dates and the connector's bookkeeping say nothing by themselves.
NEVER_PROPOSED = frozenset(
    {"createdate", "lastmodifieddate", "hs_object_id", "associatedcompanyid"}
)


@dataclass(frozen=True, slots=True)
class Band:
    """One tier: numbers below `below` (None: open-ended) and at or above the previous band."""

    below: float | None
    old_points: float | None  # the rules' value for this band, when it had one


@dataclass(frozen=True, slots=True)
class CriterionSlot:
    """A fit criterion of the rules (or a proposed one): one slot, or one per band."""

    group: int  # index into the rules' groups; proposed groups come after them
    index: int
    spec: FitCriterionSpec
    first_only: bool
    bands: tuple[Band, ...] = ()  # non-empty: the criterion scores a number by tiers
    proposed: bool = False
    kept: bool = False  # reads a property known only after contact: not fitted, kept as is


@dataclass(frozen=True, slots=True)
class SignalSlot:
    """An engagement signal: its count scored by bands (or, without a count, fired or not)."""

    index: int
    spec: SignalSpec
    bands: tuple[Band, ...]
    old_text: str  # what the signal gave before, for the evidence comment
    kept: bool = False  # reads a property known only after contact: not fitted, kept as is


@dataclass(frozen=True, slots=True)
class ProposedGroup:
    """A group `--propose` adds for a property the rules do not read."""

    name: str
    prop: str
    criteria: tuple[CriterionSlot, ...]


@dataclass(slots=True)
class Layout:
    """Every slot, in column order of the design matrix."""

    criteria: list[CriterionSlot] = field(default_factory=list)
    signals: list[SignalSlot] = field(default_factory=list)
    proposed: list[ProposedGroup] = field(default_factory=list)

    def columns(self) -> list[tuple[str, int, int]]:
        """(kind, slot index, band index) per column; band -1 for a plain criterion."""
        out: list[tuple[str, int, int]] = []
        for i, c in enumerate(self.criteria):
            if c.kept:
                continue
            out += [("fit", i, b) for b in range(len(c.bands))] if c.bands else [("fit", i, -1)]
        for i, s in enumerate(self.signals):
            out += (
                [("signal", i, b) for b in range(len(s.bands))] if s.bands else [("signal", i, -1)]
            )
        return out


def layout_for(
    rules: RuleSet,
    leads: Sequence[ReviewLead],
    *,
    propose: Sequence[str] = (),
    labels: Mapping[str, str] | None = None,
    keep: frozenset[str] = frozenset(),
) -> Layout:
    """The slots of the rules' criteria and signals, and proposed ones for `propose`.

    Criteria and signals that read a property in `keep` (as rules name it) get no column: the
    fit never sees those properties, and the candidate keeps their points as they were.
    """
    layout = Layout()
    for g, spec_group in enumerate(rules.spec.fit.groups):
        for c, crit in enumerate(spec_group.criteria):
            bands = tuple(Band(t.below, t.points) for t in crit.tiers) if crit.tiers else ()
            first = spec_group.mode == "first"
            kept = _reads(keep, crit.property)
            layout.criteria.append(CriterionSlot(g, c, crit, first, bands, kept=kept))
    for i, signal in enumerate(rules.spec.engagement.signals):
        slot = _signal_slot(i, signal, leads)
        refs = [signal.at, signal.count, signal.when.property if signal.when else None]
        if any(_reads(keep, r) for r in refs):
            slot = replace(slot, kept=True)
        layout.signals.append(slot)
    next_group = len(rules.spec.fit.groups)
    for prop in propose:
        # the schema's limits: group names 80 characters, labels 120
        name = (labels or {}).get(prop, prop)[:80]
        group = _proposed_group(prop, name, next_group, leads)
        if group is not None:
            layout.proposed.append(group)
            layout.criteria.extend(group.criteria)
            next_group += 1
    return layout


def _reads(keep: frozenset[str], refs: str | list[str] | None) -> bool:
    if refs is None or not keep:
        return False
    for ref in [refs] if isinstance(refs, str) else refs:
        bare = ref.removeprefix("contact.")
        if ref in keep or bare in keep or bare.removeprefix("company.") in keep:
            return True
    return False


def _signal_slot(index: int, spec: SignalSpec, leads: Sequence[ReviewLead]) -> SignalSlot:
    if spec.count is None:
        return SignalSlot(index, spec, (), f"{spec.points:g} per occurrence")
    if spec.tiers is not None:
        bands = tuple(Band(t.below, t.points) for t in spec.tiers)
        return SignalSlot(index, spec, bands, "tiers")
    numbers = [n for lead in leads if (n := parse_number(value_of(lead, spec.count))) is not None]
    cap = "" if spec.cap is None else f", cap {spec.cap:g}"
    return SignalSlot(index, spec, _cut_bands(numbers), f"{spec.points:g} each{cap}")


def _cut_bands(numbers: Sequence[float]) -> tuple[Band, ...]:
    """ "Under 1", then quantile bands of the numbers of 1 or more (rounded to read well)."""
    ones = np.asarray([n for n in numbers if n >= 1], dtype=np.float64)
    cuts = [1.0]
    if len(ones):
        for q in np.quantile(ones, CUT_QUANTILES):
            cut = _nice(float(q))
            if cut > cuts[-1]:
                cuts.append(cut)
    return (*(Band(c, None) for c in cuts), Band(None, None))


def _nice(x: float) -> float:
    """Two significant figures: 347.2 → 350, 2.36 → 2.4."""
    if x <= 0:
        return x
    digits = len(str(int(x))) - 2
    step = 10.0**digits
    return float(round(x / step) * step)


def _proposed_group(
    prop: str, name: str, group: int, leads: Sequence[ReviewLead]
) -> ProposedGroup | None:
    values = [value_of(lead, prop) for lead in leads]
    present = [v for v in values if v is not None]
    if not present:
        return None
    numbers = [n for v in present if (n := parse_number(v)) is not None]
    if len(numbers) >= NUMERIC_SHARE * len(present):
        spec = FitCriterionSpec.model_validate(
            {"label": name, "property": prop, "tiers": [{"points": 0}]}
        )
        slot = CriterionSlot(group, 0, spec, False, _cut_bands(numbers), proposed=True)
        return ProposedGroup(name, prop, (slot,))
    counts = Counter(v.strip() for v in present)
    least = max(MIN_LEVEL_LEADS, MIN_LEVEL_SHARE * len(leads))
    # a level nearly every lead has says as little as one nearly none has
    levels = [v for v, n in counts.most_common(MAX_LEVELS) if least <= n <= len(leads) - least]
    slots = tuple(
        CriterionSlot(
            group,
            i,
            FitCriterionSpec.model_validate(
                {
                    "label": f"{name} is {level}"[:120],
                    "property": prop,
                    "op": "eq",
                    "value": level,
                    "points": 0,
                }
            ),
            True,
            proposed=True,
        )
        for i, level in enumerate(levels)
    )
    return ProposedGroup(name, prop, slots) if slots else None


def design_matrix(layout: Layout, leads: Sequence[ReviewLead]) -> npt.NDArray[np.float64]:
    """One row per lead, one 0/1 column per slot (`Layout.columns` order)."""
    columns = layout.columns()
    x = np.zeros((len(leads), len(columns)), dtype=np.float64)
    position = {key: j for j, key in enumerate(columns)}
    matchers = [compile_matcher(c.spec) for c in layout.criteria]
    first_taken: dict[int, bool] = {}
    signals = [_SignalReader(s) for s in layout.signals]
    for row, lead in enumerate(leads):
        contact, company = lead.contact, lead.company
        first_taken.clear()
        for i, (slot, matcher) in enumerate(zip(layout.criteria, matchers, strict=True)):
            if slot.first_only and first_taken.get(slot.group):
                continue
            band = _criterion_band(slot, matcher, contact, company)
            if band is None:
                continue
            if slot.first_only:
                first_taken[slot.group] = True
            if slot.kept:
                continue  # it still takes its group's first match, as in the engine
            x[row, position[("fit", i, band)]] = 1.0
        for i, reader in enumerate(signals):
            if layout.signals[i].kept:
                continue
            band = reader.band(contact, company)
            if band is not None:
                x[row, position[("signal", i, band)]] = 1.0
    return x


def _criterion_band(
    slot: CriterionSlot,
    matcher: Matcher,
    contact: Mapping[str, str],
    company: Mapping[str, str] | None,
) -> int | None:
    """-1 when a plain criterion holds, the band index for a tiered one, None when neither."""
    if not slot.bands:
        return -1 if matcher.check(contact, company)[0] else None
    number = parse_number(read_first(matcher.refs, contact, company))
    return None if number is None else band_of(slot.bands, number)


def band_of(bands: Sequence[Band], number: float) -> int:
    for i, band in enumerate(bands):
        if band.below is None or number < band.below:
            return i
    return len(bands) - 1


class _SignalReader:
    """Whether a signal fires for a lead (its date known, its `when` holding), and its band."""

    def __init__(self, slot: SignalSlot) -> None:
        spec = slot.spec
        self.bands = slot.bands
        self.at = parse_refs(spec.at) if spec.at is not None else ()
        self.when = compile_matcher(spec.when) if spec.when is not None else None
        self.count = parse_refs(spec.count) if spec.count is not None else ()

    def band(self, contact: Mapping[str, str], company: Mapping[str, str] | None) -> int | None:
        if self.at and parse_timestamp(read_first(self.at, contact, company)) is None:
            return None
        if self.when is not None and not self.when.check(contact, company)[0]:
            return None
        if not self.bands:
            return -1
        number = parse_number(read_first(self.count, contact, company))
        return None if number is None else band_of(self.bands, number)

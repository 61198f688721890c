"""ICP fit: grouped criteria with caps, and disqualifiers."""

from __future__ import annotations

from dataclasses import dataclass, replace

from connector.rules.matchers import Matcher, Properties, compile_matcher, read_first
from connector.rules.model import Reason
from connector.rules.schema import DisqualifierSpec, FitCriterionSpec, FitSpec
from connector.rules.tiers import Tier, compile_tiers, tier_of
from connector.rules.values import parse_number


@dataclass(frozen=True, slots=True)
class FitCriterion:
    """A compiled criterion: a test and its points, or tiers read from the tested number."""

    matcher: Matcher
    points: float
    tiers: tuple[Tier, ...] = ()

    def check_tiers(
        self, contact: Properties, company: Properties | None
    ) -> tuple[bool, float, str, str | None]:
        """Whether the number is known, its band's points and text, and the observed value."""
        value = read_first(self.matcher.refs, contact, company)
        number = parse_number(value)
        if number is None:
            return False, 0.0, self.matcher.label, None
        tier = tier_of(self.tiers, number)
        # The number is shown as read, unless the property is one whose values are never shown.
        observed = f"{number:g}" if self.matcher.observe == "raw" else None
        return True, tier.points, f"{self.matcher.label} {tier.text}", observed


def _criterion(spec: FitCriterionSpec) -> FitCriterion:
    matcher = compile_matcher(spec)
    if spec.tiers is None:
        return FitCriterion(matcher, spec.points or 0.0)
    if spec.label is None:  # the default label would read "x present"
        prop = spec.property if isinstance(spec.property, str) else spec.property[0]
        matcher = replace(matcher, label=prop)
    return FitCriterion(matcher, 0.0, compile_tiers(spec.tiers))


@dataclass(frozen=True, slots=True)
class FitGroup:
    """Criteria scored together: summed (or first match only), then capped.

    Attributes:
        name: the group's name, shown with cap reasons.
        first_only: only the first matching criterion counts (ordered tiers, e.g. sizes).
        cap: the most the group can add, if any.
        floor: the most the group can take away (a negative number), if any.
        criteria: the compiled criteria in file order.
    """

    name: str
    first_only: bool
    cap: float | None
    floor: float | None
    criteria: tuple[FitCriterion, ...]


def compile_fit(spec: FitSpec) -> tuple[FitGroup, ...]:
    """Compile the fit section into groups of matchers."""
    return tuple(
        FitGroup(
            name=group.name,
            first_only=group.mode == "first",
            cap=group.cap,
            floor=group.floor,
            criteria=tuple(_criterion(c) for c in group.criteria),
        )
        for group in spec.groups
    )


def compile_disqualifiers(specs: list[DisqualifierSpec]) -> tuple[Matcher, ...]:
    """Compile the disqualifiers (each keeps its admin-written label)."""
    return tuple(compile_matcher(spec) for spec in specs)


def score_fit(
    groups: tuple[FitGroup, ...],
    contact: Properties,
    company: Properties | None,
    reasons: list[Reason],
) -> float:
    """Sum the fit points of every group, appending one reason per matched criterion.

    Args:
        groups: the compiled fit groups.
        contact: contact properties.
        company: company properties or None.
        reasons: list the reasons are appended to.

    Returns:
        The fit points after group caps (may be negative).
    """
    total = 0.0
    for group in groups:
        subtotal = 0.0
        for criterion in group.criteria:
            if criterion.tiers:
                matched, points, text, observed = criterion.check_tiers(contact, company)
            else:
                matched, observed = criterion.matcher.check(contact, company)
                points, text = criterion.points, criterion.matcher.label
            if not matched:
                continue
            subtotal += points
            reasons.append(Reason("fit", text, observed, points, group.name))
            if group.first_only:
                break
        cap = group.cap
        if cap is not None and subtotal > cap:
            reasons.append(
                Reason("cap", f"{group.name} capped at {cap:g}", None, cap - subtotal, group.name)
            )
            subtotal = cap
        floor = group.floor
        if floor is not None and subtotal < floor:
            reasons.append(
                Reason(
                    "cap", f"{group.name} floored at {floor:g}", None, floor - subtotal, group.name
                )
            )
            subtotal = floor
        total += subtotal
    return total


def first_disqualifier(
    disqualifiers: tuple[Matcher, ...], contact: Properties, company: Properties | None
) -> Reason | None:
    """The first disqualifier that holds, as a reason, or None."""
    for matcher in disqualifiers:
        matched, observed = matcher.check(contact, company)
        if matched:
            return Reason("disqualifier", matcher.label, observed, 0.0, "disqualifier")
    return None

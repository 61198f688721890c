"""Per property the rules read: missing data, unreadable values, and leakage."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from connector.review.scoring import ScoredLead, value_of
from connector.review.stats import auc
from connector.rules.values import parse_number

#: HubSpot properties set only once sales has worked a contact: rules that read them score
#: the outcome of the sales work, not the lead (issue 14's list).
HUBSPOT_AFTER_CONTACT = frozenset(
    {
        "hs_lead_status",
        "notes_last_contacted",
        "notes_last_updated",
        "num_contacted_notes",
        "hs_last_sales_activity_timestamp",
        "hs_last_sales_activity_date",
        "hs_sales_email_last_replied",
        "hs_sales_email_last_opened",
        "hs_sales_email_last_clicked",
        "engagements_last_meeting_booked",
        "hs_latest_meeting_activity",
        "num_notes",
        "hs_time_to_first_engagement",
    }
)
#: A single property that separates outcomes better than this on its own is too good to be an
#: arrival fact: it almost always records the outcome or the sales work.
IMPLAUSIBLE_AUC = 0.9
#: Categorical levels rarer than this are pooled, so a rare value cannot fake a separation.
_MIN_LEVEL = 20
#: Share of present values that must read as numbers for a property to count as numeric.
_NUMERIC_SHARE = 0.9
_NUMERIC_SAMPLE = 500


@dataclass(frozen=True, slots=True)
class PropertyQuality:
    prop: str
    label: str
    missing_converters: float  # share of converters with no value
    missing_non_converters: float
    unreadable: int  # leads whose value the rules could not read as text
    alone_auc: float | None  # how well the property alone separates outcomes (0.5–1)


@dataclass(frozen=True, slots=True)
class LeakWarning:
    prop: str
    label: str
    why: str


def is_numeric(values: Sequence[str | None]) -> bool:
    # a sample decides: parsing every value of 100k leads would cost more than the review
    present = [v for v in values if v is not None][:_NUMERIC_SAMPLE]
    if not present:
        return False
    numbers = sum(1 for v in present if parse_number(v) is not None)
    return numbers >= _NUMERIC_SHARE * len(present)


def alone_auc(values: Sequence[str | None], converted: Sequence[bool]) -> float | None:
    """The AUC of the property used alone (either direction), in-sample, rare levels pooled."""
    if is_numeric(values):
        numbers = [parse_number(v) if v is not None else None for v in values]
        low = min((x for x in numbers if x is not None), default=0.0) - 1.0
        found = auc([low if x is None else x for x in numbers], converted)
        return None if found is None else max(found, 1.0 - found)
    counts: dict[str, list[int]] = {}
    for v, y in zip(values, converted, strict=True):
        entry = counts.setdefault(v or "", [0, 0])
        entry[0] += 1
        entry[1] += int(y)
    pooled = [0, 0]
    for n, c in counts.values():
        if n < _MIN_LEVEL:
            pooled[0] += n
            pooled[1] += c

    def rate(v: str | None) -> float:
        n, c = counts[v or ""]
        if n < _MIN_LEVEL:
            n, c = pooled
        return c / n

    found = auc([rate(v) for v in values], converted)
    return None if found is None else max(found, 1.0 - found)


def property_quality(
    scored: Sequence[ScoredLead], props: Sequence[str], labels: Mapping[str, str]
) -> list[PropertyQuality]:
    converted = [s.converted for s in scored]
    n_pos = sum(converted) or 1
    n_neg = (len(converted) - sum(converted)) or 1
    out: list[PropertyQuality] = []
    for prop in props:
        values = [value_of(s.lead, prop) for s in scored]
        miss_pos = sum(1 for v, y in zip(values, converted, strict=True) if v is None and y)
        miss_neg = sum(1 for v, y in zip(values, converted, strict=True) if v is None and not y)
        unreadable = sum(1 for s in scored if prop in s.decision.unreadable)
        out.append(
            PropertyQuality(
                prop=prop,
                label=labels.get(prop, prop),
                missing_converters=miss_pos / n_pos,
                missing_non_converters=miss_neg / n_neg,
                unreadable=unreadable,
                alone_auc=alone_auc(values, converted),
            )
        )
    return out


def leak_warnings(
    quality: Sequence[PropertyQuality], after_contact: frozenset[str]
) -> list[LeakWarning]:
    out: list[LeakWarning] = []
    for q in quality:
        bare = q.prop.removeprefix("company.")
        if q.prop in after_contact or bare in HUBSPOT_AFTER_CONTACT:
            out.append(
                LeakWarning(
                    q.prop,
                    q.label,
                    "known only after sales has contacted the lead: a score that reads it "
                    "measures the sales work, not the lead",
                )
            )
        elif q.alone_auc is not None and q.alone_auc > IMPLAUSIBLE_AUC:
            out.append(
                LeakWarning(
                    q.prop,
                    q.label,
                    f"on its own it separates outcomes implausibly well (AUC {q.alone_auc:.2f}): "
                    "it probably records the outcome or the sales work",
                )
            )
    return out

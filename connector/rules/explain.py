"""Reasons as text: a compact line for a HubSpot property, a full block for the command line."""

from __future__ import annotations

import math
from operator import itemgetter

from connector.rules.model import BantResult, Reason

#: HubSpot single-line text properties hold more, but a rep reads at a glance; the issue asks
#: for at most 1,000 characters.
COMPACT_MAX_CHARS = 1000
_SEPARATOR = " · "
_MINUS = "−"  # typographic minus: reads better than "-" next to numbers
_OBSERVED_MAX_CHARS = 60

KIND_ORDER = {"disqualifier": 0, "policy": 1, "fit": 2, "bant": 3, "engagement": 4, "cap": 5}

#: A reason ready for a decision: its sort key (disqualifiers and policy notes first, then by
#: |points|, largest first, then by kind), its rank, the reason, and its item in the compact text
#: (None when the compact text leaves it out). Reasons that repeat across contacts (fit
#: criteria, BANT answers) are built once as hits and shared.
#:
#: The key's first part is one float, −|points|, or −inf for disqualifiers and policy notes
#: (which carry no points): it orders as (0 or 1, −|points|) did, and a sort whose first items
#: are all floats compares them directly (most comparisons end there).
#:
#: The rank is where the engine finds the reason in a contact's scoring (disqualifiers, fit
#: groups in file order with their caps, BANT dimensions, signals, the policy note): no two
#: hits of one decision share it, so sorting hits as plain tuples never compares two reasons
#: and puts equal keys in the order they were found, as a stable sort by the key alone would.
#: The engine sorts hits with `list.sort()` and no key function.
Hit = tuple[float, int, int, Reason, str | None]
ITEM_OF = itemgetter(4)

#: Rank bases per part of a decision, in the order the engine finds reasons.
RANK_DISQUALIFIER = 0
RANK_FIT = 1_000_000
RANK_BANT = 2_000_000
RANK_SIGNAL = 3_000_000
RANK_POLICY = 4_000_000


def hit_of(reason: Reason, rank: int) -> Hit:
    """The hit for one reason found at `rank` (sort key and compact item computed once)."""
    kind = reason.kind
    first = kind in ("disqualifier", "policy")
    if first and reason.points:
        raise ValueError(f"a {kind} reason carries no points")  # the engine never makes one
    return (
        -math.inf if first else -abs(reason.points),
        KIND_ORDER.get(kind, 9),
        rank,
        reason,
        compact_item(reason),
    )


def _signed(points: float, decimals: int) -> str:
    rounded = round(points, decimals)
    if rounded == 0:
        return "±0"
    text = f"{abs(rounded):.{decimals}f}" if decimals else f"{abs(round(points)):d}"
    return ("+" if rounded > 0 else _MINUS) + text


def _observed(reason: Reason) -> str:
    if reason.observed is None:
        return ""
    text = reason.observed.replace("\n", " ").replace("\r", " ")
    if len(text) > _OBSERVED_MAX_CHARS:
        text = text[: _OBSERVED_MAX_CHARS - 1] + "…"
    return text


def _compact_item(reason: Reason) -> str:
    observed = _observed(reason)
    if reason.kind == "disqualifier":
        return f"disqualified: {reason.criterion}" + (f" ({observed})" if observed else "")
    if reason.kind == "policy":
        return reason.criterion
    head = f"{_signed(reason.points, 0)} {reason.criterion}"
    if reason.kind == "engagement" and observed:
        return f"{head} {observed}"
    if reason.kind == "bant" and observed:
        return f"{head} ({observed})"
    return head


def compact_item(r: Reason) -> str | None:
    """One reason's item in the compact text, or None when it is left out (rounds to ±0)."""
    kind = r.kind
    if kind == "disqualifier" or kind == "policy":
        return _compact_item(r)
    rounded = round(r.points)
    if not rounded:
        return None  # "±0" tells a rep nothing; the full form still lists it
    observed = r.observed
    head = f"+{rounded} {r.criterion}" if rounded > 0 else f"{_MINUS}{-rounded} {r.criterion}"
    if observed is None or kind in ("fit", "cap"):
        return head
    if len(observed) <= _OBSERVED_MAX_CHARS and "\n" not in observed:
        return f"{head} {observed}" if kind == "engagement" else f"{head} ({observed})"
    return _compact_item(r)


#: Compact texts at most this long fit whatever their number of items: they need no "+N more"
#: tail and are the joined items as they are. (Text this short has fewer than 1,000 items: an
#: item has at least two characters, a separator three.)
COMPACT_ALWAYS_FITS = COMPACT_MAX_CHARS - len(f"{_SEPARATOR}+999 more")
JOIN_ITEMS = _SEPARATOR.join


def joined_items(items: list[str]) -> str:
    """The compact text of ordered items: all of them when they fit, else cut (see below)."""
    joined = JOIN_ITEMS(items)
    # Everything fits with room for a "+N more" tail: no reason is cut (see compact_text).
    if len(joined) <= COMPACT_MAX_CHARS - len(f"{_SEPARATOR}+{len(items)} more"):
        return joined
    return _fit_items(items, COMPACT_MAX_CHARS)


def compact_text(reasons: tuple[Reason, ...], *, limit: int = COMPACT_MAX_CHARS) -> str:
    """One line, most important reason first, cut at a reason boundary within `limit` chars.

    Args:
        reasons: ordered reasons.
        limit: maximum length in characters.

    Returns:
        E.g. "+30 200–999 employees · +25 demo request 3 days ago · −15 free email domain".
    """
    items = [item for item in map(compact_item, reasons) if item is not None]
    return _fit_items(items, limit)


def _fit_items(items: list[str], limit: int) -> str:
    """Join items, cut at an item boundary within `limit` chars with a "+N more" tail."""
    reserve = len(f"{_SEPARATOR}+{len(items)} more")
    out = ""
    for index, item in enumerate(items):
        candidate = item if not out else out + _SEPARATOR + item
        is_last = index == len(items) - 1
        if len(candidate) <= (limit if is_last else limit - reserve):
            out = candidate
            continue
        if not out:
            out = item[: max(0, limit - reserve - 1)] + "…"
            index += 1
        left = len(items) - index
        return (out + f"{_SEPARATOR}+{left} more")[:limit] if left else out[:limit]
    return out


def full_text(
    *,
    header: str,
    reasons: tuple[Reason, ...],
    bant: BantResult,
    footer: str,
) -> str:
    """A multi-line explanation for the command line: every reason with group and value."""
    lines = [header]
    for reason in reasons:
        observed = _observed(reason)
        group = f"[{reason.kind}{': ' + reason.group if reason.group else ''}]"
        if reason.kind in ("disqualifier", "policy"):
            points = "   ·  "
        else:
            points = f"{_signed(reason.points, 1):>6}"
        line = f"  {points} {reason.criterion}"
        if observed:
            line += f" = {observed}"
        lines.append(f"{line}  {group}")
    if bant.dimensions:
        lines.append(f"  {bant.summary}")
    lines.append(footer)
    return "\n".join(lines)

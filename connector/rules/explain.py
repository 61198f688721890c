"""Reasons as text: a compact line for a HubSpot property, a full block for the command line."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Protocol, TypeVar


class Reason(Protocol):
    """What these functions read of a reason (`model.Reason` is one): the text is built from the
    reason's fields alone, so this module needs nothing else of the engine's values."""

    @property
    def kind(self) -> str: ...
    @property
    def criterion(self) -> str: ...
    @property
    def observed(self) -> str | None: ...
    @property
    def points(self) -> float: ...
    @property
    def group(self) -> str | None: ...
    @property
    def raw(self) -> float | None: ...
    @property
    def counted(self) -> bool: ...


R = TypeVar("R", bound=Reason)

#: HubSpot single-line text properties hold more, but a rep reads at a glance; the issue asks
#: for at most 1,000 characters.
COMPACT_MAX_CHARS = 1000
_SEPARATOR = " · "
_MINUS = "−"  # typographic minus: reads better than "-" next to numbers
_OBSERVED_MAX_CHARS = 60

_KIND_ORDER = {
    "disqualifier": 0,
    "policy": 1,
    "fit": 2,
    "bant": 3,
    "engagement": 4,
    "baseline": 5,
    "cap": 6,
}
_FIRST = {"disqualifier": 0, "policy": 1}


def order_reasons(reasons: list[R]) -> tuple[R, ...]:
    """The disqualifier first, then policy notes, then by |points| (largest first), stable;
    lines that no longer count come last."""
    return tuple(
        sorted(
            reasons,
            key=lambda r: (
                _FIRST.get(r.kind, 2) if r.counted else 3,
                -abs(r.points),
                _KIND_ORDER.get(r.kind, 9),
            ),
        )
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


def compact_text(reasons: Sequence[Reason], *, limit: int = COMPACT_MAX_CHARS) -> str:
    """One line, most important reason first, cut at a reason boundary within `limit` chars.

    Args:
        reasons: ordered reasons.
        limit: maximum length in characters.

    Returns:
        E.g. "+30 200–999 employees · +25 demo request 3 days ago · −15 free email domain";
        reasons cut for length are summed up as "+3 more (+4)", so the line still adds up. A
        disqualifier that held the score down reads "disqualified: student, score held at 0 ·
        7 reasons not counted".
    """
    items: list[str] = []
    points: list[int] = []
    uncounted = 0
    held_at: int | None = None
    for r in reasons:
        kind = r.kind
        rounded = round(r.points)
        if not r.counted:
            uncounted += 1
            continue
        if kind == "disqualifier" or kind == "policy":
            if kind == "disqualifier":
                held_at = len(items)
            items.append(_compact_item(r))
            points.append(rounded)
            continue
        if not rounded:
            continue  # "±0" tells a rep nothing; the full form still lists it
        points.append(rounded)
        observed = r.observed
        head = f"+{rounded} {r.criterion}" if rounded > 0 else f"{_MINUS}{-rounded} {r.criterion}"
        if observed is None or kind in ("fit", "cap"):
            items.append(head)
        elif len(observed) <= _OBSERVED_MAX_CHARS and "\n" not in observed:
            items.append(f"{head} {observed}" if kind == "engagement" else f"{head} ({observed})")
        else:
            items.append(_compact_item(r))
    if uncounted and held_at is not None:
        items[held_at] += f", score held at {points[held_at]}"
        items.insert(held_at + 1, f"{uncounted} reason{'s' if uncounted > 1 else ''} not counted")
        points.insert(held_at + 1, 0)
    reserve = len(f"{_SEPARATOR}+{len(items)} more (+{sum(abs(p) for p in points)})")
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
        if not left:
            return out[:limit]
        rest = _signed(sum(points[index:]), 0)
        return (out + f"{_SEPARATOR}+{left} more ({rest})")[:limit]
    return out


def full_text(
    *,
    header: str,
    reasons: Sequence[Reason],
    bant_summary: str | None,
    footer: str,
) -> str:
    """A multi-line explanation for the command line: every reason with group and value.

    Each line shows its score points (they add up to the score), and in brackets the points
    the rules file gave it, e.g. "  +12 200–999 employees = 450  [fit: size, +20.0 fit points]".
    """
    lines = [header]
    held = any(not reason.counted for reason in reasons)
    for reason in reasons:
        observed = _observed(reason)
        group = f"{reason.kind}{': ' + reason.group if reason.group else ''}"
        if reason.raw is not None:
            unit = "engagement" if "engagement" in (reason.kind, reason.group) else "fit"
            group += f", {reason.raw:+.1f} {unit} points".replace("-", _MINUS)
        if not reason.counted:
            group += "; not counted"
        group = f"[{group}]"
        if not reason.counted:
            points = "   ✗ "
        elif reason.kind == "policy" or (reason.kind == "disqualifier" and not reason.points):
            points = "   · "
        else:
            points = f"{_signed(reason.points, 0):>5}"
        criterion = reason.criterion
        if reason.kind == "disqualifier":
            criterion = f"disqualified: {criterion}"
        line = f"  {points} {criterion}"
        if observed:
            line += f" = {observed}"
        if held and reason.kind == "disqualifier":
            line += f", score held at {round(reason.points)}"
        lines.append(f"{line}  {group}")
    if bant_summary is not None:
        lines.append(f"  {bant_summary}")
    lines.append(footer)
    return "\n".join(lines)


# --- plain words, for the SDR's task ---------------------------------------------------------


class BantDimension(Protocol):
    """What `bant_words` reads of a BANT dimension (`model.BantDimensionResult` is one)."""

    @property
    def dimension(self) -> str: ...
    @property
    def status(self) -> str: ...
    @property
    def observed(self) -> str | None: ...


#: Reasons that say why a lead is worth a call now; BANT gets its own line in the task, and
#: disqualifiers, policy notes and caps never make a lead worth calling.
_WHY_NOW_KINDS = frozenset({"fit", "engagement"})


def plain_reasons(reasons: Sequence[Reason], *, limit: int = 3) -> tuple[str, ...]:
    """The strongest reasons for a lead's score, in words and without points.

    Args:
        reasons: ordered reasons (strongest first, as the engine orders them).
        limit: at most this many.

    Returns:
        E.g. ("Demo request (3 days ago)", "200–999 employees").
    """
    out: list[str] = []
    for reason in reasons:
        if reason.kind not in _WHY_NOW_KINDS or round(reason.points) <= 0:
            continue
        observed = _observed(reason)
        text = reason.criterion
        if reason.kind == "engagement" and observed:
            text = f"{text} ({observed})"
        out.append(text[:1].upper() + text[1:])
        if len(out) == limit:
            break
    return tuple(out)


def bant_words(dimensions: Sequence[BantDimension]) -> str:
    """BANT in words: what each dimension's answer was, or "not answered".

    Returns:
        E.g. "Budget: 10k-50k · Authority: decision maker · Need: not answered · Timeline: this
        quarter"; "" when the rules score no BANT.
    """
    return _SEPARATOR.join(
        f"{d.dimension.capitalize()}: {_bant_answer(d.status, d.observed)}" for d in dimensions
    )


#: Form answers and seniority levels as stored ("3_6_months", "c level"), as a rep reads them.
_RANGE = re.compile(r"\b(\d+)_(\d+)_")
_WORDS = {"c level": "C-level", "vp": "VP"}


def _humane(observed: str) -> str:
    text = _RANGE.sub(lambda m: f"{m.group(1)}–{m.group(2)} ", observed)
    text = " ".join(text.replace("_", " ").split())
    return _WORDS.get(text.lower(), text)


def _bant_answer(status: str, observed: str | None) -> str:
    value = _humane(observed or "")
    if len(value) > _OBSERVED_MAX_CHARS:
        value = value[: _OBSERVED_MAX_CHARS - 1] + "…"
    if status == "met":
        return value or "confirmed"
    if status == "not_met":
        return f"{value} (below the bar)" if value else "no"
    # Unknown with a value: an answer the rules do not recognise, shown as it is.
    return f"{value} (unclear)" if value else "not answered"

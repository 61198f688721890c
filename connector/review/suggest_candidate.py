"""Turn fitted points into a candidate rules file that keeps the admin's structure and labels.

One fit point is one score point: the fit scale is `100 × fit_weight` and the engagement scale
`100 × engagement_weight`, with the engagement weight just large enough for the signals' tiers.
Grade, temperature, lifecycle and handoff bars move so that the same share of leads clears
each of them as under the current rules (the SDR team's capacity does not change by surprise).
Every number that changed carries a comment: how many leads it applies to, their conversion
rate, and the old value.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import yaml

from connector.review.suggest_features import Band, CriterionSlot, Layout, SignalSlot
from connector.rules import RuleSet
from connector.rules.schema import FitGroupSpec, FitSpec

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class Evidence:
    """Per design-matrix column: leads it applies to and how many of them converted."""

    leads: npt.NDArray[np.int64]
    converters: npt.NDArray[np.int64]

    def text(self, j: int) -> str:
        n = int(self.leads[j])
        rate = f"{100 * self.converters[j] / n:.1f} % converted" if n else "no lead"
        return f"{n:,} leads, {rate}"


@dataclass(frozen=True, slots=True)
class Current:
    """What a rules file decided for the training leads: the current rules' (for the bars'
    shares), or the candidate's own (to set its bars from)."""

    grades: Sequence[str]
    temperatures: Sequence[str]
    scores: Sequence[int]
    fit_points: Sequence[float] = ()
    engagement_points: Sequence[float] = ()


def candidate_text(
    rules: RuleSet,
    layout: Layout,
    points: FloatArray,
    baseline: float,
    x: FloatArray,
    evidence: Evidence,
    current: Current,
    *,
    header: Sequence[str],
    measured: Current | None = None,
) -> str:
    """The candidate rules file, as YAML with evidence comments.

    The bars are set from `measured` (the candidate's own decisions on the same leads, from
    the engine) when given, else from the fitted points' sum (which leaves out kept criteria
    and the 0–100 clipping: good enough for a first draft that the engine then measures).
    """
    spec = rules.spec
    fit_factor = 100 * spec.score.fit_weight / spec.fit.max_points
    engagement_factor = 100 * spec.score.engagement_weight / spec.engagement.max_points
    pts = np.rint(points)
    columns = layout.columns()
    fit_cols = np.asarray([k == "fit" for k, _, _ in columns], dtype=bool)
    base = float(np.rint(baseline))
    if measured is not None:
        fit = np.asarray(measured.fit_points, dtype=np.float64)
        engagement = np.asarray(measured.engagement_points, dtype=np.float64)
        score = np.asarray(measured.scores, dtype=np.float64)
    else:
        fit = base + x[:, fit_cols] @ pts[fit_cols]
        engagement = x[:, ~fit_cols] @ pts[~fit_cols]
        score = np.clip(np.rint(np.clip(fit, 0, 100) + engagement), 0, 100)
    w_f, w_e = _weights(layout, pts[fit_cols], base, fit, engagement, fit_factor)
    out: list[str] = [f"# {line}" if line else "#" for line in header]
    out.append(f"name: {_flow(spec.name)}")
    out.append("")
    out.append("score:")
    out.append(
        f"  fit_weight: {w_f:g}  # was {spec.score.fit_weight:g}: one fit point is one score point"
    )
    why = (
        "room for the signals' tiers, one engagement point is one score point"
        if layout.signals
        else "no signals"
    )
    out.append(f"  engagement_weight: {w_e:g}  # was {spec.score.engagement_weight:g}: {why}")
    if spec.score.disqualified_max_score:
        out.append(f"  disqualified_max_score: {spec.score.disqualified_max_score}")
    grades = {g: _bar_for_share(fit, _share(current.grades, _and_above(g))) for g in "ABC"}
    out.append(
        f"grades: {_flow(grades)}  # was {_flow(spec.grades.model_dump())}: "
        "same share of leads per grade"
    )
    out.append(_temperature_line(spec.temperature.model_dump(), engagement, current, layout))
    dumped = spec.model_dump(mode="json", exclude_none=True, exclude_unset=True)
    for key in ("disqualifiers", "bant"):
        if key in dumped:
            out.append(_block({key: dumped[key]}))
    out.append("")
    out += _fit_lines(layout, spec.fit, fit_factor, pts, base, w_f, evidence, columns)
    out.append("")
    out += _engagement_lines(
        layout, engagement_factor, pts, w_e, evidence, columns, spec.engagement.model_dump()
    )
    moved = _move_bars(dumped, current.scores, score)
    rest = {k: v for k, v in dumped.items() if k not in _WRITTEN}
    if rest:
        out.append("")
        if moved:
            out.append(
                "# score bars moved so the same share of leads clears each: " + "; ".join(moved)
            )
        out.append(_block(rest))
    return "\n".join(out) + "\n"


def _temperature_line(
    old: dict[str, Any], engagement: FloatArray, current: Current, layout: Layout
) -> str:
    if not layout.signals:
        return f"temperature: {_flow(old)}"
    temps = {
        "warm": _bar_for_share(engagement, _share(current.temperatures, {"warm", "hot"})),
        "hot": _bar_for_share(engagement, _share(current.temperatures, {"hot"})),
    }
    # the language's temperature bars are not negative (engagement may be, with tiers)
    temps["warm"] = max(0, temps["warm"])
    temps["hot"] = max(temps["hot"], temps["warm"])
    return f"temperature: {_flow(temps)}  # was {_flow(old)}: same share of leads warm and hot"


_WRITTEN = frozenset(
    {"name", "score", "grades", "temperature", "disqualifiers", "bant", "fit", "engagement"}
)


def _and_above(grade: str) -> set[str]:
    return set("ABC"[: "ABC".index(grade) + 1])


def _weights(
    layout: Layout,
    fit_points: FloatArray,
    baseline: float,
    fit: FloatArray,
    engagement: FloatArray,
    fit_factor: float,
) -> tuple[float, float]:
    """Fit and engagement weights (in steps of 0.05) such that one point is one score point.

    Each side's scale is `100 × weight`, and the engine clips each side to its scale before
    adding them: the weights chosen are those that clip the leads' points least (the mean
    distance to the plain sum of the points), among those whose fit scale holds every
    criterion and the baseline (the language allows no criterion beyond `max_points`).
    """
    if not layout.signals:
        return 1.0, 0.0
    kept = [abs(p) * fit_factor for c in layout.criteria if c.kept for p in c.spec.point_values()]
    must = max([5.0, abs(baseline), *np.abs(fit_points).tolist(), *kept])
    ideal = np.clip(fit + engagement, 0, 100)
    best, best_loss = 1.0, math.inf
    for step in range(1, 20):
        w_f = step / 20
        if 100 * w_f < must:
            continue
        w_e = 1.0 - w_f
        got = np.clip(
            np.clip(fit, 0, 100 * w_f) + np.clip(engagement, -100 * w_e, 100 * w_e), 0, 100
        )
        loss = float(np.mean(np.abs(got - ideal))) if len(ideal) else 0.0
        if loss < best_loss - 1e-9:
            best, best_loss = w_f, loss
    return round(best, 2), round(1.0 - best, 2)


def _share(labels: Sequence[str], chosen: set[str]) -> float:
    return sum(1 for g in labels if g in chosen) / len(labels) if labels else 0.0


def _bar_for_share(values: FloatArray, share: float) -> int:
    """The lowest whole bar that about `share` of the values reach."""
    if len(values) == 0:
        return 0
    ordered = np.sort(values)[::-1]
    k = round(share * len(ordered))
    if k <= 0:
        return math.floor(float(ordered[0])) + 1
    return math.ceil(float(ordered[min(k, len(ordered)) - 1]))


def _move_bars(dumped: dict[str, Any], old: Sequence[int], new: FloatArray) -> list[str]:
    """Re-set every `min_score` under lifecycle and handoff to keep its share of leads."""
    old_scores = np.asarray(old, dtype=np.float64)
    moved: list[str] = []

    def walk(node: Any, path: str) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "min_score" and isinstance(value, (int, float)) and value > 0:
                    share = float(np.mean(old_scores >= value)) if len(old_scores) else 0.0
                    bar = max(1, min(100, _bar_for_share(new, share)))
                    if bar != value:
                        node[key] = bar
                        moved.append(f"{path} {value:g} → {bar} ({100 * share:.0f} % of leads)")
                else:
                    walk(value, f"{path}.{key}" if path else key)
        elif isinstance(node, list):
            for i, value in enumerate(node):
                walk(value, f"{path}[{i}]")

    for section in ("lifecycle", "handoff"):
        if section in dumped:
            walk(dumped[section], section)
    return moved


def _fit_lines(
    layout: Layout,
    old: FitSpec,
    factor: float,
    pts: FloatArray,
    baseline: float,
    w_f: float,
    evidence: Evidence,
    columns: list[tuple[str, int, int]],
) -> list[str]:
    was = "none" if old.baseline is None else f"{old.baseline:g}"
    why = "100 × fit_weight: one fit point is one score point"
    out = [
        "fit:",
        f"  max_points: {100 * w_f:g}  # was {old.max_points:g}: {why}",
        f"  baseline: {baseline:g}  # was {was}: every lead starts here",
    ]
    out.append("  groups:")
    slots_by_group: dict[int, list[tuple[int, CriterionSlot]]] = {}
    for i, slot in enumerate(layout.criteria):
        slots_by_group.setdefault(slot.group, []).append((i, slot))
    for g, (name, first_only, note) in layout_groups(layout, old.groups):
        lines: list[str] = []
        for i, slot in slots_by_group.get(g, []):
            lines += _criterion_lines(i, slot, pts, evidence, columns, factor)
        if not lines:
            continue  # a proposed group whose every level is worth nothing
        out.append(f"    - name: {_flow(name)}{'  # ' + note if note else ''}")
        if first_only:
            out.append("      mode: first")
        out += ["      criteria:", *lines]
    return out


def layout_groups(
    layout: Layout, groups: Sequence[FitGroupSpec]
) -> list[tuple[int, tuple[str, bool, str]]]:
    """(group index, (name, first only, note)): the rules' groups, then the proposed ones
    that are left (a proposed group keeps the index it was laid out with)."""
    out: list[tuple[int, tuple[str, bool, str]]] = []
    for g, group in enumerate(groups):
        dropped = [
            f"{k} {v:g}" for k, v in (("cap", group.cap), ("floor", group.floor)) if v is not None
        ]
        note = f"{' and '.join(dropped)} removed: fitted points add up uncapped" if dropped else ""
        out.append((g, (group.name, group.mode == "first", note)))
    for proposed in layout.proposed:
        note = "proposed: the rules did not read this"
        out.append((proposed.criteria[0].group, (proposed.name, True, note)))
    return out


def _criterion_lines(
    i: int,
    slot: CriterionSlot,
    pts: FloatArray,
    evidence: Evidence,
    columns: list[tuple[str, int, int]],
    factor: float,
) -> list[str]:
    data = slot.spec.model_dump(mode="json", exclude_none=True, exclude_unset=True)
    if slot.kept:
        if slot.bands:
            data.pop("op", None)
        return [f"        - {_flow(_scaled(data, factor))}  # {_KEPT}"]
    if not slot.bands:
        j = columns.index(("fit", i, -1))
        if slot.proposed and pts[j] == 0:
            return []  # a proposal worth nothing is no proposal
        data["points"] = float(pts[j])
        old = "new" if slot.proposed else f"was {slot.spec.points:g}"
        return [f"        - {_flow(data)}  # {evidence.text(j)}; {old}"]
    data.pop("op", None)
    data.pop("tiers", None)
    lines = _block_lines(data, "        - ", "          ")
    lines.append("          tiers:")
    lines += _tier_lines(
        i, "fit", slot.bands, pts, evidence, columns, slot.proposed, "            "
    )
    return lines


def _block_lines(data: dict[str, Any], first: str, rest: str) -> list[str]:
    return [f"{first if n == 0 else rest}{k}: {_flow(v)}" for n, (k, v) in enumerate(data.items())]


def _tier_lines(
    i: int,
    kind: str,
    bands: Sequence[Band],
    pts: FloatArray,
    evidence: Evidence,
    columns: list[tuple[str, int, int]],
    new: bool,
    indent: str,
) -> list[str]:
    out: list[str] = []
    for b, band in enumerate(bands):
        j = columns.index((kind, i, b))
        tier: dict[str, float] = {} if band.below is None else {"below": band.below}
        tier["points"] = float(pts[j])
        old = "new" if new or band.old_points is None else f"was {band.old_points:g}"
        out.append(f"{indent}- {_flow(tier)}  # {evidence.text(j)}; {old}")
    return out


def _engagement_lines(
    layout: Layout,
    factor: float,
    pts: FloatArray,
    w_e: float,
    evidence: Evidence,
    columns: list[tuple[str, int, int]],
    old: dict[str, Any],
) -> list[str]:
    # an engagement weight of 0 leaves the scale unused; it must still be above 0
    out = ["engagement:", f"  max_points: {max(1.0, 100 * w_e):g}  # was {old['max_points']:g}"]
    if not layout.signals:
        return [*out, "  signals: []"]
    out.append("  signals:")
    for i, slot in enumerate(layout.signals):
        out += _signal_lines(i, slot, pts, evidence, columns, factor)
    return out


def _signal_lines(
    i: int,
    slot: SignalSlot,
    pts: FloatArray,
    evidence: Evidence,
    columns: list[tuple[str, int, int]],
    factor: float,
) -> list[str]:
    data = slot.spec.model_dump(mode="json", exclude_none=True, exclude_unset=True)
    if slot.kept:
        return [f"    - {_flow(_scaled(data, factor))}  # {_KEPT}"]
    for key in ("points", "cap", "tiers"):
        data.pop(key, None)
    if slot.bands and slot.spec.decay is not None:
        # a decaying penalty would raise scores with time alone: decaying tiers stay at 0 or more
        for j, (k, s, _) in enumerate(columns):
            if k == "signal" and s == i:
                pts[j] = max(0.0, float(pts[j]))
    if not slot.bands:
        j = columns.index(("signal", i, -1))
        data["points"] = max(1.0, float(pts[j]))
        note = "" if pts[j] >= 1 else " (the fit found no credit; 1 is the least a signal gives)"
        return [f"    - {_flow(data)}  # {evidence.text(j)}; was {slot.old_text}{note}"]
    lines = _block_lines(data, "    - ", "      ")
    lines.append(f"      tiers:  # was {slot.old_text}")
    lines += _tier_lines(i, "signal", slot.bands, pts, evidence, columns, False, "        ")
    return lines


_KEPT = (
    "not fitted: it reads a property known only after sales contact; its points are as before, "
    "in score points"
)


def _scaled(data: dict[str, Any], factor: float) -> dict[str, Any]:
    """A kept criterion or signal with its points in the candidate's unit (score points)."""
    out = dict(data)
    for key in ("points", "cap"):
        if isinstance(out.get(key), (int, float)):
            value = round(out[key] * factor, 2)
            # a signal's points and caps stay above 0 (an old weight of 0 gave it no effect)
            out[key] = max(0.01, value) if key == "cap" or "stage" in out else value
    if isinstance(out.get("tiers"), list):
        out["tiers"] = [{**t, "points": round(t["points"] * factor, 2)} for t in out["tiers"]]
    return out


def _plain(value: Any) -> Any:
    """Whole numbers without ".0" (the file reads as the admin wrote it)."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _flow(value: Any) -> str:
    text = yaml.safe_dump(
        _plain(value), default_flow_style=True, width=1_000_000, sort_keys=False, allow_unicode=True
    )
    return text.strip().removesuffix("...").strip()


def _block(value: dict[str, Any]) -> str:
    return yaml.safe_dump(
        _plain(value), default_flow_style=None, width=100, sort_keys=False
    ).rstrip()

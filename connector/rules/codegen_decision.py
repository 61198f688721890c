"""The decision part of the generated scoring function (see codegen.py for the scoring part).

After the kernel has the fit points, BANT, disqualifier, engagement terms and reasons of a
contact, the same function turns them into the `Decision`: score, grade and temperature with
the rule set's weights and bars written in as constants, the policy outcome looked up in its
memo (`engine.policy_outputs` computes what the memo has not seen), rescore_at when a bar is
within reach of the points (`rescore.next_change`), the reasons in order with their compact
text, and the `Decision` itself, built through a mutable twin of its class (construct.py).
It is the arithmetic of `scoring.py` and `engine.py`, float for float, without the attribute
loads, calls and tuples that cost more than the arithmetic itself.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Any

from connector.rules.construct import mutable_twin
from connector.rules.engine import ON_CLOCK, Static, outputs_at, policy_outputs
from connector.rules.explain import (
    COMPACT_ALWAYS_FITS,
    ITEM_OF,
    JOIN_ITEMS,
    joined_items,
)
from connector.rules.model import Decision
from connector.rules.rescore import next_change
from connector.rules.values import to_datetime

#: Per grade, per temperature: the label (`f"{grade}-{temperature}"`, without formatting it).
_LABELS = {
    grade: {t: f"{grade}-{t}" for t in ("cold", "warm", "hot")} for grade in ("A", "B", "C", "D")
}


@dataclass(frozen=True, slots=True)
class Scoring:
    """The rule set's numbers the decision code writes in (see `RuleSet` for each)."""

    fit_max: float
    fit_weight: float
    engagement_max: float
    engagement_weight: float
    disqualified_max_score: int
    grade_bars: tuple[tuple[str, float], ...]
    warm: float
    hot: float
    lowest_bar: float
    recycles: bool
    policy_reads_fit: bool
    policy_reads_engagement: bool
    remembers: bool
    version: str
    score_keys: tuple[int, ...]


def _lit(value: float) -> str:
    if not math.isfinite(value):
        raise ValueError(f"not a finite number: {value!r}")  # the schema rules this out
    return repr(float(value))


def decision_names() -> dict[str, Any]:
    """The globals the decision code refers to."""
    return {
        "LABELS": _LABELS,
        "OUTPUTS_ON_CLOCK": ON_CLOCK,
        "policy_outputs": policy_outputs,
        "outputs_at": outputs_at,
        "next_change": next_change,
        "Static": Static,
        "to_datetime": to_datetime,
        "MAPPING": MappingProxyType,
        "ITEM_OF": ITEM_OF,
        "JOIN_ITEMS": JOIN_ITEMS,
        "COMPACT_ALWAYS_FITS": COMPACT_ALWAYS_FITS,
        "joined_items": joined_items,
        "NEW": object.__new__,
        "STATIC": Static,
        "FROM_TIMESTAMP": datetime.fromtimestamp,
        "UTC": UTC,
        "DECISION": Decision,
        "DECISION_DRAFT": mutable_twin(Decision),
    }


def _emit_static(line: Any, depth: int) -> None:
    """`static = Static(…)`, built with plain stores (Static is a plain slotted class; its
    generated `__init__` costs about three times as much, and a third of contacts need one)."""
    values = {
        "fit_points": "fit",
        "fit_part": "fit_part",
        "grade": "grade",
        "bant_met_count": "bant.met_count",
        "bant_met": "bant.met",
        "disqualified": "dq is not None",
        "stage": "stage",
        "status": "status",
    }
    if list(values) != [f.name for f in fields(Static)]:
        raise AssertionError("Static's fields changed: update codegen_decision._emit_static")
    line("static = NEW(STATIC)", depth)
    for name, value in values.items():
        line(f"static.{name} = {value}", depth)


def emit_decision(line: Any, s: Scoring) -> None:
    """Emit the decision code (`line(text, depth=1)` appends one line of source).

    The scoring code before it leaves `dq` (the disqualifier's hit or None), `fit`, `bant`,
    `terms`, `points`, `slope`, `kept` (remembered signals, epoch seconds) and `hits`.
    """
    line("# score, grade and temperature (scoring.py's arithmetic, in the same order)")
    line(f"share = fit / {_lit(s.fit_max)}")
    line("if share < 0.0:")
    line("share = 0.0", 2)
    line("elif share > 1.0:")
    line("share = 1.0", 2)
    line(f"fit_part = 100.0 * {_lit(s.fit_weight)} * share")
    line("grade = 'D'")
    if s.grade_bars:
        line("if dq is None:")
        for index, (name, bar) in enumerate(s.grade_bars):
            line(f"{'elif' if index else 'if'} fit >= {_lit(bar)}:", 2)
            line(f"grade = {name!r}", 3)
    line(f"share = points / {_lit(s.engagement_max)}")
    line("if share > 1.0:")
    line("share = 1.0", 2)
    line(f"raw = fit_part + 100.0 * {_lit(s.engagement_weight)} * share")
    line("score = int(raw + 0.5) if raw > 0.0 else 0")
    line("if score > 100:")
    line("score = 100", 2)
    line(f"if dq is not None and score > {s.disqualified_max_score!r}:")
    line(f"score = {s.disqualified_max_score!r}", 2)
    line(
        f"temperature = 'hot' if points >= {_lit(s.hot)} else "
        f"('warm' if points >= {_lit(s.warm)} else 'cold')"
    )

    line("# policy outcomes, memoised by the facts they read (engine.policy_key)")
    line("stage = cget('lifecyclestage')")
    line("status = cget('hs_lead_status')")
    line("key = (")
    line(f"{s.score_keys!r}[score],", 2)
    line("temperature,", 2)
    line("grade,", 2)
    line("bant.met,", 2)
    line("dq is not None,", 2)
    line("stage,", 2)
    line("status,", 2)
    line("None if prior is None else (prior.in_handoff, prior.last_written_lead_status),", 2)
    line("points," if s.policy_reads_engagement else "None,", 2)
    line("fit," if s.policy_reads_fit else "None,", 2)
    line(")")
    line("static = None")
    line("out = rules.outputs_memo.get(key)")
    line("if out is None or out is OUTPUTS_ON_CLOCK:" if s.recycles else "if out is None:")
    _emit_static(line, 2)
    line(
        "out = policy_outputs(rules, key, out, static, score, temperature, points, now, prior)",
        2,
    )
    line("if out.note_hit is not None:")
    line("ha(out.note_hit)", 2)

    if s.remembers:
        line("if kept:")
        # to_datetime without its call: fromtimestamp(seconds, UTC) is what it does
        line("new_memory = MAPPING({k: FROM_TIMESTAMP(v, UTC) for k, v in kept.items()})", 2)
        line("else:")
        line("new_memory = NO_MEMORY", 2)
    else:
        line("new_memory = NO_MEMORY")
    line("# rescore_at: solved only when some engagement bar is at or below the points now")
    reach = []
    if s.lowest_bar != math.inf:
        reach.append(f"points >= {_lit(s.lowest_bar)}")
    if s.engagement_weight > 0.0:
        # engine's _boundary: where the score rounds to less (rescore's threshold)
        boundary = (
            f"(score - 0.5 - fit_part) / (100.0 * {_lit(s.engagement_weight)}) "
            f"* {_lit(s.engagement_max)}"
        )
        reach.append(f"(score > 0 and 0.0 < {boundary} <= points)")
    line(f"if terms and ({' or '.join(reach) or 'False'}):")
    line("if static is None:", 2)
    _emit_static(line, 3)
    line("rescore = next_change(", 2)
    line("rules, static, terms, now_s, out, score, temperature, prior, new_memory,", 3)
    line("outputs_at, points, slope,", 3)
    line(")", 2)
    line("elif out.recycle_due is not None:")
    line("rescore = to_datetime(out.recycle_due.timestamp())  # as next_change gives it", 2)
    line("else:")
    line("rescore = None", 2)

    line("# reasons in order (explain.Hit: plain tuples sort by key, then where found)")
    line("hits.sort()")
    # join takes the filter directly; the list is made again only when the text may be cut.
    line("compact = JOIN_ITEMS(filter(None, map(ITEM_OF, hits)))")
    line("if len(compact) > COMPACT_ALWAYS_FITS:")
    line("compact = joined_items(list(filter(None, map(ITEM_OF, hits))))", 2)
    line("# the Decision, built as its mutable twin, then made a Decision (construct.py)")
    line("d = NEW(DECISION_DRAFT)")
    for field, value in (
        ("contact_id", "lead.contact_id"),
        ("score", "score"),
        ("fit_points", "fit"),
        ("engagement_points", "points"),
        ("grade", "grade"),
        ("temperature", "temperature"),
        ("label", "LABELS[grade][temperature]"),
        ("disqualified", "None if dq is None else dq[3]"),
        ("bant", "bant.result"),
        ("reasons", "hits"),  # the reasons are made when read (model.py)
        ("compact_reasons", "compact"),
        ("lifecycle_target", "out.lifecycle_target"),
        ("lifecycle_clear_first", "out.lifecycle_clear_first"),
        ("lead_status_target", "out.lead_status_target"),
        ("handoff_condition", "out.handoff"),
        ("sla_tier", "out.sla_tier"),
        ("rescore_at", "rescore"),
        ("below_bar_since", "out.below_bar_since"),
        ("rules_version", repr(s.version)),
        ("signal_memory", "new_memory"),
    ):
        line(f"d.{field} = {value}")
    line("d.__class__ = DECISION")
    line("return d")

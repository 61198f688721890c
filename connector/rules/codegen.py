"""The per-contact hot path as Python source specialised to one rule set, compiled once.

`compile_kernel` writes one function for a rule set, `kernel(lead, rules, now, prior)`, that
returns the contact's `Decision`. It reads each property the rules need once into a local,
looks its outcome up in the property source's memo (see `sources.py`), and does the fit
groups, disqualifiers, BANT and engagement signals as straight-line code with the rule set's
points, caps, half-lives and lifespans written in as constants: no loop over criteria, no
per-criterion object dispatch, and a date is parsed only when a signal that fired needs it.
The decision around the scoring (score, policies, rescore_at, reasons, the `Decision`) is
written into the same function by codegen_decision.py. The general code in `plan.py`,
`sources.py`, `bant.py` and `engine.py` is still what computes an outcome the memos have not
seen, so the kernel only decides *how fast*, never *what*: it takes the same decisions, float
for float (tests/rules/test_rules_equivalence.py).

The source is kept on the `Kernel` (`RuleSet.kernel.source`) for reading and debugging;
`python bench/bench_rules.py --dump-kernel PATH` writes it out.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from connector.rules.bant import (
    Bant,
    BantOutcome,
    Need,
    answer_for,
    outcome_of,
    remember_by_interest,
)
from connector.rules.codegen_decision import Scoring, decision_names, emit_decision
from connector.rules.engagement import FORGET_BELOW_POINTS, LIST_FROM_POINTS, Signal, count_of
from connector.rules.explain import KIND_ORDER, RANK_SIGNAL
from connector.rules.matchers import PropertyRef
from connector.rules.model import Decision, LeadInput, PriorState
from connector.rules.plan import Plan, PlanSignal, count_memoised, engagement_texts, stamp_of
from connector.rules.sources import Source, domain_key
from connector.rules.values import MAX_EPOCH_S, MAX_TEXT_CHARS, MIN_EPOCH_S

if TYPE_CHECKING:
    from connector.rules.ruleset import RuleSet

KernelFn = Callable[[LeadInput, "RuleSet", datetime, PriorState | None], Decision]

#: Stands for "not computed yet" (a date) and "not in the memo" (a count, whose memo holds None).
_UNSET = object()
#: `.get` of a company that is not there: every property reads as None.
_NO_COMPANY: dict[str, str | None] = {}
_NO_COMPANY_GET = _NO_COMPANY.get
_NO_MEMORY: MappingProxyType[str, datetime] = MappingProxyType({})
_ENGAGEMENT_ORDER = KIND_ORDER["engagement"]


@dataclass(frozen=True, slots=True)
class Kernel:
    """A rule set's compiled hot path.

    Attributes:
        run: the compiled function: `run(lead, rules, now, prior)` is the decision.
        source: its Python source, for reading and debugging.
    """

    run: KernelFn
    source: str


def _lit(value: float) -> str:
    """A float as a literal that reads back as exactly the same float."""
    if not math.isfinite(value):
        raise ValueError(f"not a finite number: {value!r}")  # the schema rules this out
    return repr(float(value))


class _Emitter:
    """Collects source lines and the constants they refer to."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.names: dict[str, object] = {}
        self._ids: dict[int, str] = {}
        self._counts: dict[str, int] = {}
        self.raw: dict[PropertyRef, str] = {}
        #: date slots the code emitted so far may have parsed (on some path)
        self.maybe_parsed: set[int] = set()

    def line(self, text: str, depth: int = 1) -> None:
        self.lines.append("    " * depth + text)

    def const(self, prefix: str, value: object) -> str:
        """The global name the source uses for `value` (one name per object)."""
        found = self._ids.get(id(value))
        if found is None:
            number = self._counts.get(prefix, 0)
            self._counts[prefix] = number + 1
            found = f"{prefix}{number}" if prefix.isupper() else prefix
            self._ids[id(value)] = found
            self.names[found] = value
        return found

    def read(self, ref: PropertyRef) -> str:
        """The local holding a property's raw value, read on first use."""
        local = self.raw.get(ref)
        if local is None:
            on_company, name = ref
            local = f"{'k' if on_company else 'c'}_{name}"
            self.raw[ref] = local
            self.line(f"{local} = {'kget' if on_company else 'cget'}({name!r})")
        return local


def _emit_read_first(e: _Emitter, refs: tuple[PropertyRef, ...], into: str) -> None:
    """`into` = `read_first(refs, …)`: the first non-blank value, trimmed and cut."""
    e.line(f"{into} = None")
    for index, ref in enumerate(refs):
        raw = e.read(ref)
        depth = 1
        if index:
            e.line(f"if {into} is None:")
            depth = 2
        e.line(f"if isinstance({raw}, str):", depth)
        e.line(f"{into} = {raw}.strip()[:{MAX_TEXT_CHARS}] or None", depth + 1)


def _emit_sources(e: _Emitter, plan: Plan) -> None:
    for index, source in enumerate(plan.sources):
        memo = e.const("MEMO", source.memo)
        general = e.const("SOURCE", source)
        out = f"o{index}"
        names = ", ".join(("company." if c else "") + n for c, n in source.refs)
        ops = ", ".join(m.op for m in source.matchers)
        e.line(f"# source {index}: {names} ({ops})")
        if len(source.refs) == 1 and source.by_domain and not source.by_presence:
            _emit_address_source(e, e.read(source.refs[0]), out, memo, general, source)
            continue
        if len(source.refs) == 1:
            raw = e.read(source.refs[0])
            if source.by_presence:
                key = f'"" if isinstance({raw}, str) and {raw}.strip() else None'
            else:
                # The raw value itself: a string (or str subclass) is its own key, and any
                # other value misses the memo and reads as missing in `Source.outcome`.
                key = raw
        else:
            _emit_read_first(e, source.refs, "v")
            if source.by_presence:
                key = '"" if v is not None else None'
            elif source.by_domain:
                key = f"{e.const('domain_key', domain_key)}(v)"
            else:
                key = "v"
        e.line(f"{out} = {memo}.get({key})")
        e.line(f"if {out} is None:")
        e.line(f"{out} = {general}.outcome(contact, company)", 2)


def _emit_address_source(
    e: _Emitter, raw: str, out: str, memo: str, general: str, source: Source
) -> None:
    """An e-mail/website source, memoised first by the raw text after the "@"
    (`sources.address_tail`, which needs no string work), then by domain (`domain_key`)."""
    tails = e.const("TAILS", source.by_address_tail)
    no_tail = f"{raw}.__class__ is not str or '@' not in {raw} or len({raw}) > {MAX_TEXT_CHARS}"
    e.line(f"tail = None if {no_tail} else {raw}.rpartition('@')[2]")
    e.line(f"{out} = None if tail is None else {tails}.get(tail)")
    e.line(f"if {out} is None:")
    e.line(f"{out} = {memo}.get({e.const('domain_key', domain_key)}({raw}))", 2)
    e.line(f"if {out} is None:", 2)
    e.line(f"{out} = {general}.outcome(contact, company)", 3)
    e.line("if tail is not None:", 2)
    e.line(f"{general}.remember_tail(tail, {out})", 3)


def _emit_disqualifiers(e: _Emitter, plan: Plan) -> None:
    e.line("# disqualifiers: the first that holds")
    slots = [f"o{i}[{p}]" for i, p in plan.disqualifiers]
    e.line(f"dq = {' or '.join(slots) or 'None'}")
    if slots:
        e.line("if dq is not None:")
        e.line("ha(dq)", 2)


def _emit_fit(e: _Emitter, plan: Plan) -> None:
    e.line("fit = 0.0")
    for group in plan.groups:
        rank = group.bound_rank
        mode = "first match" if group.first_only else "sum"
        e.line(f"# fit group {group.name!r} ({mode})")
        e.line("g = 0.0")
        for number, ((i, p), points) in enumerate(group.criteria):
            keyword = "elif" if group.first_only and number else "if"
            e.line(f"{keyword} (h := o{i}[{p}]) is not None:")
            e.line(f"g += {_lit(points)}", 2)
            e.line("ha(h)", 2)
        bounds = ((group.cap, ">", "capped", rank), (group.floor, "<", "floored", rank + 1))
        for bound, test, word, at in bounds:
            if bound is None:
                continue
            name = e.const("GROUP", group.name)
            e.line(f"if g {test} {_lit(bound)}:")
            e.line(f"ha(bound_hit({name}, {word!r}, {_lit(bound)}, g, {at}))", 2)
            e.line(f"g = {_lit(bound)}", 2)
        e.line("fit += g")


def _emit_bant(e: _Emitter, bant: Bant | None) -> None:
    if bant is None:
        e.line("bant = NO_BANT")
        return
    e.line("# BANT: each answer memoised by its raw values, the outcome by its answers")
    answers: list[str] = []
    for number, (part, refs, name) in enumerate(bant.dimensions):
        raws = [e.read(ref) for ref in refs]
        key = raws[0] if len(raws) == 1 else f"({', '.join(raws)},)"
        part_name = e.const("PART", part)
        a = f"a{number}"
        answers.append(a)
        if isinstance(part, Need) and len(part.interest_refs) == 1 and part.text_refs:
            # A product interest that decides need makes the (unique) challenge text moot.
            interest = raws[0]
            # An interest is remembered when a pair with it is first seen: most contacts have
            # none, and asking whether it decides need on every contact costs two calls.
            e.line(f"{a} = {e.const('MEMO', part.by_interest)}.get({interest})")
            e.line(f"if {a} is None:")
            e.line(f"{a} = {e.const('MEMO', part.memo)}.get({key})", 2)
            e.line(f"if {a} is None:", 2)
            e.line(f"{a} = answer_for({part_name}, {key}, {name!r}, contact, company)", 3)
            e.line(f"remember_by_interest({part_name}, {interest}, {a})", 3)
            continue
        e.line(f"{a} = {e.const('MEMO', part.memo)}.get({key})")
        e.line(f"if {a} is None:")
        e.line(f"{a} = answer_for({part_name}, {key}, {name!r}, contact, company)", 2)
    ids = ", ".join(f"{a}[2]" for a in answers)
    e.line(f"bant = {e.const('MEMO', bant.memo)}.get(({ids},))")
    e.line("if bant is None:")
    e.line(f"bant = outcome_of({e.const('BANT', bant)}, ({', '.join(answers)},))", 2)
    e.line("hits.extend(bant.hits)")
    e.line("fit += bant.points")


def _emit_stamp(e: _Emitter, plan: Plan, slot: int, depth: int, known: set[int] | None) -> None:
    """Parse the slot's date(s) on first use: `t{slot}` = latest timestamp or None.

    `known` holds the slots already parsed on every path to this point (no test needed); a
    slot parsed here unconditionally (`known` given) joins it.
    """
    if known is not None and slot in known:
        return
    if known is None or slot in e.maybe_parsed:
        e.line(f"if t{slot} is UNSET:", depth)
        depth += 1
    e.maybe_parsed.add(slot)
    if known is not None:
        known.add(slot)
    refs = plan.at_refs[slot]
    if len(refs) == 1:
        _emit_parse(e, f"t{slot}", _read_lazy(e, refs[0]), depth)
        return
    e.line(f"t{slot} = None", depth)
    for ref in refs:
        e.line(f"ts = stamp_of({_read_lazy(e, ref)})", depth)
        e.line(f"if ts is not None and (t{slot} is None or ts > t{slot}):", depth)
        e.line(f"t{slot} = ts", depth + 1)


def _emit_parse(e: _Emitter, into: str, raw: str, depth: int) -> None:
    """`into` = `stamp_of(raw)`: an ISO value with a time zone read in line (most dates).

    `datetime.fromisoformat` rejects surrounding blanks and epoch digits, so a value it
    reads with a time zone is one `parse_timestamp` would read the same way; anything
    else (naive dates, epoch strings, blanks, garbage) goes to `stamp_of`.
    """
    e.line(f"r = {raw}", depth)
    e.line("if r is None:", depth)
    e.line(f"{into} = None", depth + 1)
    e.line("else:", depth)
    e.line("try:", depth + 1)
    e.line("d = FROM_ISO(r)", depth + 2)
    e.line("if d.tzinfo is None:", depth + 2)
    e.line(f"{into} = stamp_of(r)", depth + 3)  # range-checked there
    e.line("else:", depth + 2)
    e.line(f"{into} = d.timestamp()", depth + 3)
    e.line(f"if not {_lit(MIN_EPOCH_S)} <= {into} <= {_lit(MAX_EPOCH_S)}:", depth + 3)
    e.line(f"{into} = None", depth + 4)
    e.line("except (TypeError, ValueError, OverflowError, OSError):", depth + 1)
    e.line(f"{into} = stamp_of(r)", depth + 2)


def _read_lazy(e: _Emitter, ref: PropertyRef) -> str:
    local = e.raw.get(ref)
    if local is not None:
        return local
    on_company, name = ref
    return f"{'kget' if on_company else 'cget'}({name!r})"


def _emit_credit(
    e: _Emitter, ps: PlanSignal, sig: str, at: str, base: str, count: str, depth: int, rank: int
) -> None:
    """A fired signal's term, decayed credit, memory and reason (`at` is not None here)."""
    s = ps.signal
    e.line(f"age = now_s - {at}", depth)
    if s.lifespan_s:
        e.line(f"if age < {_lit(s.lifespan_s)}:", depth)  # a credit over for good is left out
        depth += 1
    hl, ls = _lit(s.half_life_s), _lit(s.lifespan_s)
    e.line(f"ta(({base}, {at}, {hl}, {ls}, {sig}, {count}))", depth)
    if s.half_life_s:
        value = f"{base} * 2.0 ** (-age / {hl})"
        slope = f"value * {_lit(math.log(2.0) / s.half_life_s)}"
    elif s.lifespan_s:
        value = f"{base} * (1.0 - age / {ls})"
        slope = f"{base} / {ls}"
    else:
        value = base
        slope = ""
    e.line("if age < 0.0:  # dated in the future: full credit, not decaying yet", depth)
    e.line("age = 0.0", depth + 1)
    e.line(f"value = {value}", depth + 1)
    e.line("else:", depth)
    e.line(f"value = {value}", depth + 1)
    if slope:
        e.line(f"slope -= {slope}", depth + 1)
    e.line("points += value", depth)
    if s.remember:
        e.line(f"if value >= {_lit(FORGET_BELOW_POINTS)}:", depth)
        e.line("if kept is None:", depth + 1)
        e.line("kept = {}", depth + 2)
        e.line(f"kept[{s.name!r}] = {at}", depth + 1)
    e.line(f"if value >= {_lit(LIST_FROM_POINTS)}:", depth)
    # The hit, built here (explain.Hit's layout; texts memoised per signal). Its reason is
    # left as the arguments of one: `Decision.reasons` makes it when read (see model.py).
    texts = e.const("TEXTS", ps.texts)
    depth += 1
    e.line(f"found = {texts}.get((age // 86400.0, {count}, round(value)))", depth)
    e.line("if found is None:", depth)
    e.line(f"found = engagement_texts({sig}, {texts}, value, age, {count})", depth + 1)
    reason = f"('engagement', {s.label!r}, found[0], value, {s.stage!r})"
    e.line(f"ha((-value, {_ENGAGEMENT_ORDER}, {rank}, {reason}, found[1]))", depth)


def _emit_count(e: _Emitter, ps: PlanSignal, depth: int) -> None:
    """`count` = the signal's count (None when unreadable)."""
    refs = ps.signal.count_refs
    if len(refs) == 1:
        e.line(f"r = {_read_lazy(e, refs[0])}", depth)
        e.line(
            f"count = {e.const('MEMO', ps.counts)}.get(r, UNSET) if r.__class__ is str else None",
            depth,
        )
        e.line("if count is UNSET:", depth)
        e.line(f"count = count_memoised({e.const('PS', ps)}, r, contact, company)", depth + 1)
    else:
        e.line(f"count = count_of({e.const('REFS', refs)}, contact, company)", depth)


def _emit_base(e: _Emitter, s: Signal, depth: int) -> None:
    """`base` = count × points, capped (after `count` is known not to be None)."""
    e.line(f"base = count * {_lit(s.points)}", depth)
    if s.cap is not None:
        e.line(f"if base > {_lit(s.cap)}:", depth)
        e.line(f"base = {_lit(s.cap)}", depth + 1)


def _signal_comment(e: _Emitter, s: Signal, depth: int) -> None:
    decay = (
        f"half-life {s.half_life_s / 86_400:g} d"
        if s.half_life_s
        else (f"lifespan {s.lifespan_s / 86_400:g} d" if s.lifespan_s else "no decay")
    )
    memory = ", remembered" if s.remember else ""
    e.line(f"# signal {s.name!r} ({s.stage}, {_lit(s.points)} points, {decay}{memory})", depth)


def _emit_signal_fresh(
    e: _Emitter, plan: Plan, ps: PlanSignal, depth: int, known: set[int], rank: int
) -> None:
    """One signal when nothing is remembered: a signal that did not fire costs one test."""
    s = ps.signal
    _signal_comment(e, s, depth)
    if ps.when is not None:
        e.line(f"if o{ps.when[0]}[{ps.when[1]}]:", depth)
        depth += 1
    _emit_stamp(e, plan, s.at_slot, depth, known if ps.when is None else None)
    at = f"t{s.at_slot}"
    e.line(f"if {at} is not None:", depth)
    depth += 1
    sig = e.const("SIGNAL", s)
    if not s.count_refs:
        _emit_credit(e, ps, sig, at, _lit(s.points), "None", depth, rank)
        return
    _emit_count(e, ps, depth)
    e.line("if count is not None:", depth)
    _emit_base(e, s, depth + 1)
    _emit_credit(e, ps, sig, at, "base", "count", depth + 1, rank)


def _emit_signal_remembering(
    e: _Emitter, plan: Plan, ps: PlanSignal, depth: int, known: set[int], rank: int
) -> None:
    """One signal when the prior state remembers some (`remember` signals may use it)."""
    s = ps.signal
    _signal_comment(e, s, depth)
    e.line("at = None", depth)
    inner = depth
    if ps.when is not None:
        e.line(f"if o{ps.when[0]}[{ps.when[1]}]:", depth)
        inner += 1
    _emit_stamp(e, plan, s.at_slot, inner, known if ps.when is None else None)
    e.line(f"at = t{s.at_slot}", inner)
    e.line(f"base = {_lit(s.points)}", depth)
    e.line("count = None", depth)
    if s.count_refs:
        e.line("if at is not None:", depth)
        _emit_count(e, ps, depth + 1)
        e.line("if count is None:", depth + 1)
        e.line("at = None", depth + 2)
        e.line("else:", depth + 1)
        _emit_base(e, s, depth + 2)
    if s.remember:
        e.line(f"remembered = memory.get({s.name!r})", depth)
        e.line("if remembered is not None:", depth)
        e.line("ts = remembered.timestamp()", depth + 1)
        e.line("if at is None:", depth + 1)
        e.line(f"at = ts; base = {_lit(s.points)}; count = None", depth + 2)
        e.line("elif ts > at:", depth + 1)
        e.line("at = ts", depth + 2)
    e.line("if at is not None:", depth)
    _emit_credit(e, ps, e.const("SIGNAL", s), "at", "base", "count", depth + 1, rank)


def _emit_signals(e: _Emitter, plan: Plan) -> None:
    e.line("# engagement signals, in file order (points summed in that order)")
    e.line("terms = []")
    e.line("ta = terms.append")
    e.line("points = 0.0")
    e.line("slope = 0.0  # d points / dt now, for rescore_at's first Newton step")
    e.line("kept = None  # remembered signals (name → epoch seconds), once one is")
    lazy = {ps.signal.at_slot for ps in plan.signals if ps.when is not None}
    for slot in sorted(lazy):
        e.line(f"t{slot} = UNSET  # parsed once, when a signal that fired needs it")
    if any(ps.signal.remember for ps in plan.signals):
        e.line("if memory:")
        known: set[int] = set()
        for index, ps in enumerate(plan.signals):
            _emit_signal_remembering(e, plan, ps, 2, known, RANK_SIGNAL + index)
        e.line("else:")
        depth = 2
    else:
        depth = 1
    e.maybe_parsed = set()
    known = set()
    for index, ps in enumerate(plan.signals):
        _emit_signal_fresh(e, plan, ps, depth, known, RANK_SIGNAL + index)


def compile_kernel(plan: Plan, bant: Bant | None, no_bant: BantOutcome, scoring: Scoring) -> Kernel:
    """Write, compile and return the kernel for one rule set.

    Args:
        plan: the compiled fit groups, disqualifiers and signals.
        bant: the compiled BANT section, or None.
        no_bant: the outcome to use when the rules have no BANT section.
        scoring: the weights, bars and flags the decision code writes in.

    Returns:
        The kernel (function and source).
    """
    from connector.rules.plan import bound_hit  # the general code's cap/floor reasons

    e = _Emitter()
    e.lines.append("def kernel(lead, rules, now, prior):")
    e.line("contact = lead.contact")
    e.line("company = lead.company")
    e.line("cget = contact.get")
    e.line("kget = NO_COMPANY_GET if company is None else company.get")
    if scoring.remembers:
        e.line("memory = NO_MEMORY if prior is None else prior.signal_memory")
    # A run scores all its contacts at one instant: its epoch seconds are worked out once.
    e.line("seen = NOW_S[0]")
    e.line("if seen[0] is now:")
    e.line("now_s = seen[1]", 2)
    e.line("else:")
    e.line("now_s = now.timestamp()", 2)
    e.line("NOW_S[0] = (now, now_s)", 2)
    e.line("hits = []")
    e.line("ha = hits.append")
    _emit_sources(e, plan)
    _emit_disqualifiers(e, plan)
    _emit_fit(e, plan)
    _emit_bant(e, bant)
    _emit_signals(e, plan)
    emit_decision(e.line, scoring)
    source = "\n".join(e.lines) + "\n"
    namespace: dict[str, Any] = {
        **e.names,
        **decision_names(),
        "UNSET": _UNSET,
        "NO_COMPANY_GET": _NO_COMPANY_GET,
        "NO_MEMORY": _NO_MEMORY,
        "NOW_S": [(None, 0.0)],
        "NO_BANT": no_bant,
        "answer_for": answer_for,
        "remember_by_interest": remember_by_interest,
        "outcome_of": outcome_of,
        "bound_hit": bound_hit,
        "stamp_of": stamp_of,
        "count_memoised": count_memoised,
        "count_of": count_of,
        "engagement_texts": engagement_texts,
        "FROM_ISO": datetime.fromisoformat,
    }
    exec(compile(source, "<rules kernel>", "exec"), namespace)  # our own source
    run: KernelFn = namespace["kernel"]
    return Kernel(run=run, source=source)

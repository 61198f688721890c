"""A review of 100,000 leads fits in memory: what each lead keeps, and that no number is lost.

Each lead keeps a summary of its rules decision, not the decision (issue 14's 300 MB bound);
over-filtering counts segments from value codes. These tests hold the summary to the engine's
decision, the segments to a count over the leads themselves, and the kept bytes to a bound.
"""

from __future__ import annotations

import gc
import random
import tracemalloc
from datetime import UTC, datetime

from connector.review.csv_mapping import load_mapping
from connector.review.csv_source import read_csv_leads
from connector.review.dataset import ReviewLead
from connector.review.report import build_review
from connector.review.scoring import score_leads, value_of
from connector.rules import LeadInput, RuleSet, evaluate, load_rules
from tests.review.conftest import EXAMPLES, X_EDUCATION, require_dataset, size_rules

NOW = datetime(2026, 6, 1, tzinfo=UTC)
#: What scoring may keep per lead: full decisions cost ~1.6 kB a lead on X Education (~2.6 kB
#: on the sandbox portal); their summaries ~300 B.
MAX_KEPT_BYTES_PER_LEAD = 600


def _rules() -> RuleSet:
    student = {"label": "student", "property": "role", "op": "eq", "value": "student"}
    return size_rules("small", disqualifiers=[student])


def _random_leads(n: int, seed: int) -> list[ReviewLead]:
    rng = random.Random(seed)
    leads = []
    for i in range(n):
        contact = {
            "size": rng.choice(["5", "50", "500", "", "many"]),
            "role": rng.choice(["student", "buyer", "user"]),
            "source": rng.choice(["ads", "search", "event", "referral"]),
        }
        # converters lean to the big, to referrals, and to students (whom the rules drop)
        lift = 0.3 * (contact["size"] == "500") + 0.3 * (contact["source"] == "referral")
        lift += 0.2 * (contact["role"] == "student")
        leads.append(ReviewLead(f"L{i}", contact, None, NOW, rng.random() < 0.1 + lift))
    return leads


def test_each_lead_keeps_what_the_report_reads_of_the_engines_decision() -> None:
    rules = _rules()
    leads = _random_leads(300, seed=1)
    for s in score_leads(leads, rules, now=NOW):
        full = evaluate(
            LeadInput(contact_id=s.lead.lead_id, contact=s.lead.contact, company=None),
            rules=rules,
            now=NOW,
        )
        d = s.decision
        assert (d.score, d.grade, d.temperature, d.label) == (
            full.score,
            full.grade,
            full.temperature,
            full.label,
        )
        assert (d.lifecycle_target, d.handoff_condition) == (
            full.lifecycle_target,
            full.handoff_condition,
        )
        assert (d.fit_points, d.engagement_points) == (full.fit_points, full.engagement_points)
        assert d.disqualified == (full.disqualified.criterion if full.disqualified else None)
        assert d.penalized == tuple(
            r.criterion for r in full.reasons if r.points < 0 and r.kind in ("fit", "bant")
        )
        assert d.unreadable == full.unreadable
        assert s.handed_off == full.handoff_condition  # no record: as re-scored


def test_over_filtering_names_the_disqualifier_and_counts_segments_as_the_leads_say() -> None:
    leads = _random_leads(3000, seed=2)
    review = build_review(leads, _rules(), now=NOW, segment_by=["source"])
    of = review.current.over_filtering
    scored = review.current.scored
    held = [s for s in scored if s.converted and not s.above_mql_bar]
    held_ids = {id(s) for s in held}
    students = sum(1 for s in held if s.lead.contact["role"] == "student")
    found = {(h.what, h.kind): h.converters for h in of.held_down}
    assert found[("student", "disqualifier")] == students > 0
    assert found[("tiny", "criterion")] == sum(1 for s in held if s.lead.contact["size"] == "5")
    assert of.segments, "referrals and students convert above the base rate, held back"
    for segment in of.segments:
        parts = [part.split(" = ") for part in segment.description.split(" · ")]
        members = [
            s for s in scored if all((value_of(s.lead, p) or "(missing)") == v for p, v in parts)
        ]
        assert segment.leads == len(members)
        assert segment.converters == sum(1 for s in members if s.converted)
        assert segment.held_back == sum(1 for s in members if id(s) in held_ids)


def test_scoring_keeps_a_few_hundred_bytes_a_lead() -> None:
    mapping = load_mapping(EXAMPLES / "x-education-mapping.yaml")
    leads = read_csv_leads(require_dataset(X_EDUCATION), mapping)
    rules = load_rules(EXAMPLES / "x-education.yaml")
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        scored = score_leads(leads, rules, now=NOW)
        kept = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert len(scored) == 9240
    assert kept / len(scored) < MAX_KEPT_BYTES_PER_LEAD

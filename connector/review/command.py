"""`connector review`: judge the rules against what became of past leads. Writes no HubSpot data.

Leads come from a CSV export (`--csv FILE --map MAP.yaml`) or from the portal (the contacts
created between `--since` and `--until`, with their lifecycle-stage dates and the connector's
own record). The summary goes to stdout; `--out DIR` also writes report.html, scores.csv and
summary.json.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from connector.calibration_file import Calibration, calibration_path, load_calibration
from connector.errors import ConfigError
from connector.review.csv_mapping import load_mapping
from connector.review.csv_source import CREATED_PROPERTY, read_csv_leads
from connector.review.dataset import OutcomeSpec, ReviewLead
from connector.review.html_report import html_report
from connector.review.outputs import write_scores, write_summary
from connector.review.properties import HUBSPOT_AFTER_CONTACT
from connector.review.report import Review, build_review
from connector.review.scoring import properties_read
from connector.review.text_report import summary_text
from connector.rules import RuleSet, load_rules
from connector.settings import Settings

#: The period a portal review covers when `--since` is not given.
DEFAULT_PERIOD_DAYS = 90


def run_review(args: argparse.Namespace, settings: Settings) -> int:
    # the arguments are declared in connector/cli.py, so `--help` never imports this module
    rules = load_rules(args.rules or settings.rules_file)
    compare = _compare_rules(args.compare) if args.compare else None
    now = datetime.now(UTC)
    calibration = _calibration(rules)
    compare_calibration = _calibration(compare) if compare is not None else None
    review = _review(args, settings, rules, compare, now, calibration, compare_calibration)
    print(summary_text(review))
    if args.out is not None:
        written = write_outputs(review, Path(args.out))
        print(f"Wrote {', '.join(str(p) for p in written)}")
    return 0


def _compare_rules(path: str) -> RuleSet:
    # a candidate is a file the admin names, not their rules in force: `connector init` (what
    # a missing rules file suggests) would not write it
    if not Path(path).is_file():
        raise ConfigError(f"--compare {path}: file not found — give the candidate rules file")
    return load_rules(path)


def _review(
    args: argparse.Namespace,
    settings: Settings,
    rules: RuleSet,
    compare: RuleSet | None,
    now: datetime,
    calibration: Calibration | None,
    compare_calibration: Calibration | None,
) -> Review:
    read = read_leads(args, settings, rules, now)
    return build_review(
        read.leads,
        rules,
        now=now,
        compare=compare,
        after_contact=read.after_contact,
        labels=read.labels,
        segment_by=read.segment_by,
        calibration=calibration,
        compare_calibration=compare_calibration,
    )


def _calibration(rules: RuleSet) -> Calibration | None:
    """The rules' calibration (`rules.calibration.json` beside them) when it is for them."""
    found, warning = load_calibration(calibration_path(rules.source), rules.version)
    if warning is not None:
        print(f"warning: {warning}", file=sys.stderr)
    return found


@dataclass(frozen=True, slots=True)
class LeadsRead:
    """The leads of `--csv`/`--map` or of the portal, and what the source says about them."""

    leads: list[ReviewLead]
    after_contact: frozenset[str]  # properties known only after sales contact
    labels: dict[str, str]  # property -> the name the admin knows it by
    segment_by: list[str]  # properties worth segmenting (and, for suggest, proposing) by


def read_leads(
    args: argparse.Namespace, settings: Settings, rules: RuleSet, now: datetime
) -> LeadsRead:
    """The leads `review` and `suggest` judge: an export with its mapping, or the portal."""
    if args.csv is not None:
        if args.map is None:
            raise ConfigError("--csv needs --map MAP.yaml (see config/examples/*-mapping.yaml)")
        _portal_only(args)
        mapping = load_mapping(args.map)
        leads = read_csv_leads(args.csv, mapping)
        after = mapping.after_contact_properties()
        labels = mapping.property_labels()
        given = set(labels)
        if mapping.created_at.column or mapping.created_at.assume:
            given.add(CREATED_PROPERTY)  # the reader sets it from the creation date
        unmapped = [p for p in properties_read(rules) if p not in given]
        if unmapped:
            print(
                f"warning: {args.map} maps no column to {len(unmapped)} "
                f"propert{'y' if len(unmapped) == 1 else 'ies'} the rules read, so they count "
                f"as missing for every lead: {', '.join(unmapped)}",
                file=sys.stderr,
            )
        return LeadsRead(leads, after, labels, [p for p in labels if p not in after])
    if args.map is not None:
        raise ConfigError("--map is for --csv: give the export with --csv FILE")
    until = _date(args.until, "--until") if args.until else now
    since = _date(args.since, "--since") if args.since else until - timedelta(DEFAULT_PERIOD_DAYS)
    outcome = OutcomeSpec(stage=args.outcome, horizon_days=args.horizon_days)
    # the portal path (read-only), imported here so the CSV path never loads the gateway
    from connector.review.portal_source import SEGMENT_PROPERTIES, read_portal_leads

    portal_labels: dict[str, str] = {}
    leads = read_portal_leads(settings, rules, since, until, outcome, labels=portal_labels)
    # only what the review reads: suggest proposes from the labelled properties
    wanted = {*properties_read(rules), *SEGMENT_PROPERTIES}
    shown = {p: label for p, label in portal_labels.items() if p in wanted}
    return LeadsRead(leads, HUBSPOT_AFTER_CONTACT, shown, list(SEGMENT_PROPERTIES))


def _portal_only(args: argparse.Namespace) -> None:
    """The period and outcome flags choose portal contacts; an export's rows and outcome come
    from the file and its mapping, so with --csv they would be silently ignored."""
    given = [
        flag
        for flag, value in (
            ("--since", args.since),
            ("--until", args.until),
            ("--outcome", None if args.outcome == OutcomeSpec().stage else args.outcome),
            ("--horizon-days", args.horizon_days),
        )
        if value is not None
    ]
    if given:
        raise ConfigError(
            f"{', '.join(given)} appl{'ies' if len(given) == 1 else 'y'} to a portal review: "
            "with --csv every row is a lead and the mapping's outcome column says which converted"
        )


def _date(text: str, flag: str) -> datetime:
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        raise ConfigError(f"{flag} {text!r} is not a date — use e.g. 2026-09-01") from None
    return when if when.tzinfo is not None else when.replace(tzinfo=UTC)


def write_outputs(review: Review, out: Path) -> list[Path]:
    """report.html, scores.csv and summary.json in `out` (created if needed)."""
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(f"{out}: cannot create the output folder ({exc})") from None
    html, scores, summary = out / "report.html", out / "scores.csv", out / "summary.json"
    html.write_text(html_report(review), encoding="utf-8")
    write_scores(review, scores)
    write_summary(review, summary)
    return [html, scores, summary]

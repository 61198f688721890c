"""`connector explain` and `connector sla`: read-only views for a rep or a sales manager."""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from typing import Any

from connector.errors import EXIT_OK, ConfigError
from connector.hubspot_facts import BATCH_MAX_INPUTS
from connector.rules import Decision, LeadInput, evaluate, load_rules
from connector.settings import Settings
from connector.sync.backlog_command import capacity_lines, last_capacity, waiting_counts
from connector.sync.calibration_in_force import calibration_in_force, probability_lines
from connector.sync.output import table
from connector.sync.owner_labels import owner_labels
from connector.sync.properties import ScoreProperties
from connector.sync.services import Services


def _now() -> datetime:
    return datetime.now(UTC)


def run_explain(args: argparse.Namespace, settings: Settings) -> int:
    from connector.hubspot import HubSpotGateway

    rules = load_rules(settings.rules_file)
    names = ScoreProperties.with_prefix(
        settings.property_prefix, calibration=calibration_in_force(settings.rules_file, rules)
    )
    settings.require_token()
    gateway = HubSpotGateway.from_settings(settings)
    properties = sorted(rules.contact_properties)
    if "@" in args.contact:
        # The address is contact PII: it is looked up, never echoed into a message or a log.
        contact = gateway.find_contact_by_email(args.contact, properties)
        if contact is None:
            raise ConfigError(
                "no contact in HubSpot has that e-mail address (search sees a new contact "
                "after a few moments; its id always works)"
            )
    else:
        found = gateway.read_contacts([args.contact], properties)
        if not found:
            raise ConfigError(f"contact {args.contact} was not found in HubSpot")
        contact = found[0]
    company_id = (contact.get("associatedcompanyid") or "").strip()
    companies = (
        gateway.read_companies([company_id], sorted(rules.company_properties)) if company_id else []
    )
    decision = evaluate(
        LeadInput(
            contact_id=contact.id,
            contact=contact.properties,
            company=companies[0].properties if companies else None,
        ),
        rules=rules,
        now=_now(),
        prior=None,
    )
    if args.json:
        percent = names.probability_percent(decision.score)
        probability = {"probability_percent": None if percent is None else float(percent)}
        print(json.dumps({**explanation(decision), **probability}, indent=2))
        return EXIT_OK
    header = (
        f"contact {contact.id}: {decision.score}/100 {decision.label} "
        f"(fit {decision.fit_points:.1f}, engagement {decision.engagement_points:.1f})"
    )
    if decision.disqualified is not None:
        header += f", disqualified: {decision.disqualified.criterion}"
    # full_reasons opens with the engine's own header line: this command prints one header.
    reasons = decision.full_reasons.splitlines()[1:]
    print("\n".join([header, *probability_lines(names, decision.score), *reasons]))
    return EXIT_OK


def explanation(decision: Decision) -> dict[str, Any]:
    """`explain --json`: the decision's outcome and every reason, as plain data."""
    return {
        "contact_id": decision.contact_id,
        "score": decision.score,
        "label": decision.label,
        "grade": decision.grade,
        "temperature": decision.temperature,
        "fit_points": decision.fit_points,
        "engagement_points": decision.engagement_points,
        "disqualified": decision.disqualified.criterion if decision.disqualified else None,
        "lifecycle_target": decision.lifecycle_target,
        "lead_status_target": decision.lead_status_target,
        "handoff": decision.handoff_condition,
        "sla_tier": decision.sla_tier,
        "rules_version": decision.rules_version,
        "reasons": [
            {
                "kind": r.kind,
                "group": r.group,
                "criterion": r.criterion,
                "observed": r.observed,
                "points": r.points,
            }
            for r in decision.reasons
        ],
        "bant": [
            {
                "dimension": d.dimension,
                "status": d.status,
                "observed": d.observed,
                "points": d.points,
            }
            for d in decision.bant.dimensions
        ],
        "unreadable": list(decision.unreadable),
    }


def run_sla(args: argparse.Namespace, settings: Settings) -> int:
    from connector.sync.sla_report import TASK_PROPERTIES, summarise

    services = Services.from_settings(settings)
    try:
        now = _now()
        handoffs = services.store.handoffs_between(
            settings.portal, now - timedelta(days=args.days), now + timedelta(seconds=1)
        )
        task_ids = sorted({h.task_id for h in handoffs if h.task_id})
        tasks = {}
        for start in range(0, len(task_ids), BATCH_MAX_INPUTS):
            chunk = task_ids[start : start + BATCH_MAX_INPUTS]
            for task in services.gateway.read_tasks(chunk, TASK_PROPERTIES):
                tasks[task.id] = task
        rows = summarise(handoffs, tasks, calendar=services.sla.build_calendar(), now=now)
        names = owner_labels(services.gateway.list_owners()) if rows else {}
        # Capacity: what waits now, and the last real run's shortfalls.
        waiting = waiting_counts(services.store, settings.portal)
        runs = services.store.recent_runs(settings.portal, 5)
        capacity = last_capacity([r for r in runs if not r.dry_run])
    finally:
        services.close()
    if args.json:
        owners = [{"owner": names.get(r.owner_id, r.owner_id), **asdict(r)} for r in rows]
        report = {
            "days": args.days,
            "handoffs": len(handoffs),
            "owners": owners,
            "capacity": {**waiting, "last_run": capacity},
        }
        print(json.dumps(report, indent=2))
        return EXIT_OK
    print(f"SDR handoffs in the last {args.days} days: {len(handoffs)}")
    if rows:
        print(
            table(
                (
                    "owner",
                    "handoffs",
                    "touched",
                    "median h to touch",
                    "open",
                    "overdue",
                    "breached",
                ),
                [
                    (
                        names.get(r.owner_id, r.owner_id),
                        r.handoffs,
                        r.touched,
                        "" if r.median_hours_to_touch is None else f"{r.median_hours_to_touch:.1f}",
                        r.open,
                        r.overdue,
                        r.breached,
                    )
                    for r in rows
                ],
            )
        )
        print("(time to first touch in business hours of the SLA calendar)")
    for line in capacity_lines(capacity, waiting):
        print(line)
    return EXIT_OK

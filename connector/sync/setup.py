"""`connector setup`: create the connector's properties, check the rules' inputs, report usage.

The connector's properties are the score properties on contacts (the handoff proof among them,
hidden) and the hidden handoff key on tasks.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from connector.errors import ConfigError
from connector.hubspot.models import CustomPropertyUsage
from connector.rules import RuleSet
from connector.sync.ports import HubSpotPort
from connector.sync.preflight import PortalDefinitions, did_you_mean, option_lines
from connector.sync.properties import ScoreProperties

#: `missing_inputs` key of the connector's own score properties (`connector setup` makes them).
OWN = "contacts (connector)"


@dataclass(slots=True)
class SetupReport:
    created: list[str] = field(default_factory=list)
    existing: list[str] = field(default_factory=list)
    missing_inputs: dict[str, list[str]] = field(default_factory=dict)
    usage: list[CustomPropertyUsage] = field(default_factory=list)
    #: missing property → "did you mean 'jobtitle'?" (or how to fix it)
    hints: dict[str, str] = field(default_factory=dict)
    #: the names under `missing_inputs[OWN]` that are task properties (the rest are contacts')
    own_on_tasks: set[str] = field(default_factory=set)
    #: values the rules compare an enumeration with that are not its options (as `sync` checks)
    bad_values: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        out = []
        if self.created:
            out.append(f"created properties: {', '.join(self.created)}")
        if self.existing:
            out.append(f"already present: {', '.join(self.existing)}")
        for usage in self.usage:
            out.append(
                f"custom properties on {usage.object_type}: {usage.usage} of {usage.limit} used"
            )
        for object_type, names in self.missing_inputs.items():
            if object_type == OWN:
                on_contacts = [n for n in names if n not in self.own_on_tasks]
                on_tasks = [n for n in names if n in self.own_on_tasks]
                for kind, missing in (("contact", on_contacts), ("task", on_tasks)):
                    if missing:
                        out.append(
                            f"missing the connector's own {kind} properties: "
                            f"{', '.join(missing)} — run `connector setup` (without --check) "
                            "to create them"
                        )
                continue
            for name in names:
                hint = self.hints.get(f"{object_type}.{name}", "")
                out.append(
                    f"missing {object_type} property the rules read: {name}"
                    + (f" — {hint}" if hint else "")
                )
        out.extend(self.bad_values)
        return out


def run_setup_steps(
    port: HubSpotPort,
    *,
    rules: RuleSet,
    names: ScoreProperties,
    group: str,
    create: bool,
) -> SetupReport:
    """Create what is missing (idempotent) and report what the rules read but the portal lacks."""
    report = SetupReport()
    defs = PortalDefinitions.read(port)
    report.bad_values = option_lines(rules, defs)
    contact_defs, company_defs = set(defs.contacts), set(defs.companies)
    wanted = names.definitions(group)
    missing = [p for p in wanted if p.name not in contact_defs]
    report.existing = [p.name for p in wanted if p.name in contact_defs]
    if missing and create:
        port.create_property_group("contacts", group, "Lead qualification")
        outcome = port.create_properties("contacts", missing)
        if outcome.failed:
            reasons = "; ".join(f"{f.id}: {f.message}" for f in outcome.failed)
            raise ConfigError(f"could not create score properties: {reasons}")
        report.created = [p.name for p in missing]
        contact_defs |= set(report.created)
    elif missing:
        report.missing_inputs[OWN] = [p.name for p in missing]
    _ensure_task_properties(port, names=names, group=group, create=create, report=report)
    own = set(names.all())
    absent_contact = sorted(set(rules.contact_properties) - contact_defs - own)
    absent_company = sorted(set(rules.company_properties) - company_defs)
    if absent_contact:
        report.missing_inputs["contact"] = absent_contact
    if absent_company:
        report.missing_inputs["company"] = absent_company
    for kind, absent, known in (
        ("contact", absent_contact, contact_defs),
        ("company", absent_company, company_defs),
    ):
        report.hints.update({f"{kind}.{name}": did_you_mean(name, known) for name in absent})
    report.usage = [
        u for u in port.custom_property_usage() if u.object_type in {"contacts", "tasks"}
    ]
    return report


def _ensure_task_properties(
    port: HubSpotPort, *, names: ScoreProperties, group: str, create: bool, report: SetupReport
) -> None:
    """The hidden handoff key on tasks, which recovery matches instead of a key in the text."""
    task_defs = {p.name for p in port.read_property_definitions("tasks")}
    wanted = names.task_definitions(group)
    missing = [p for p in wanted if p.name not in task_defs]
    report.existing += [p.name for p in wanted if p.name in task_defs]
    if not missing:
        return
    if not create:
        # Under OWN with the contacts' own: the fix is the same, `connector setup`.
        report.missing_inputs.setdefault(OWN, []).extend(p.name for p in missing)
        report.own_on_tasks.update(p.name for p in missing)
        return
    port.create_property_group("tasks", group, "Lead qualification")
    outcome = port.create_properties("tasks", missing)
    if outcome.failed:
        reasons = "; ".join(f"{f.id}: {f.message}" for f in outcome.failed)
        raise ConfigError(f"could not create the task property: {reasons}")
    report.created += [p.name for p in missing]

"""Check the configuration against the portal before a run writes anything.

`sync` and `run` call `preflight` once at their start, after the files are validated on their
own and before the first write. It reads the portal's property definitions (contacts and
companies, once each) and its owners, and checks that:

- every property the rules read exists (with "did you mean" for a near miss);
- every value an `eq`, `ne`, `in` or `not_in` test compares an enumeration property with is one
  of that property's options;
- the SLA file's owners and teams resolve (`resolve_pool`);
- the connector's own properties exist, the score properties on contacts and the hidden handoff
  key on tasks (a real run only: a dry run writes nothing, so it may preview a portal before
  `connector setup`);
- the token carries every scope the commands need (`REQUIRED_SCOPES`; a dry run only the read
  scopes), when HubSpot says which scopes a token has (private apps).

Every problem is collected and raised at once: one `ConfigError` with a one-line header and one
line per problem, so the admin fixes them in one pass (exit code 2, nothing written).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass

from connector.errors import AuthError, ConfigError
from connector.hubspot.models import PropertyDefinition
from connector.hubspot_facts import REQUIRED_SCOPES
from connector.rules import RuleSet
from connector.rules.matchers import parse_refs, scalar_text
from connector.rules.schema import MatchSpec
from connector.rules.sla_config import SlaConfig
from connector.rules.sla_pool import resolve_pool
from connector.sync.ports import HubSpotPort

#: Operators whose operands are whole values of the property (an enumeration's options).
_COMPARES_OPTIONS = frozenset({"eq", "ne", "in", "not_in"})
#: Allowed values shown in a message; an industry list has some 150.
_SHOWN_OPTIONS = 25


@dataclass(frozen=True, slots=True)
class PortalDefinitions:
    """The portal's property definitions by name, read once for the run."""

    contacts: Mapping[str, PropertyDefinition]
    companies: Mapping[str, PropertyDefinition]

    @classmethod
    def read(cls, port: HubSpotPort) -> PortalDefinitions:
        return cls(
            contacts={p.name: p for p in port.read_property_definitions("contacts")},
            companies={p.name: p for p in port.read_property_definitions("companies")},
        )

    def of(self, on_company: bool) -> Mapping[str, PropertyDefinition]:
        return self.companies if on_company else self.contacts


def did_you_mean(name: str, known: Iterable[str]) -> str:
    """ " — did you mean 'jobtitle'?" for a near miss, else how to fix a missing property."""
    close = difflib.get_close_matches(name, list(known), n=1)
    if close:
        return f"did you mean '{close[0]}'?"
    return "create it in HubSpot or fix the name in the rules file"


def _kind(on_company: bool) -> str:
    return "company" if on_company else "contact"


def _match_specs(rules: RuleSet) -> Iterator[tuple[str, MatchSpec]]:
    spec = rules.spec
    for g, group in enumerate(spec.fit.groups):
        for c, criterion in enumerate(group.criteria):
            yield f"fit.groups[{g}].criteria[{c}]", criterion
    for d, disqualifier in enumerate(spec.disqualifiers):
        yield f"disqualifiers[{d}]", disqualifier
    for s, signal in enumerate(spec.engagement.signals):
        if signal.when is not None:
            yield f"engagement.signals[{s}].when", signal.when


def missing_property_lines(rules: RuleSet, defs: PortalDefinitions, own: set[str]) -> list[str]:
    """One line for each property the rules read that the portal lacks."""
    lines = []
    for on_company, names in ((False, rules.contact_properties), (True, rules.company_properties)):
        known = defs.of(on_company)
        for name in sorted(set(names) - set(known) - (set() if on_company else own)):
            lines.append(
                f"{rules.source}: the rules read {_kind(on_company)} property '{name}', which "
                f"HubSpot does not have — {did_you_mean(name, known)}"
            )
    return lines


def option_lines(rules: RuleSet, defs: PortalDefinitions) -> list[str]:
    """One line for each compared value that is not an option of its enumeration property."""
    lines = []
    for where, match in _match_specs(rules):
        if match.op not in _COMPARES_OPTIONS:
            continue
        refs = [match.property] if isinstance(match.property, str) else match.property
        found = [defs.of(on_company).get(name) for on_company, name in parse_refs(refs)]
        enums = [d for d in found if d is not None and d.type == "enumeration" and d.options]
        if not enums or len(enums) != len(refs):
            continue  # a missing property is reported once, above; text may hold any value
        allowed = {o.value.strip().lower(): o.value for d in enums for o in d.options}
        values = list(dict.fromkeys(allowed.values()))
        shown = ", ".join(values[:_SHOWN_OPTIONS])
        if len(values) > _SHOWN_OPTIONS:
            shown += f", … ({len(values) - _SHOWN_OPTIONS} more)"
        for value in match.operands():
            if scalar_text(value) in allowed:
                continue
            close = difflib.get_close_matches(str(value), values, n=1)
            hint = f"did you mean '{close[0]}'? " if close else ""
            lines.append(
                f"{rules.source} {where}: {value!r} is not an option of {' or '.join(refs)} — "
                f"{hint}allowed: {shown}"
            )
    return lines


def own_property_line(names: Sequence[str], known: Iterable[str], object_type: str) -> list[str]:
    missing = [name for name in names if name not in set(known)]
    if not missing:
        return []
    return [
        f"HubSpot has no {object_type} properties {', '.join(missing)}: run `connector setup` "
        "first (it creates them)"
    ]


def scope_lines(granted: frozenset[str] | None, *, writes: bool) -> list[str]:
    """One line naming every scope the token lacks, with what needs each."""
    if granted is None:
        return []
    missing = [
        need
        for need in REQUIRED_SCOPES
        if (writes or not need.for_writes) and not need.met_by(granted)
    ]
    if not missing:
        return []
    needs = "; ".join(f"{need.scope} ({need.why})" for need in missing)
    return [
        f"the access token lacks {len(missing)} scope{'' if len(missing) == 1 else 's'}: {needs} "
        "— add them to the private app in HubSpot, then use the token it shows"
    ]


def preflight(
    port: HubSpotPort,
    *,
    rules: RuleSet,
    sla: SlaConfig,
    own_properties: Sequence[str],
    own_task_properties: Sequence[str],
    check_own: bool,
) -> None:
    """Check rules and SLA file against the portal; raise every problem at once.

    Args:
        port: HubSpot (reads only: the token's scopes, the contact, company and, for a real
            run, task property definitions, and the owners).
        rules: the loaded rules.
        sla: the loaded SLA file.
        own_properties: the connector's score properties (on contacts).
        own_task_properties: its hidden handoff-key property on tasks.
        check_own: whether they must exist and the write scopes be granted (a real run; a dry
            run may preview before setup, with a read-only token).

    Raises:
        ConfigError: a one-line header, then one line per problem.
    """
    lines = scope_lines(port.granted_scopes(), writes=check_own)
    try:
        defs = PortalDefinitions.read(port)
        if check_own:
            lines += own_property_line(own_properties, defs.contacts, "contact")
            tasks = [p.name for p in port.read_property_definitions("tasks")]
            lines += own_property_line(own_task_properties, tasks, "task")
        lines += missing_property_lines(rules, defs, set(own_properties))
        lines += option_lines(rules, defs)
        resolve_pool(sla, port.list_owners())
    except AuthError:
        if not lines:
            raise
        # The scope line above already says what to fix; the checks that need it wait for it.
    except ConfigError as exc:
        lines.append(str(exc))
    if lines:
        header = (
            f"the configuration does not match this HubSpot portal ({len(lines)} "
            f"problem{'' if len(lines) == 1 else 's'}); nothing was written:"
        )
        raise ConfigError("\n".join([header, *(f"  {line}" for line in lines)]))

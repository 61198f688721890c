"""The SLA file's owner references (e-mails or ids, team names) resolved to HubSpot owner ids.

`resolve_pool` is called by the shell with the portal's owners, archived ones included.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence

from connector.errors import ConfigError
from connector.hubspot.models import Owner
from connector.rules.routing import ResolvedPool, SdrMember
from connector.rules.sla_config import SlaConfig


def _owner_index(owners: Sequence[Owner]) -> tuple[dict[str, Owner], dict[str, Owner]]:
    by_id = {owner.id: owner for owner in owners}
    by_email: dict[str, Owner] = {}
    for owner in owners:
        if owner.email:
            key = owner.email.strip().lower()
            # An email can belong to an archived owner and a newer active one: prefer active.
            if key not in by_email or (by_email[key].archived and not owner.archived):
                by_email[key] = owner
    return by_id, by_email


def _team_members(owners: Sequence[Owner], team: str) -> list[Owner]:
    """Active owners in `team` (by name or id), in a stable order: numeric id order."""
    found = [o for o in owners if not o.archived and team in o.teams]
    return sorted(found, key=lambda o: (len(o.id), o.id))


def _empty_team(owners: Sequence[Owner], team: str, where: str) -> str:
    """Why `team` gives no owner: it does not exist (with the nearest name), or has none active."""
    known = sorted({t for o in owners for t in o.teams})
    if team in known:
        return f"{team!r} has no active owners ({where})"
    close = difflib.get_close_matches(team, known, n=1)
    hint = f" — did you mean {close[0]!r}?" if close else ""
    return f"{team!r} is not a team in HubSpot ({where}){hint}"


def resolve_pool(config: SlaConfig, owners: Sequence[Owner]) -> ResolvedPool:
    """Resolve the pool's and managers' owner references against HubSpot's owners.

    Args:
        config: the validated SLA file.
        owners: every owner of the portal, archived ones included (GET /crm/v3/owners with and
            without archived=true).

    Returns:
        The pool with owner ids, ready for `routing.choose_owner`.

    Raises:
        ConfigError: naming every unknown or archived owner reference and where it is.
    """
    by_id, by_email = _owner_index(owners)
    unknown: list[str] = []
    archived: list[str] = []
    empty_teams: list[str] = []

    def resolve(ref: str | None, where: str) -> str | None:
        if ref is None:
            return None
        owner = by_id.get(ref.strip()) or by_email.get(ref.strip().lower())
        if owner is None:
            unknown.append(f"{ref} ({where})")
            return None
        if owner.archived:
            archived.append(f"{ref} ({where})")
            return None
        return owner.id

    default_manager = resolve(config.managers.default, "managers.default")
    members: list[SdrMember] = []
    pool = config.sdr_pool
    for index, sdr in enumerate(pool.members):
        where = f"sdr_pool.members[{index}]"
        owner_id = resolve(sdr.owner, f"{where}.owner")
        manager_id = resolve(sdr.manager, f"{where}.manager")
        if owner_id is not None:
            members.append(
                SdrMember(
                    owner_id=owner_id,
                    weight=sdr.weight,
                    max_open_handoffs=sdr.max_open_handoffs or pool.max_open_handoffs,
                    absences=tuple(absence.to_absence() for absence in sdr.absences),
                    manager_id=manager_id,
                )
            )
    listed = {member.owner_id for member in members}
    for team in pool.teams:
        in_team = _team_members(owners, team)
        if not in_team:
            empty_teams.append(_empty_team(owners, team, "sdr_pool.teams"))
        members.extend(
            SdrMember(owner_id=o.id, max_open_handoffs=pool.max_open_handoffs)
            for o in in_team
            if o.id not in listed
        )
        listed.update(o.id for o in in_team)
    if default_manager is None and config.managers.team:
        leads = [o for o in _team_members(owners, config.managers.team) if o.id not in listed]
        if not leads:
            empty_teams.append(
                _empty_team(owners, config.managers.team, "managers.team: no active non-SDR")
                if not _team_members(owners, config.managers.team)
                else f"{config.managers.team!r} (managers.team): every active owner is an SDR"
            )
        default_manager = leads[0].id if leads else None
    problems = []
    if unknown:
        problems.append(f"unknown owner(s) {'; '.join(unknown)}")
    if archived:
        problems.append(f"archived owner(s) {'; '.join(archived)}")
    if empty_teams:
        problems.append("; ".join(empty_teams))
    if problems:
        raise ConfigError(
            f"{config.source}: {' and '.join(problems)} — hint: use active owners' emails or ids "
            "and team names as listed in HubSpot (Settings → Users & Teams)"
        )
    try:
        return ResolvedPool(
            members=tuple(members),
            active_owner_ids=frozenset(o.id for o in owners if not o.archived),
            archived_owner_ids=frozenset(o.id for o in owners if o.archived),
            default_manager_id=default_manager,
        )
    except ValueError as exc:  # two references (an email and an id) naming one owner
        raise ConfigError(
            f"{config.source} sdr_pool.members: {exc} (an email and an id may name the same "
            "owner) — hint: list each SDR once"
        ) from None

"""Read an export (a CSV and the files it joins) into `ReviewLead`s, as the mapping says."""

from __future__ import annotations

import csv
from collections.abc import Iterator, Mapping
from datetime import datetime
from pathlib import Path

from connector.errors import ConfigError
from connector.review.csv_mapping import ColumnSpec, CsvMapping, Join
from connector.review.dataset import ReviewLead
from connector.rules.values import parse_timestamp, to_datetime

#: The property the creation date is also given as, so signals can be dated by it (`at:`).
CREATED_PROPERTY = "createdate"


def read_csv_leads(path: str | Path, mapping: CsvMapping) -> list[ReviewLead]:
    """Every decided row of the export as a lead (rows whose outcome is still open are left out).

    Raises:
        ConfigError: a file is missing, or a column the mapping names is not in its file.
    """
    file = Path(path)
    rows = list(_rows(file))
    header = set(rows[0]) if rows else set()
    needed = [mapping.id_column, mapping.outcome.column, *mapping.columns]
    needed += list(mapping.stage_dates.values()) + [j.by for j in mapping.joins]
    if mapping.created_at.column:
        needed.append(mapping.created_at.column)
    _require_columns(file, header, needed)
    joined = [(join, _lookup(file.parent / join.file, join)) for join in mapping.joins]
    missing = frozenset(token.strip().casefold() for token in mapping.missing)
    converted = frozenset(v.strip().casefold() for v in mapping.outcome.converted)
    undecided = frozenset(v.strip().casefold() for v in mapping.outcome.undecided)
    leads: list[ReviewLead] = []
    for row in rows:
        outcome = row[mapping.outcome.column].strip().casefold()
        if outcome in undecided:
            continue
        contact: dict[str, str] = {}
        company: dict[str, str] = {}
        _put(row, mapping.columns, missing, contact, company)
        for join, table in joined:
            other = table.get(row[join.by].strip())
            if other is not None:
                _put(other, join.columns, missing, contact, company)
        created = _created(row, mapping)
        if created is not None:
            contact.setdefault(CREATED_PROPERTY, created.isoformat())
        stages = {
            stage: when
            for stage, column in mapping.stage_dates.items()
            if (when := _date(row[column], missing)) is not None
        }
        leads.append(
            ReviewLead(
                lead_id=row[mapping.id_column].strip(),
                contact=contact,
                company=company or None,
                created_at=created,
                converted=outcome in converted,
                stage_dates=stages,
            )
        )
    return leads


def _rows(file: Path) -> Iterator[dict[str, str]]:
    try:
        with file.open(encoding="utf-8-sig", newline="") as handle:
            yield from csv.DictReader(handle)
    except FileNotFoundError:
        raise ConfigError(f"{file}: CSV file not found — check --csv and the mapping") from None
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise ConfigError(f"{file}: cannot read the CSV ({exc})") from None


def _require_columns(file: Path, header: set[str], needed: list[str]) -> None:
    absent = sorted({c for c in needed if c not in header})
    if absent:
        raise ConfigError(
            f"{file}: the mapping names columns the file does not have: {', '.join(absent)} "
            "— fix the column names in the mapping (they are case-sensitive)"
        )


def _lookup(file: Path, join: Join) -> dict[str, dict[str, str]]:
    rows = list(_rows(file))
    _require_columns(file, set(rows[0]) if rows else set(), [join.key, *join.columns])
    return {row[join.key].strip(): row for row in rows}


def _put(
    row: Mapping[str, str],
    columns: Mapping[str, ColumnSpec],
    missing: frozenset[str],
    contact: dict[str, str],
    company: dict[str, str],
) -> None:
    for column, spec in columns.items():
        value = row[column].strip()
        if value.casefold() in missing:
            continue
        (company if spec.into == "company" else contact)[spec.property] = value


def _created(row: Mapping[str, str], mapping: CsvMapping) -> datetime | None:
    if mapping.created_at.column:
        return _date(row[mapping.created_at.column], frozenset({""}))
    return mapping.created_at.assume


def _date(text: str, missing: frozenset[str]) -> datetime | None:
    text = text.strip()
    if text.casefold() in missing:
        return None
    seconds = parse_timestamp(text)
    return None if seconds is None else to_datetime(seconds)

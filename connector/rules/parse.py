"""Rules → `RuleSet`, from YAML text or a Python mapping, with one-line errors that name the
file, line, field and a fix."""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from connector.errors import ConfigError
from connector.rules import schema, schema_bant, schema_policy
from connector.rules.ruleset import RuleSet, compile_rules
from connector.rules.yaml_errors import field_path, load_yaml, plain_message, problem_lines, where

_DOCS_HINT = "see docs/rules.md"


def _all_field_names() -> list[str]:
    names: set[str] = set()
    for module in (schema, schema_bant, schema_policy):
        for value in vars(module).values():
            if isinstance(value, type) and issubclass(value, BaseModel):
                names.update(value.model_fields)
    return sorted(names)


_FIELD_NAMES = _all_field_names()


def _child(current: Any, part: int | str) -> tuple[bool, Any]:
    if isinstance(current, Mapping):
        return (part in current), current.get(part)
    if isinstance(current, list) and isinstance(part, int) and 0 <= part < len(current):
        return True, current[part]
    return False, None


def _data_loc(data: Any, loc: tuple[int | str, ...]) -> tuple[int | str, ...]:
    """Keep only the parts of pydantic's location that exist in the data (drops union tags)."""
    kept: list[int | str] = []
    current = data
    for part in loc:
        found, child = _child(current, part)
        if not found:
            if isinstance(current, Mapping) and isinstance(part, str):
                kept.append(part)  # a missing or unknown field: name it; the line is its parent's
            break
        kept.append(part)
        current = child
    return tuple(kept)


def _message(error: ErrorDetails, loc: tuple[int | str, ...]) -> str:
    kind = error["type"]
    msg = plain_message(error)
    if kind == "missing":
        name = loc[-1] if loc else "field"
        return f"required field is missing — add `{name}:`"
    if kind == "extra_forbidden":
        name = str(loc[-1]) if loc else "?"
        close = difflib.get_close_matches(name, _FIELD_NAMES, n=1)
        hint = f"did you mean '{close[0]}'?" if close else f"remove it ({_DOCS_HINT})"
        return f"unknown field '{name}' — {hint}"
    if kind in ("float_parsing", "int_parsing", "float_type", "int_type", "int_from_float"):
        return f"expected a number, got {error.get('input')!r} — write e.g. 30 or 0.5"
    if kind == "literal_error":
        return f"{msg} (got {error.get('input')!r})"
    if " — " in msg:
        return msg
    return f"{msg} — {_DOCS_HINT}"


def parse_rules(text: str, *, source: str = "rules.yaml") -> RuleSet:
    """Validate and compile a rules file from its text.

    Args:
        text: the YAML text.
        source: the name used in error messages (usually the path).

    Returns:
        The compiled rule set.

    Raises:
        ConfigError: one line per problem, e.g. "config/rules.yaml:42
            fit.groups[1].criteria[0].op: unknown operator 'equal' — use one of eq, ne, in, …";
            several problems come after a one-line header, each on its own line.
    """
    hint = "check indentation (spaces, not tabs) and quote values containing ':' or '#'"
    data, root = load_yaml(text, source=source, hint=hint)
    if data is None:
        raise ConfigError(f"{source}: the rules file is empty — start from config/rules.yaml")
    return _compile(data, source=source, root=root)


def rules_from_mapping(data: Mapping[str, Any], *, source: str = "rules") -> RuleSet:
    """Validate and compile rules given as a Python mapping (the rules file's structure).

    For tools that build or change rules in code (backtests, fitted candidates): the same
    validation and the same compiled rule set as the file would give, and the same version
    for the same content.

    Raises:
        ConfigError: one line per problem naming the field, what is wrong and a fix.
    """
    return _compile(data, source=source, root=None)


def _compile(data: object, *, source: str, root: yaml.Node | None) -> RuleSet:
    if not isinstance(data, Mapping):
        raise ConfigError(
            f"{where(source, root, ())} the rules must be a mapping of sections (grades:, "
            "fit:, …) — start from config/rules.yaml"
        )
    try:
        spec = schema.RulesFile.model_validate(data)
    except ValidationError as exc:
        lines: dict[str, None] = {}  # in file order, each once
        for error in exc.errors():
            loc = _data_loc(data, tuple(error["loc"]))
            lines[f"{where(source, root, loc)} {field_path(loc)}: {_message(error, loc)}"] = None
        raise ConfigError(problem_lines(source, list(lines))) from None
    return compile_rules(spec, source=source)

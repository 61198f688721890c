"""Where in a YAML file a problem is, and how it reads: shared by the rules and SLA files.

Both files are validated by pydantic, whose errors name a path of keys and list indexes
(`sdr_pool.members[1].weight`). An admin needs the line too, so the text is also composed into
YAML nodes and the path is followed through them; and pydantic's wording is put in the
product's own ("must be at most 1").
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import yaml
from pydantic_core import ErrorDetails

from connector.errors import ConfigError

Loc = Sequence[int | str]


def load_yaml(text: str, *, source: str, hint: str) -> tuple[Any, yaml.Node | None]:
    """The data in `text` and its node tree (for `line_of`).

    Raises:
        ConfigError: the text is not YAML; one line with the file, line, problem and `hint`.
    """
    try:
        return yaml.safe_load(text), yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        where = f"{source}:{mark.line + 1}" if mark is not None else source
        problem = " ".join(str(getattr(exc, "problem", None) or "cannot be parsed").split())
        raise ConfigError(f"{where}: invalid YAML: {problem} — {hint}") from None


def line_of(root: yaml.Node | None, loc: Loc) -> int | None:
    """The 1-based line of the deepest part of `loc` present in the file.

    A key's own line is given (not its value's, which may start on the next one). Parts that are
    not in the file (a missing field, a union member's tag) stop the walk at their parent.
    """
    if root is None:
        return None
    node = root
    line: int = root.start_mark.line + 1
    for part in loc:
        found: yaml.Node | None = None
        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                if str(key_node.value) == str(part):
                    found = value_node
                    line = key_node.start_mark.line + 1
                    break
        elif (
            isinstance(node, yaml.SequenceNode)
            and isinstance(part, int)
            and 0 <= part < len(node.value)
        ):
            found = node.value[part]
            line = found.start_mark.line + 1
        if found is None:
            break
        node = found
    return line


def field_path(loc: Loc) -> str:
    """`('sdr_pool', 'members', 1, 'weight')` → `sdr_pool.members[1].weight`."""
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(top level)"


def where(source: str, root: yaml.Node | None, loc: Loc) -> str:
    """`file:line` for a problem at `loc`, or just `file` when the line is unknown."""
    line = line_of(root, loc)
    return source if line is None else f"{source}:{line}"


def _number(value: object) -> str:
    return (
        f"{value:g}"
        if isinstance(value, int | float) and not isinstance(value, bool)
        else str(value)
    )


def _items(count: object, noun: str) -> str:
    return f"{count} {noun}" + ("" if count == 1 else "s")


#: Pydantic's wording → the product's, by error type (the context carries the bound).
_PLAIN: dict[str, Callable[[Mapping[str, Any]], str]] = {
    "less_than_equal": lambda c: f"must be at most {_number(c.get('le'))}",
    "less_than": lambda c: f"must be below {_number(c.get('lt'))}",
    "greater_than_equal": lambda c: f"must be at least {_number(c.get('ge'))}",
    "greater_than": lambda c: f"must be above {_number(c.get('gt'))}",
    "string_too_short": lambda c: (
        "must not be empty"
        if c.get("min_length") == 1
        else f"must be at least {_items(c.get('min_length'), 'character')} long"
    ),
    "string_too_long": lambda c: f"must be at most {_items(c.get('max_length'), 'character')} long",
    "too_short": lambda c: f"needs at least {_items(c.get('min_length'), 'item')}",
    "too_long": lambda c: f"takes at most {_items(c.get('max_length'), 'item')}",
    "string_type": lambda c: "must be text (quote it)",
    "bool_type": lambda c: "must be true or false",
    "bool_parsing": lambda c: "must be true or false",
    "dict_type": lambda c: "must be a mapping of `key: value` lines",
    "model_type": lambda c: "must be a mapping of `key: value` lines",
    "model_attributes_type": lambda c: "must be a mapping of `key: value` lines",
    "list_type": lambda c: "must be a list, e.g. [a, b]",
    "tuple_type": lambda c: "must be a list, e.g. [a, b]",
    "missing": lambda c: "required field is missing",
    "extra_forbidden": lambda c: "unknown field",
}


def plain_message(error: ErrorDetails) -> str:
    """Pydantic's message for `error` in the product's words ("must be at most 1").

    Types without a translation keep pydantic's text with "Input should be" turned into
    "must be", so no admin reads pydantic's phrasing.
    """
    kind = error["type"]
    translate = _PLAIN.get(kind)
    if translate is not None:
        return translate(error.get("ctx") or {})
    msg = str(error["msg"]).removeprefix("Value error, ")
    for pydantic_words, ours in (("Input should be", "must be"), ("Input should", "must")):
        if msg.startswith(pydantic_words):
            return ours + msg[len(pydantic_words) :]
    return msg


def problem_lines(source: str, lines: Sequence[str]) -> str:
    """One problem as one line; several as a one-line header and one indented line each."""
    if len(lines) == 1:
        return lines[0]
    header = f"{source}: {len(lines)} problems, fix each of them:"
    return "\n".join([header, *(f"  {line}" for line in lines)])

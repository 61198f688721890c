"""Pure scoring and policy: no I/O, no clock (`now` is always an argument).

The rules engine reads a rules file (`load_rules` / `parse_rules`), compiles it once into a
`RuleSet`, and turns one contact's HubSpot properties into a `Decision` with `evaluate`.
See docs/rules.md for the file format.
"""

from connector.rules.engine import evaluate
from connector.rules.loader import load_rules
from connector.rules.model import (
    BantDimensionResult,
    BantResult,
    Decision,
    LeadInput,
    PriorState,
    Reason,
    SlaTier,
)
from connector.rules.parse import parse_rules
from connector.rules.ruleset import RuleSet

__all__ = [
    "BantDimensionResult",
    "BantResult",
    "Decision",
    "LeadInput",
    "PriorState",
    "Reason",
    "RuleSet",
    "SlaTier",
    "evaluate",
    "load_rules",
    "parse_rules",
]

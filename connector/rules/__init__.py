"""Pure scoring and policy: no I/O, no clock (`now` is always an argument).

The rules engine reads a rules file (`load_rules`, `parse_rules`, or `rules_from_mapping` for
rules built in code), compiles it once into a `RuleSet`, and turns one contact's HubSpot
properties into a `Decision` with `evaluate` (or many, for a backtest, with `evaluate_many`).
See docs/rules.md for the file format and for where each part of the engine lives.
"""

from connector.rules.engine import evaluate, evaluate_many
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
from connector.rules.parse import parse_rules, rules_from_mapping
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
    "evaluate_many",
    "load_rules",
    "parse_rules",
    "rules_from_mapping",
]

"""Routes: method + path template -> handler, required scopes and rate-limit bucket."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from connector.sandbox.faults import NO_FAULT, Fault

if TYPE_CHECKING:
    from connector.sandbox.portal import Portal


@dataclass(slots=True)
class Request:
    """One parsed HTTP request as a handler sees it."""

    method: str
    path: str
    params: dict[str, str]
    query: dict[str, list[str]]
    body: Any
    raw_length: int = 0
    fault: Fault = NO_FAULT

    def query_one(self, name: str, default: str | None = None) -> str | None:
        values = self.query.get(name)
        return values[0] if values else default

    def query_list(self, name: str) -> list[str]:
        """Repeated (`?p=a&p=b`, as the SDK sends) or comma-separated values."""
        out: list[str] = []
        for value in self.query.get(name, []):
            out.extend(v for v in value.split(",") if v)
        return out


@dataclass(slots=True)
class Reply:
    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)


Handler = Callable[["Portal", Request], Reply]
# Groups of scopes: the caller needs at least one scope of every group.
ScopeRule = Callable[[Mapping[str, str]], Sequence[Sequence[str]]]


@dataclass(frozen=True, slots=True)
class Route:
    method: str
    template: str
    handler: Handler
    scopes: ScopeRule
    search: bool = False
    pattern: re.Pattern[str] = field(init=False)

    def __post_init__(self) -> None:
        regex = re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", self.template.rstrip("/"))
        object.__setattr__(self, "pattern", re.compile(f"^{regex}/?$"))


class Router:
    def __init__(self, routes: Sequence[Route]) -> None:
        self._routes = list(routes)

    def match(self, method: str, path: str) -> tuple[Route, dict[str, str]] | None:
        """The route for a request and its path parameters; None when nothing matches."""
        for route in self._routes:
            if route.method != method:
                continue
            found = route.pattern.match(path)
            if found:
                return route, found.groupdict()
        return None

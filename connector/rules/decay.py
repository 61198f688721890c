"""How a signal's credit fades with age: one function per decay shape.

Each shape gives a signal's credit and its slope (points per second, ≤ 0) at one age, from
the signal's undecayed credit and the shape's duration. Scoring sums the credits; `rescore.py`
follows the slopes to find when the sum crosses a bar. Both call these functions and nothing
else, so a shape is defined in exactly one place.

The rescore solver relies on three properties of every shape: credit never grows with age
(engagement points are non-increasing in time), it is continuous while positive, and it is
convex in age (so a Newton step from before the crossing never overshoots it; a shape that
breaks this only makes the solver fall back to halving its bracket). A credit that reaches
exactly zero is over for good: the engine drops it.

To add a shape: write its function here, register it in `SHAPES`, and give `DecaySpec` in
`schema.py` the field that names it (see docs/rules.md, "For developers").
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Final

_LN2: Final = math.log(2.0)
DAY_S: Final = 86_400.0

#: (undecayed credit, age in seconds ≥ 0, the shape's duration in seconds) → (credit, slope).
Shape = Callable[[float, float, float], tuple[float, float]]


def constant(base: float, age_s: float, duration_s: float) -> tuple[float, float]:
    """No decay: full credit for as long as the signal's date stays the latest."""
    return base, 0.0


def half_life(base: float, age_s: float, half_life_s: float) -> tuple[float, float]:
    """Exponential decay: the credit halves every `half_life_s`."""
    credit = base * 2.0 ** (-age_s / half_life_s)
    return credit, -(credit * _LN2 / half_life_s)


def lifespan(base: float, age_s: float, lifespan_s: float) -> tuple[float, float]:
    """Linear decay to zero at `lifespan_s`, then nothing for good."""
    if age_s >= lifespan_s:
        return 0.0, 0.0
    return base * (1.0 - age_s / lifespan_s), -(base / lifespan_s)


#: The rules file's decay field → its shape (`DecaySpec` allows exactly one field).
SHAPES: Final[dict[str, Shape]] = {
    "half_life_days": half_life,
    "lifespan_days": lifespan,
}

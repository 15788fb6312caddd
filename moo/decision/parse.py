"""Reading a decision maker's objective expressions: aspiration levels and bounds.

Objective names are those of `moo.problems.objectives.OBJECTIVES`; values are in the
objectives' physical units (cost in the scenario's currency, variance in kW², peak-to-valley
in kW). Anything else is an `InputError` naming the offending text.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from models.errors import InputError
from moo.problems.objectives import OBJECTIVES

_BOUND = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(<=|>=)\s*(\S+)\s*$")


def objective_index(name: str, where: str) -> int:
    """Column of objective ``name`` in `OBJECTIVES`; an `InputError` naming it otherwise."""
    try:
        return OBJECTIVES.index(name)
    except ValueError:
        raise InputError(
            f"{where}: unknown objective {name!r} (use {', '.join(OBJECTIVES)})"
        ) from None


def _number(text: str, where: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise InputError(f"{where}: {text!r} is not a number") from None
    if not math.isfinite(value):
        raise InputError(f"{where}: {text!r} is not a finite number")
    return value


def parse_aspirations(text: str) -> dict[str, float]:
    """``"cost=1250,peak_valley=300"`` -> ``{"cost": 1250.0, "peak_valley": 300.0}``."""
    where = f"--reference-point {text!r}"
    levels: dict[str, float] = {}
    for part in text.split(","):
        name, sep, value = part.partition("=")
        name = name.strip()
        if not sep or not name or not value.strip():
            raise InputError(f"{where}: {part.strip()!r} is not NAME=VALUE")
        objective_index(name, where)
        if name in levels:
            raise InputError(f"{where}: {name} given twice")
        levels[name] = _number(value.strip(), where)
    return levels


@dataclass(frozen=True)
class Bound:
    """One constraint ``objective <= value`` or ``objective >= value`` in physical units."""

    objective: str
    op: str  # "<=" or ">="
    value: float

    @property
    def index(self) -> int:
        return OBJECTIVES.index(self.objective)

    def violation(self, values):
        """How far values of the objective miss the bound (0 where it holds), same unit."""
        excess = values - self.value if self.op == "<=" else self.value - values
        return excess.clip(min=0.0)

    def __str__(self) -> str:
        return f"{self.objective}{self.op}{self.value:g}"


def parse_bound(text: str) -> Bound:
    """``"peak_valley<=300"`` -> ``Bound("peak_valley", "<=", 300.0)``."""
    where = f"--where {text!r}"
    match = _BOUND.match(text)
    if match is None:
        raise InputError(f"{where}: not OBJECTIVE<=VALUE or OBJECTIVE>=VALUE")
    name, op, value = match.groups()
    objective_index(name, where)
    return Bound(name, op, _number(value, where))

"""Solvers fit for the size: the rest of a day (`moo.operate.rest`), the hindsight optimum,
and a normalisation when no front gives one.

- **exact**: the §10 QP (`moo.exact.front.ExactModel`, Clarabel, convex-concave rounds when
  a battery would charge and discharge in one slot), for at most `EXACT_MAX_SLOTS` plugged
  vehicle-slots (about 100 vehicles of 15-minute slots over the rest of a working day);
- **bound**: above that, the §10.1 aggregate relaxation (`moo.exact.bound.BoundModel`), whose
  optimal fleet power per slot is rounded into per-vehicle powers by the dispatcher (one
  cluster; the same numba kernel as the aggregate encoding and the recourse), so the result
  is a feasible schedule and the relaxation's value a lower bound beside it.

Every Clarabel solve is capped at ``time_cap_s`` (Clarabel's own ``time_limit``); a solve
that hits it, or fails, returns None and the caller falls back (`moo.operate.replay`).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np

from models.errors import InputError
from models.scenario import Scenario
from models.uncertainty import nominal
from moo.exact.bound import DEFAULT_GROUPS, BoundModel
from moo.exact.front import ExactModel, _Problem, _settings
from moo.operate.rest import RestOfDay
from moo.uncertainty.plan import Plans
from moo.uncertainty.recourse import realised_schedules
from moo.util.normalization import Normalization

EXACT_MAX_SLOTS = 5_000  # plugged vehicle-slots up to which the exact QP is used
DEFAULT_TIME_CAP_S = 30.0  # per Clarabel solve; the fallback takes over beyond it
SOLVERS = ("exact", "bound")


@dataclass(frozen=True, eq=False)
class Solved:
    """A schedule of a scenario's vehicles (and its BESS) and how it was found."""

    ev_power: np.ndarray  # [N, T] kW
    bess_power: np.ndarray | None  # [T] kW (None: the scenario has no BESS)
    solver: str  # "exact" | "bound"
    solve_time_s: float
    bound: float  # the relaxation's value of sum_k coef_k F_k (a lower bound); NaN if exact


def solver_for(plugged_slots: int, exact_max_slots: int = EXACT_MAX_SLOTS) -> str:
    """The solver a problem of ``plugged_slots`` vehicle-slots gets."""
    return "exact" if plugged_slots <= exact_max_slots else "bound"


def _capped(problem: _Problem, coef: np.ndarray, time_cap_s: float) -> None:
    """Create the problem's solver with Clarabel's time limit set."""
    problem.set_objective(coef)
    settings = _settings()
    settings.time_limit = float(time_cap_s)
    problem.solver.update(settings=settings)


def solve_scenario(
    scenario: Scenario,
    coef: np.ndarray,
    solver: str,
    *,
    time_cap_s: float = DEFAULT_TIME_CAP_S,
    storage=None,
    groups: int = DEFAULT_GROUPS,
) -> Solved | None:
    """Minimise ``sum_k coef_k F_k`` over the scenario's schedules with ``solver``; None when
    the solver fails or hits the time cap. ``storage``: the exact QP's units (`RestOfDay`)."""
    t0 = time.perf_counter()
    coef = np.asarray(coef, float)
    try:
        if solver == "exact":
            model = ExactModel(scenario, storage)
            model._base = _Problem(model, model.A.copy(), model.b, model._cones())
            _capped(model._base, coef, time_cap_s)
            sol = model.solve(coef)
            if not sol.feasible:
                return None
            return Solved(sol.ev_power, sol.bess_power, "exact", time.perf_counter() - t0,
                          math.nan)
        bm = BoundModel(scenario, groups)
        _capped(bm._base, coef, time_cap_s)
        value, _ = bm.minimise(coef)
        fleet_kw, bess_kw = bm.profiles(bm.last_x)
    except (InputError, RuntimeError):
        return None
    ev, bess = dispatch_profile(scenario, fleet_kw, bess_kw)
    return Solved(ev, bess, "bound", time.perf_counter() - t0, value)


def dispatch_profile(scenario: Scenario, fleet_kw: np.ndarray, bess_kw: np.ndarray):
    """Per-vehicle powers [N, T] (and BESS [T] or None) of a fleet power [T] and a BESS
    request [T], by the dispatcher with one cluster on the scenario's own stays."""
    t_n = scenario.slots
    plans = Plans(fleet_kw[None, None, :], bess_kw[None, :], np.zeros((1, t_n)), np.zeros(1))
    ev, bess, _ = realised_schedules(plans, nominal(scenario))
    return ev[0], None if bess is None else bess[0]


def solve_rest(rest: RestOfDay, coef, solver: str, *, time_cap_s: float = DEFAULT_TIME_CAP_S,
               groups: int = DEFAULT_GROUPS) -> Solved | None:
    """The rest of the day (`RestOfDay`) for ``sum_k coef_k F_k``; None on failure."""
    if rest.scenario.fleet.n == 0:
        t_n = rest.scenario.slots
        return Solved(np.zeros((0, t_n)), None, "none", 0.0, math.nan)
    storage = rest.storage() if solver == "exact" else None
    return solve_scenario(rest.scenario, coef, solver, time_cap_s=time_cap_s, storage=storage,
                          groups=groups)


def payoff_normalization(scenario: Scenario, exact_max_slots: int = EXACT_MAX_SLOTS,
                         groups: int = DEFAULT_GROUPS) -> Normalization:
    """A normalisation from the day's payoff table: ideal = each objective's minimum alone,
    nadir = the worst value of each objective over those three optima (exact QP where it
    fits, else the relaxation's optima: a scale, not a bound)."""
    if solver_for(scenario.fleet.plugged_slots(), exact_max_slots) == "exact":
        model = ExactModel(scenario)
        rows = [model.solve(np.eye(3)[k]) for k in range(3)]
        if not all(r.feasible for r in rows):
            raise InputError(f"{scenario.name}: the payoff table has no feasible anchor")
        payoff = np.array([r.objectives for r in rows])
    else:
        bm = BoundModel(scenario, groups)
        payoff = np.array([bm.minimise(np.eye(3)[k])[1] for k in range(3)])
    ideal = np.diag(payoff).copy()
    return Normalization(np.minimum(ideal, payoff.min(axis=0)), payoff.max(axis=0))


"""Replay one day slot by slot under a policy (docs/model.md §13).

The day is a `models.uncertainty.Realisation`: the vehicles that come, each known from its
arrival slot with its *stated* departure and requested energy, each leaving at its *actual*
departure with whatever energy it has. Every policy ends in one applied schedule of the
whole day, which `jobs.replay_record` checks against the actual sessions
(`Realisation.checked_scenario`, the §12.3 convention: a car leaving before its stated
departure is unmet energy, never a violation) before anything is written.

- ``plan``: a day-ahead plan (`moo.uncertainty.plan.Plans`, one row) followed through the
  dispatcher's recourse (`moo.uncertainty.recourse.realised_schedules`), unchanged.
- ``mpc``: every ``replan_every`` slots the rest of the day is re-optimised for the mode's
  weights (`moo.operate.rest`, `moo.operate.solve`) with what is known then, and the next
  ``replan_every`` slots are applied. The plan is applied through the same dispatcher, with
  one cluster per vehicle: a planned vehicle gets its planned power (it lies within its
  bounds), a vehicle that arrived since the last re-plan gets only its must-charge power,
  and the BESS keeps its cyclic floor — so the applied schedule is feasible whatever the
  solver returned. A re-plan that fails or hits the time cap falls back to the previous
  plan's remaining request (before the first plan: must-charge only), which the dispatcher
  makes feasible the same way.
- ``perfect``: the hindsight optimum for the same weights on the actual day, held to the
  same delivery floor as the other policies (the checked targets), so it bounds them
  (``hindsight="floor"``, default); knowing who leaves early it may leave such a car at that
  floor. ``hindsight="reachable"`` holds every car to the target its actual stay can reach
  instead (no unmet energy; not a bound on policies that leave cars short). The exact QP
  where it fits, else the §10.1 relaxation (its value is the bound; its rounding by the
  dispatcher is the schedule written).

``on_step(slot, vehicles, power_kw, end_slot)`` is called with what the operator would send
(`moo.operate.ocpp`): each vehicle's power from ``slot`` until ``end_slot`` [M] ([M, T]
kW). Under ``mpc`` at every re-plan for the vehicles present (the applied slots, then the
plan to the stated departure), and at plug-in for a car that arrives between two re-plans
(the power the dispatcher gives it until the next re-plan: its must-charge power, zero
unless its stay needs it); under ``plan`` every ``replan_every`` slots for the next ones;
under ``perfect`` once per car at plug-in for its whole stay (hindsight has nothing to
re-plan).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from models.errors import InputError, NoSolutionError
from models.fleet import Fleet
from models.scenario import Scenario
from models.uncertainty import IMBALANCE_DEFAULT, Realisation, imbalance_cost
from moo.exact.bound import DEFAULT_GROUPS
from moo.exact.wait_and_see import without_import_limit
from moo.operate.rest import present, rest_of_day
from moo.operate.solve import (
    DEFAULT_TIME_CAP_S,
    EXACT_MAX_SLOTS,
    solve_rest,
    solve_scenario,
    solver_for,
)
from moo.problems.feasibility import energy_trajectory
from moo.problems.objectives import OBJECTIVES, evaluate
from moo.uncertainty.plan import Plans, plans_from_schedules
from moo.uncertainty.recourse import _unmet, realised_schedules
from moo.util.normalization import Normalization

POLICIES = ("plan", "mpc", "perfect")
ARRIVALS = ("nominal", "none")  # expected arrivals in a re-plan: the forecast day's, or none
# What `perfect` must deliver: the policies' floor (§12.3's checked targets: a bound on every
# policy), or every car's target reachable over its actual stay (unmet energy 0).
HINDSIGHT = ("floor", "reachable")
STEP_COLUMNS = ("slot", "known_vehicles", "present_vehicles", "planned_vehicles",
                "plugged_slots", "solver", "fallback", "solve_time_s", "moved_kwh")
# Columns front.csv gets after the §5 ones (units: kWh, currency, vehicles, normalised).
REPLAY_COLUMNS = ("unmet_kwh", "unmet_request_kwh", "unmet_vehicles", "imbalance_kwh",
                  "imbalance_cost", "total_cost", "weighted")

StepSink = Callable[[int, np.ndarray, np.ndarray, np.ndarray], None]


@dataclass(frozen=True, eq=False)
class Weighted:
    """The mode's weights [3] over (cost, variance, peak_valley) in one normalisation: what
    `mpc` and `perfect` minimise and every policy is judged by."""

    weights: np.ndarray
    normalization: Normalization

    def __post_init__(self):
        w = np.asarray(self.weights, float)
        if w.shape != (3,) or not np.isfinite(w).all() or (w < 0).any() or w.sum() <= 0:
            raise InputError(f"weights must be 3 numbers >= 0, not all 0, got {w.tolist()}")
        object.__setattr__(self, "weights", w / w.sum())

    @property
    def coef(self) -> np.ndarray:  # [3] per raw unit of each objective
        return self.normalization.coefficients(self.weights)

    def score(self, objectives) -> float:
        """``sum_k w_k F̃_k`` of one objective vector [3]."""
        z = self.normalization.scalarized(np.asarray(objectives, float), self.weights)
        return float(z[0, 0])


@dataclass(frozen=True)
class ReplayOptions:
    """How `mpc` re-plans (and how often the other policies log and send set-points)."""

    replan_every: int = 4  # slots between re-plans (one hour of 15-minute slots)
    arrivals: str = "nominal"
    time_cap_s: float = DEFAULT_TIME_CAP_S
    exact_max_slots: int = EXACT_MAX_SLOTS
    groups: int = DEFAULT_GROUPS
    hindsight: str = "floor"

    def __post_init__(self):
        if isinstance(self.replan_every, bool) or not isinstance(self.replan_every, int) or (
                self.replan_every < 1):
            raise InputError(f"--replan-every must be an integer >= 1, got {self.replan_every!r}")
        if self.arrivals not in ARRIVALS:
            raise InputError(f"--arrivals {self.arrivals}: use {' or '.join(ARRIVALS)}")
        if self.hindsight not in HINDSIGHT:
            raise InputError(f"--hindsight {self.hindsight}: use {' or '.join(HINDSIGHT)}")
        if not self.time_cap_s > 0:
            raise InputError(f"--step-time-cap must be > 0 seconds, got {self.time_cap_s}")


@dataclass(frozen=True, eq=False)
class Replay:
    """One realised day under one policy: the applied schedule, its measures, the steps."""

    policy: str
    realisation: Realisation
    ev_power: np.ndarray  # [N, T] kW, applied
    bess_power: np.ndarray | None  # [T] kW, applied
    measures: dict  # the §5 columns, REPLAY_COLUMNS (imbalance NaN without a plan)
    steps: pd.DataFrame  # STEP_COLUMNS, one row per step
    solver: str  # "recourse", "exact", "bound", or "exact+bound" (mpc used both)
    bound: float  # perfect with the relaxation: its weighted value (a lower bound); else NaN
    wall_time_s: float


def measures(realisation: Realisation, ev: np.ndarray, bess: np.ndarray | None,
             weighted: Weighted, plan_net_kw: np.ndarray | None) -> dict:
    """Realised measures of an applied day: the §5 columns on the actual sessions
    (satisfaction against the requested targets), unmet energy (§12.3), imbalance against the
    day-ahead plan's net import (NaN without one) and the mode's weighted objective."""
    sc = realisation.scenario
    row = evaluate(sc, ev[None], None if bess is None else bess[None]).iloc[0].to_dict()
    unmet = _unmet(realisation, ev[None])[0]
    out = {k: float(v) for k, v in row.items()}
    out.update(unmet_kwh=unmet[0], unmet_request_kwh=unmet[1], unmet_vehicles=unmet[2])
    if plan_net_kw is None:
        out.update(imbalance_kwh=math.nan, imbalance_cost=math.nan, total_cost=math.nan)
    else:
        net = sc.grid.net_base_kw + ev.sum(axis=0) + (0.0 if bess is None else bess)
        delta = net - plan_net_kw
        unc = sc.uncertainty
        rule = IMBALANCE_DEFAULT if unc is None else unc.imbalance
        cost = float(imbalance_cost(delta, sc.grid.price_buy, sc.dt_h, rule))
        out.update(imbalance_kwh=float(sc.dt_h * np.abs(delta).sum()), imbalance_cost=cost,
                   total_cost=out["cost"] + cost)
    out["weighted"] = weighted.score([out[k] for k in OBJECTIVES])
    return out


def replay(
    policy: str,
    realisation: Realisation,
    weighted: Weighted,
    *,
    plan: Plans | None = None,
    forecast: Scenario | None = None,
    options: ReplayOptions = ReplayOptions(),
    on_step: StepSink | None = None,
) -> Replay:
    """Play ``realisation`` under ``policy``. ``plan``: the day-ahead plan (one row; needed
    by ``plan``, and its net import is the imbalance reference of every policy);
    ``forecast``: the day as planned (load, PV, BESS, expected arrivals; default the
    realised day itself, i.e. perfect forecasts of load and PV)."""
    if policy not in POLICIES:
        raise InputError(f"--policy {policy}: use one of {', '.join(POLICIES)}")
    if plan is not None and plan.n != 1:
        raise InputError(f"a replay follows one plan, got {plan.n}")
    if policy == "plan" and plan is None:
        raise InputError("--policy plan needs a day-ahead plan: give --front RUN")
    t_start = time.perf_counter()
    forecast = realisation.scenario if forecast is None else forecast
    sink = on_step or (lambda *a: None)
    bound = math.nan
    if policy == "plan":
        ev, bess, steps = _follow(realisation, plan, options.replan_every, sink)
        solver = "recourse"
    elif policy == "perfect":
        ev, bess, steps, solver, bound = _perfect(realisation, weighted, options, sink)
    else:
        ev, bess, steps = _mpc(realisation, forecast, weighted, options, sink)
        used = sorted({row["solver"] for row in steps if row["solver"] in ("exact", "bound")})
        solver = "+".join(used) or "fallback"
    plan_net = None if plan is None else plan.net_kw[0]
    return Replay(policy, realisation, ev, bess, measures(realisation, ev, bess, weighted,
                                                          plan_net),
                  pd.DataFrame(steps, columns=list(STEP_COLUMNS)), solver, bound,
                  time.perf_counter() - t_start)


def _step_row(slot, realisation, present_ids, planned, plugged, solver, fallback, seconds,
              moved) -> dict:
    f = realisation.scenario.fleet
    return dict(slot=slot, known_vehicles=int((f.arrival_slot <= slot).sum()),
                present_vehicles=len(present_ids), planned_vehicles=planned,
                plugged_slots=plugged, solver=solver, fallback=fallback,
                solve_time_s=seconds, moved_kwh=moved)


def _follow(realisation: Realisation, plan: Plans, k: int, sink: StepSink):
    """The day-ahead plan through the recourse; set-points sent every ``k`` slots for the
    next ``k`` slots (the site controller dispatches slot by slot)."""
    t0 = time.perf_counter()
    ev, bess, _ = realised_schedules(plan, realisation)
    seconds = time.perf_counter() - t0
    ev, bess = ev[0], None if bess is None else bess[0]
    rows = []
    for slot in range(0, realisation.scenario.slots, k):
        ids = np.flatnonzero(present(realisation, slot))
        end = np.minimum(slot + k, realisation.window_end[ids])
        sink(slot, ids, ev[ids], end)
        rows.append(_step_row(slot, realisation, ids, 0, 0, "recourse", "",
                              seconds if slot == 0 else 0.0, 0.0))
    return ev, bess, rows


def _perfect(realisation: Realisation, weighted: Weighted, options: ReplayOptions,
             sink: StepSink):
    if options.hindsight == "floor":
        checked = realisation.checked_scenario()
    else:  # the actual sessions: each car's target reachable over its actual stay
        checked = realisation.scenario
    plugged = checked.fleet.plugged_slots()
    solver = solver_for(plugged, options.exact_max_slots)
    solved = solve_scenario(checked, weighted.coef, solver, time_cap_s=math.inf,
                            groups=options.groups)
    if solved is None and checked.grid.import_limit_kw is not None:
        # No schedule holds the limit (must-charge alone exceeds it): solved without it, as
        # wait-and-see does and as every policy's schedule is then checked.
        solved = solve_scenario(without_import_limit(checked), weighted.coef, solver,
                                time_cap_s=math.inf, groups=options.groups)
    if solved is None:
        raise NoSolutionError(f"perfect: the {solver} hindsight problem of the day found no "
                              "feasible schedule: nothing was written")
    bound = math.nan
    if solved.solver == "bound":
        bound = _normalised_value(weighted, solved.bound)
    f = checked.fleet
    for a in np.unique(f.arrival_slot):  # hindsight: each car's whole stay, sent at plug-in
        ids = np.flatnonzero(f.arrival_slot == a)
        sink(int(a), ids, solved.ev_power[ids], f.departure_slot[ids])
    rows = []
    for slot in range(0, checked.slots, options.replan_every):
        ids = np.flatnonzero((f.arrival_slot <= slot) & (slot < f.departure_slot))
        rows.append(_step_row(slot, realisation, ids, len(ids), plugged, solved.solver, "",
                              solved.solve_time_s if slot == 0 else 0.0, 0.0))
    return solved.ev_power, solved.bess_power, rows, solved.solver, bound


def _normalised_value(weighted: Weighted, value: float) -> float:
    """``sum_k coef_k F_k`` (the QP's objective) as the normalised score ``sum_k w_k F̃_k``."""
    n = weighted.normalization
    return float(value - weighted.coef @ np.where(n.varies, n.ideal, 0.0))


def _energy(e0: np.ndarray, power: np.ndarray, eta_c, eta_d, dt: float) -> np.ndarray:
    return energy_trajectory(e0, power, eta_c, eta_d, dt)[..., -1]


def _mpc(realisation: Realisation, forecast: Scenario, weighted: Weighted,
         options: ReplayOptions, sink: StepSink):
    day = realisation.scenario
    f, t_n, dt, b = day.fleet, day.slots, day.dt_h, day.bess
    n, k = f.n, options.replan_every
    planning = realisation.planning_scenario()
    expected: Fleet | None = forecast.fleet if options.arrivals == "nominal" else None
    applied, intended = np.zeros((n, t_n)), np.zeros((n, t_n))  # [N, T] kW
    applied_b, intended_b = np.zeros(t_n), np.zeros(t_n)  # [T] kW
    planned_before = np.zeros(n, bool)
    e0 = f.soc_init * f.capacity_kwh
    rows = []
    for t0 in range(0, t_n, k):
        t1 = min(t_n, t0 + k)
        energy = _energy(e0, applied[:, :t0], f.eta_charge, f.eta_discharge, dt)
        bess_kwh = 0.0 if b is None else float(_energy(
            np.array(b.soc_init * b.capacity_kwh), applied_b[:t0], np.array(b.eta_charge),
            np.array(b.eta_discharge), dt))
        past_net = day.grid.net_base_kw[:t0] + applied[:, :t0].sum(axis=0) + applied_b[:t0]
        rest = rest_of_day(realisation, forecast, t0, energy, bess_kwh, past_net, expected)
        plugged = rest.plugged_slots()
        solver = solver_for(plugged, options.exact_max_slots)
        tic = time.perf_counter()
        solved = solve_rest(rest, weighted.coef, solver, time_cap_s=options.time_cap_s,
                            groups=options.groups)
        seconds = time.perf_counter() - tic
        new, new_b = np.zeros((n, t_n)), np.zeros(t_n)
        ids = rest.vehicles
        if solved is not None:
            new[ids, t0:] = solved.ev_power[:len(ids), t0:]
            if rest.has_bess:
                new_b[t0:] = solved.ev_power[rest.bess_row, t0:]
            fallback, solver = "", solved.solver
        else:
            new[:, t0:], new_b[t0:] = intended[:, t0:], intended_b[t0:]
            fallback = "previous plan" if t0 else "must-charge only"
        both = np.zeros(n, bool)
        both[ids] = planned_before[ids]
        moved = dt * (np.abs(new[both, t0:] - intended[both, t0:]).sum()
                      + np.abs(new_b[t0:] - intended_b[t0:]).sum()) if t0 else 0.0
        request, request_b = applied.copy(), applied_b.copy()
        request[:, t0:], request_b[t0:] = new[:, t0:], new_b[t0:]
        plans = plans_from_schedules(planning, np.zeros((1, t_n)),
                                     None if b is None else request_b[None], request[None],
                                     clusters=max(n, 1))
        ev_r, b_r, _ = realised_schedules(plans, realisation)
        applied[:, t0:t1] = ev_r[0][:, t0:t1]
        if b is not None:
            applied_b[t0:t1] = b_r[0][t0:t1]
        sent = new[ids].copy()
        sent[:, t0:t1] = applied[ids, t0:t1]
        sink(t0, ids, sent, realisation.stated_departure_slot[ids])
        for a in range(t0 + 1, t1):  # plugged in since the re-plan: must-charge until the next
            come = np.flatnonzero((f.arrival_slot == a) & (realisation.window_end > a))
            if come.size:
                sink(a, come, applied[come], np.minimum(t1, realisation.window_end[come]))
        intended, intended_b = new, new_b
        planned_before[ids] = True
        rows.append(_step_row(t0, realisation, ids, len(ids), plugged, solver, fallback,
                              seconds, float(moved)))
    return applied, (None if b is None else applied_b), rows

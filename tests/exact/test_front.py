"""Exact reference front (moo.exact.front) against independent formulations of the model.

The independent formulations write every vehicle's energy as a cumulative sum of its powers
(no state variables) and exclude simultaneous charge and discharge exactly: a MILP with one
binary per slot (scipy/HiGHS) for the linear objectives, and an enumeration of the charge /
discharge direction of every slot (an LP finds a feasible start or rules the pattern out)
with SLSQP for the variance.
"""

from __future__ import annotations

import itertools
from dataclasses import replace

import moocore
import numpy as np
import pytest
from scipy.optimize import Bounds, LinearConstraint, linprog, milp, minimize

from models.errors import InputError
from models.fleet import Fleet
from models.grid import Bess, Grid, TimeGrid
from models.scenario import Scenario
from moo.exact.front import ExactModel, divisions_for, exact_front, solve_weighted
from moo.problems import feasibility
from moo.problems.baselines import ordered, uncoordinated
from moo.problems.objectives import OBJECTIVES, evaluate
from moo.util.lattice import simplex_lattice


def tiny(seed: int, *, n=2, t=4, bess=True, v2g=True, limit=None, stay=None) -> Scenario:
    """A random small site: n vehicles, t slots, optional BESS, V2G and import limit."""
    rng = np.random.default_rng(seed)
    time = TimeGrid(t, 0.0)
    if stay is None:
        a = rng.integers(0, t - 1, n)
        d = np.array([rng.integers(ai + 1, t + 1) for ai in a])
    else:
        a, d = np.asarray(stay[0]), np.asarray(stay[1])
    fleet = Fleet(
        arrival_slot=a,
        departure_slot=d,
        capacity_kwh=rng.uniform(20, 60, n),
        p_charge_max_kw=rng.uniform(5, 11, n),
        p_discharge_max_kw=rng.uniform(3, 10, n) * v2g,
        eta_charge=np.full(n, 0.92),
        eta_discharge=np.full(n, 0.9),
        soc_init=rng.uniform(0.2, 0.9, n),
        soc_target=np.full(n, 0.8),
        soc_min=np.full(n, 0.2),
        soc_max=np.full(n, 0.9),
        slots_per_day=t,
    )
    buy = rng.uniform(0.1, 0.4, t)
    grid = Grid(
        time.slot_start_h,
        rng.uniform(10, 40, t),
        rng.uniform(0, 10, t),
        buy,
        buy * rng.uniform(0, 1, t),
        limit,
    )
    battery = Bess(30.0, 8.0, 8.0, 0.93, 0.93, 0.5, 0.1, 0.9) if bess else None
    return Scenario("tiny", time, grid, fleet, battery, 0.02, fleet_seed=seed)


# --- independent formulations --------------------------------------------------------------


def units(sc: Scenario):
    """(vehicle or BESS, slot) of every plugged slot and per-unit parameters; BESS last."""
    f, t_n = sc.fleet, sc.slots
    cap = list(f.capacity_kwh)
    params = [
        dict(
            pc=f.p_charge_max_kw[i],
            pd=f.p_discharge_max_kw[i],
            ec=f.eta_charge[i],
            ed=f.eta_discharge[i],
            e0=f.soc_init[i] * cap[i],
            lo=min(f.soc_min[i], f.soc_init[i]) * cap[i],
            hi=max(f.soc_max[i], f.soc_init[i]) * cap[i],
            final=max(min(f.soc_min[i], f.soc_init[i]), sc.effective_target()[i]) * cap[i],
            slots=list(range(f.arrival_slot[i], f.departure_slot[i])),
            ev=True,
        )
        for i in range(f.n)
    ]
    if sc.bess is not None:
        b = sc.bess
        params.append(
            dict(
                pc=b.p_charge_max_kw,
                pd=b.p_discharge_max_kw,
                ec=b.eta_charge,
                ed=b.eta_discharge,
                e0=b.soc_init * b.capacity_kwh,
                lo=b.soc_min * b.capacity_kwh,
                hi=b.soc_max * b.capacity_kwh,
                final=b.soc_init * b.capacity_kwh,
                slots=list(range(t_n)),
                ev=False,
            )
        )
    slots = [(k, t) for k, u in enumerate(params) for t in u["slots"]]
    return params, slots


def milp_optimum(sc: Scenario, w_cost: float, w_pv: float) -> float:
    """min w_cost*F1 + w_pv*F3 of the model as a MILP (binary direction per slot)."""
    params, slots = units(sc)
    g, dt, t_n = sc.grid, sc.dt_h, sc.slots
    j_n = len(slots)
    # x = [c (J), u (J), z (J), cost epigraph (T), M, m]
    n_x = 3 * j_n + t_n + 2
    c_, u_, z_ = np.arange(j_n), j_n + np.arange(j_n), 2 * j_n + np.arange(j_n)
    w_ = 3 * j_n + np.arange(t_n)
    peak, valley = n_x - 2, n_x - 1
    rows, lo, hi = [], [], []

    def add(coef: dict, low: float, high: float):
        row = np.zeros(n_x)
        for col, v in coef.items():
            row[col] += v
        rows.append(row)
        lo.append(low)
        hi.append(high)

    for k, u in enumerate(params):
        js = [j for j, (kk, _) in enumerate(slots) if kk == k]
        for n_done in range(1, len(js) + 1):
            coef = {}
            for j in js[:n_done]:
                coef[c_[j]] = dt * u["ec"]
                coef[u_[j]] = -dt / u["ed"]
            low = (u["final"] if n_done == len(js) else u["lo"]) - u["e0"]
            add(coef, low, u["hi"] - u["e0"])
        for j in js:
            add({c_[j]: 1.0, z_[j]: -u["pc"]}, -np.inf, 0.0)
            add({u_[j]: 1.0, z_[j]: u["pd"]}, -np.inf, u["pd"])
    for t in range(t_n):
        net = {c_[j]: 1.0 for j, (_, s) in enumerate(slots) if s == t}
        net.update({u_[j]: -1.0 for j, (_, s) in enumerate(slots) if s == t})
        base = g.net_base_kw[t]
        for price in (g.price_buy[t], g.price_sell[t]):
            add(
                {**{col: -dt * price * v for col, v in net.items()}, w_[t]: 1.0},
                dt * price * base,
                np.inf,
            )
        add({**net, peak: -1.0}, -np.inf, -base)
        add({**net, valley: -1.0}, -base, np.inf)
        if g.import_limit_kw is not None:
            add(net, -np.inf, g.import_limit_kw - base)
    cost = np.zeros(n_x)
    cost[w_] = w_cost
    cost[u_] = (
        w_cost * sc.degradation_cost_per_kwh * dt * np.array([params[k]["ev"] for k, _ in slots])
    )
    cost[peak], cost[valley] = w_pv, -w_pv
    upper = np.concatenate(
        [
            [params[k]["pc"] for k, _ in slots],
            [params[k]["pd"] for k, _ in slots],
            np.ones(j_n),
            np.full(t_n + 2, np.inf),
        ]
    )
    lower = np.concatenate([np.zeros(3 * j_n), np.full(t_n + 2, -np.inf)])
    integrality = np.zeros(n_x)
    integrality[z_] = 1
    res = milp(
        cost,
        constraints=LinearConstraint(np.array(rows), lo, hi),
        integrality=integrality,
        bounds=Bounds(lower, upper),
        options={"mip_rel_gap": 1e-10},
    )
    assert res.success, res.message
    return float(res.fun)


def variance_optimum(sc: Scenario) -> float:
    """min F2 over every charge/discharge direction pattern, each a smooth QP (SLSQP)."""
    params, slots = units(sc)
    g, dt, t_n = sc.grid, sc.dt_h, sc.slots
    unit = np.array([k for k, _ in slots])  # [J]
    at = np.zeros((t_n, len(slots)))  # net load per slot from the powers
    at[[t for _, t in slots], np.arange(len(slots))] = 1.0
    pc, pd, ec, ed = (np.array([params[k][key] for k in unit]) for key in ("pc", "pd", "ec", "ed"))
    # Energy after each slot of a unit: cumulative sums of dt * slope * p over its stay.
    cum = np.array([(unit == k) & (np.arange(len(slots)) <= j) for j, k in enumerate(unit)])
    last = np.array([j == np.flatnonzero(unit == k).max() for j, k in enumerate(unit)])
    e0 = np.array([params[k]["e0"] for k in unit])
    lo = np.where(last, [params[k]["final"] for k in unit], [params[k]["lo"] for k in unit]) - e0
    hi = np.array([params[k]["hi"] for k in unit]) - e0

    def var(p):
        return (g.net_base_kw + at @ p).var()

    def grad(p):
        net = g.net_base_kw + at @ p
        return at.T @ (2 * (net - net.mean()) / t_n)

    bidir = np.flatnonzero(pd > 0)
    best = np.inf
    for pattern in itertools.product((True, False), repeat=len(bidir)):
        charge = np.ones(len(slots), bool)
        charge[bidir] = pattern
        a = cum * (dt * np.where(charge, ec, 1 / ed))[None, :]
        bounds = Bounds(np.where(charge, 0.0, -pd), np.where(charge, pc, 0.0))
        energy = LinearConstraint(a, lo, hi)
        start = linprog(
            np.zeros(len(slots)),
            A_ub=np.vstack([-a, a]),
            b_ub=np.r_[-lo, hi],
            bounds=np.column_stack([bounds.lb, bounds.ub]),
        )
        if start.status != 0:
            continue  # no schedule with these directions
        res = minimize(
            var,
            start.x,
            jac=grad,
            bounds=bounds,
            constraints=energy,
            method="SLSQP",
            options={"ftol": 1e-14, "maxiter": 500},
        )
        # Status 8 ("positive directional derivative") is SLSQP stopping at ftol's precision.
        assert res.status in (0, 8), res.message
        assert np.all(a @ res.x >= lo - 1e-7) and np.all(a @ res.x <= hi + 1e-7)
        best = min(best, res.fun)
    return best


# --- single weighted sums ------------------------------------------------------------------


@pytest.mark.parametrize(
    "seed, bess, v2g",
    [(0, False, False), (1, True, False), (2, False, True), (3, True, True), (4, True, True)],
)
@pytest.mark.parametrize("w_cost, w_pv", [(1.0, 0.0), (0.0, 1.0), (1.0, 0.3)])
def test_linear_objectives_match_milp(seed, bess, v2g, w_cost, w_pv):
    sc = tiny(seed, n=3, t=5, bess=bess, v2g=v2g)
    sol = ExactModel(sc).solve(np.array([w_cost, 0.0, w_pv]))
    expected = milp_optimum(sc, w_cost, w_pv)
    assert sol.feasible
    assert sol.value == pytest.approx(expected, rel=1e-6, abs=1e-7)


def test_variance_matches_direction_enumeration():
    # 2 vehicles over 2 slots each and a BESS over 4: 8 slots, 256 direction patterns.
    sc = tiny(3, n=2, t=4, stay=([0, 1], [2, 3]))
    sol = ExactModel(sc).solve(np.array([0.0, 1.0, 0.0]))
    assert sol.feasible
    assert sol.value == pytest.approx(variance_optimum(sc), rel=1e-6)


@pytest.mark.parametrize("bess, v2g", [(False, False), (False, True), (True, False)])
def test_variance_without_bidirectional_overlap(bess, v2g):
    sc = tiny(5, n=2, t=4, bess=bess, v2g=v2g, stay=([0, 2], [2, 4]))
    sol = ExactModel(sc).solve(np.array([0.0, 1.0, 0.0]))
    assert sol.value == pytest.approx(variance_optimum(sc), rel=1e-6)


@pytest.mark.parametrize("seed", range(8))
def test_value_between_relaxation_bound_and_true_optimum(seed):
    # The model (docs/model.md) is not convex (one battery cannot charge and discharge in one slot):
    # the schedule found is feasible, so never better than the MILP's global optimum, and the
    # relaxed bound never above it.
    sc = tiny(100 + seed, n=3, t=5)
    sol = ExactModel(sc).solve(np.array([0.0, 0.0, 1.0]))
    best = milp_optimum(sc, 0.0, 1.0)
    assert sol.value >= best - 1e-6
    assert sol.value - sol.relaxation_gap <= best + 1e-6


def test_schedule_objectives_are_the_spec_objectives():
    sc = tiny(7, n=3, t=6)
    ev, bess, objectives = solve_weighted(sc, [0.5, 0.3, 0.2], [0.0, 0.0, 0.0], [10.0, 100.0, 10.0])
    assert ev.shape == (3, 6) and bess.shape == (6,)
    assert feasibility.check(sc, ev[None], bess[None]).ok
    frame = evaluate(sc, ev[None], bess[None])
    np.testing.assert_allclose(objectives, frame[list(OBJECTIVES)].to_numpy()[0], rtol=1e-12)


# --- the front -----------------------------------------------------------------------------


def test_lattice_sizes():
    assert divisions_for(66) == 10 and divisions_for(65) == 9 and divisions_for(3) == 1
    grid = simplex_lattice(4)
    assert grid.shape == (15, 3)
    np.testing.assert_allclose(grid.sum(axis=1), 1.0)
    assert len({tuple(w) for w in grid}) == 15
    with pytest.raises(InputError, match="points"):
        divisions_for(2)


@pytest.fixture(scope="module")
def small_front():
    sc = tiny(11, n=4, t=8)
    return sc, exact_front(sc, points=15)


def test_front_points_are_feasible_and_nondominated(small_front):
    sc, res = small_front
    assert len(res.objectives) >= 3 and not res.dropped
    assert feasibility.check(sc, res.ev_power, res.bess_power).ok
    frame = evaluate(sc, res.ev_power, res.bess_power)
    np.testing.assert_allclose(res.objectives, frame[list(OBJECTIVES)].to_numpy(), rtol=1e-12)
    assert moocore.is_nondominated(res.objectives).all()
    np.testing.assert_array_equal(res.ideal, res.objectives.min(axis=0))
    np.testing.assert_array_equal(res.nadir, res.objectives.max(axis=0))
    assert res.meta()["normalization"] == {"ideal": list(res.ideal), "nadir": list(res.nadir)}


def test_ideal_holds_the_single_objective_optima(small_front):
    sc, res = small_front
    model = ExactModel(sc)
    for k in range(3):
        sol = model.solve(np.eye(3)[k])
        # Where the relaxation certifies the optimum it is the ideal; elsewhere the front may
        # hold a better point than a single local optimum.
        assert res.ideal[k] <= sol.value + 1e-9
        if sol.relaxation_gap == 0:
            assert res.ideal[k] == pytest.approx(sol.value, rel=1e-6, abs=1e-9)


def test_no_baseline_beats_the_exact_weighted_sum():
    sc = tiny(12, n=4, t=12)
    res = exact_front(sc, points=6)
    span = res.nadir - res.ideal
    base = np.array([uncoordinated(sc), ordered(sc)])  # [2, N, T]
    f_base = evaluate(sc, base, np.zeros((2, sc.slots)))[list(OBJECTIVES)].to_numpy()
    model = ExactModel(sc)
    rng = np.random.default_rng(0)
    for w in rng.dirichlet(np.ones(3), size=6):
        sol = model.solve_weighted(w, res.ideal, res.nadir)
        best = (w * (sol.objectives - res.ideal) / span).sum()
        for f in f_base:
            assert best <= (w * (f - res.ideal) / span).sum() + 1e-7


# --- infeasible scenarios ------------------------------------------------------------------


def test_import_limit_below_the_site_load_names_the_slot():
    sc = tiny(13, n=2, t=4, limit=1.0)
    with pytest.raises(InputError, match=r"import_limit_kw 1 is below the net load .* slot \d"):
        ExactModel(sc)


def test_import_limit_too_low_for_the_targets():
    sc = tiny(14, n=3, t=4, bess=False, v2g=False, stay=([0, 0, 0], [4, 4, 4]))
    g = sc.grid
    flat = Grid(g.clock_hour, np.full(4, 20.0), np.zeros(4), g.price_buy, g.price_sell, 20.2)
    sc = replace(sc, grid=flat)  # 0.2 kW of headroom: 4.8 kWh a day
    need_kwh = (sc.effective_target() - sc.fleet.soc_init) @ sc.fleet.capacity_kwh
    assert need_kwh > 10
    with pytest.raises(InputError, match=r"import_limit_kw 20.2 is too low: .* at least 2\d.\d kW"):
        exact_front(sc, points=3)

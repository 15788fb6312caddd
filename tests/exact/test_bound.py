"""Lower-bound front (moo.exact.bound): below the exact optimum, hand-computed values, run files."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import optimize

from cli import cli
from jobs.bound import write_bound
from jobs.claims import bound_claims
from jobs.exact import write_exact
from models.errors import InputError
from models.fleet import Fleet
from models.grid import Bess, Grid, TimeGrid
from models.scenario import Scenario, load_scenario
from moo.exact.bound import (
    DEFAULT_GROUPS,
    VEHICLE_SLOTS_MAX,
    BoundModel,
    Certificate,
    bound_front,
    group_storage,
    outer_hypervolume,
    vehicle_groups,
)
from moo.exact.front import ExactModel, exact_front
from moo.exact.indicators import compare_runs
from moo.problems import baselines, feasibility
from moo.problems.encodings import AggregateProblem
from moo.problems.objectives import OBJECTIVES, evaluate
from moo.rundir import read_run
from moo.search.weighted import scalar_problem
from moo.util.lattice import simplex_lattice
from moo.util.normalization import Normalization

REL_TOL = 1e-6


def exact_values(model: ExactModel, coef) -> tuple[float, float]:
    """(relaxed optimum, best schedule's value) of the exact module for ``coef``."""
    sol = model.solve(coef)
    assert sol.feasible
    return sol.value - sol.relaxation_gap, sol.value


def assert_below(bound: float, exact: float, scale: float) -> None:
    assert bound <= exact + REL_TOL * max(abs(exact), scale), (bound, exact)


def fixed_normalization(model: BoundModel) -> Normalization:
    """The bound's single-objective minima and the largest value at them: a fixed scale."""
    f = np.array([model.minimise(np.eye(3)[k])[1] for k in range(3)])
    return Normalization(f.min(axis=0), f.max(axis=0))


def true_schedules(sc: Scenario, rng, count: int = 6):
    """Feasible schedules of a scenario (the aggregate dispatcher on random requests and the
    baselines where they pass), each checked by the independent checker: objectives [S, 3]."""
    prob = AggregateProblem(sc, 2)
    x = np.vstack([rng.uniform(size=(count, prob.n_var)), np.zeros(prob.n_var),
                   np.ones(prob.n_var)])
    ev, bess, report = prob.schedules(x)
    assert feasibility.check(sc, ev, bess).ok
    found = [report[:, :3]]
    for name in ("uncoordinated", "ordered"):
        base = baselines.baseline(sc, name)
        if feasibility.check(sc, base[None]).ok:
            found.append(evaluate(sc, base[None])[list(OBJECTIVES)].to_numpy())
    return np.vstack(found)


@pytest.mark.parametrize(
    ("preset", "weights"),
    [
        ("building", simplex_lattice(3)),
        ("qingdao", simplex_lattice(3)),
        ("iov", np.array([[1 / 3, 1 / 3, 1 / 3]])),  # one exact QP on iov: 15-60 s
    ],
)
def test_bound_below_exact_weighted_optimum(preset, weights):
    # The exact module's schedules are true schedules: no certificate may lie above one.
    sc = load_scenario(preset)
    bound, exact = BoundModel(sc), ExactModel(sc)
    norm = fixed_normalization(bound)
    for w in weights:
        coef = norm.coefficients(w)
        value, f = bound.minimise(coef)
        _, schedule = exact_values(exact, coef)
        scale = float(np.abs(coef * norm.nadir).sum())
        assert_below(value, schedule, scale)
        assert value <= coef @ f + REL_TOL * scale  # the certificate is not above its point


@pytest.mark.parametrize("preset", ["building", "qingdao", "iov", "caltech", "crisscross", "eva"])
def test_bound_below_every_true_schedule_on_presets(preset):
    sc = load_scenario(preset)
    model = BoundModel(sc)  # auto groups, with the cuts
    norm = fixed_normalization(model)
    f = true_schedules(sc, np.random.default_rng(0))
    for w in simplex_lattice(2):
        coef = norm.coefficients(np.maximum(w, 1e-3))
        value = model.minimise(coef)[0]
        scale = float(np.abs(coef * norm.nadir).sum())
        assert_below(value, float((f @ coef).min()), scale)


def two_sessions(*, v2g: bool = False, bess: bool = False) -> Scenario:
    """Two 12-hour slots; vehicle A plugged in the cheap first, B in the dear second."""
    time = TimeGrid(2, 0.0)
    n = 2
    fleet = Fleet(
        arrival_slot=np.array([0, 1]),
        departure_slot=np.array([1, 2]),
        capacity_kwh=np.full(n, 100.0),
        p_charge_max_kw=np.full(n, 1.0),
        p_discharge_max_kw=np.full(n, 1.0 if v2g else 0.0),
        eta_charge=np.ones(n),
        eta_discharge=np.ones(n),
        soc_init=np.full(n, 0.2),
        soc_target=np.full(n, 0.26),
        soc_min=np.zeros(n),
        soc_max=np.ones(n),
        slots_per_day=2,
    )
    grid = Grid(time.slot_start_h, np.zeros(2), np.zeros(2), np.array([1.0, 2.0]), np.zeros(2))
    battery = Bess(30.0, 8.0, 8.0, 0.93, 0.93, 0.5, 0.1, 0.9) if bess else None
    return Scenario("two", time, grid, fleet, battery)


def test_hand_computed_minimum_cost():
    # Each vehicle needs 6 kWh: 0.5 kW over its 12-hour slot, so the true minimum cost is
    # 12 h * (0.5 kW * 1 + 0.5 kW * 2) = 18. Aggregated into one group, A's headroom (1 kW,
    # 12 kWh) can hold B's 6 kWh too: 1 kW in the cheap slot, 12 h * 1 kW * 1 = 12.
    sc = two_sessions()
    assert BoundModel(sc, groups=1).minimise([1.0, 0.0, 0.0])[0] == pytest.approx(12.0, rel=1e-7)
    assert BoundModel(sc, groups=2).minimise([1.0, 0.0, 0.0])[0] == pytest.approx(18.0, rel=1e-7)
    assert ExactModel(sc).solve([1.0, 0.0, 0.0]).value == pytest.approx(18.0, rel=1e-7)


def test_hand_computed_peak_and_share():
    # Separate groups: 0.5 kW in each slot is forced, so the lowest peak is 0.5 kW and the
    # lowest (peak - valley) / peak is 0. One group: 1 kW then 0, or 0.5 and 0.5, ...; the
    # peak still needs 12 kWh over 24 h: 0.5 kW.
    for groups in (1, 2):
        model = BoundModel(two_sessions(), groups=groups)
        assert model.lowest_peak_kw() == pytest.approx(0.5, rel=1e-7)
        assert model.lowest_peak_share() == pytest.approx(0.0, abs=1e-4)


def milp_minimum(sc: Scenario, coef) -> float:
    """The true minimum of ``coef[0] F1 + coef[2] F3`` (no variance term) over every schedule
    of a tiny scenario: a MILP with one binary per plugged storage slot choosing charge or
    discharge (HiGHS through scipy), the model of docs/model.md §4 written out directly."""
    assert coef[1] == 0
    f, g, dt, t_n = sc.fleet, sc.grid, sc.dt_h, sc.slots
    units = [(f.arrival_slot[i], f.departure_slot[i], f.p_charge_max_kw[i],
              f.p_discharge_max_kw[i], f.eta_charge[i], f.eta_discharge[i],
              f.soc_init[i] * f.capacity_kwh[i], f.soc_lower[i] * f.capacity_kwh[i],
              f.soc_upper[i] * f.capacity_kwh[i],
              max(f.soc_lower[i], sc.effective_target()[i]) * f.capacity_kwh[i], True)
             for i in range(f.n)]
    b = sc.bess
    if b is not None:
        cap = b.capacity_kwh
        units.append((0, t_n, b.p_charge_max_kw, b.p_discharge_max_kw, b.eta_charge,
                      b.eta_discharge, b.soc_init * cap, b.soc_min * cap, b.soc_max * cap,
                      max(b.soc_min, b.soc_init) * cap, False))
    n_slot = sum(d - a for a, d, *_ in units)
    # columns: per storage slot (c, u, z, e); per slot (imp, exp); then peak, valley
    n_var = 4 * n_slot + 2 * t_n + 2
    imp, exp_, peak, valley = 4 * n_slot, 4 * n_slot + t_n, n_var - 2, n_var - 1
    rows, lo, hi = [], [], []
    lb, ub = np.zeros(n_var), np.full(n_var, np.inf)
    integrality = np.zeros(n_var)
    cost = np.zeros(n_var)
    net_rows = np.zeros((t_n, n_var))  # net[t] - base = row . x

    def row(entries, low, high):
        r = np.zeros(n_var)
        for col, val in entries:
            r[col] += val
        rows.append(r)
        lo.append(low)
        hi.append(high)

    k = 0
    for a, d, pc, pdis, ec, ed, e0, e_lo, e_hi, e_end, is_ev in units:
        for t in range(a, d):
            c, u, z, e = 4 * k, 4 * k + 1, 4 * k + 2, 4 * k + 3
            ub[c], ub[u], ub[z], integrality[z] = pc, pdis, 1.0, 1
            lb[e], ub[e] = (e_end if t == d - 1 else e_lo), e_hi
            row([(c, 1.0), (z, -pc)], -np.inf, 0.0)  # charge only when z = 1
            row([(u, 1.0), (z, pdis)], -np.inf, pdis)  # discharge only when z = 0
            prev = [(e - 4, -1.0)] if t > a else []
            row([(e, 1.0), *prev, (c, -dt * ec), (u, dt / ed)], e0 if t == a else 0.0,
                e0 if t == a else 0.0)
            net_rows[t, c] += 1.0
            net_rows[t, u] -= 1.0
            if is_ev:
                cost[u] += coef[0] * sc.degradation_cost_per_kwh * dt
            k += 1
    base = g.base_load_kw - g.pv_kw
    for t in range(t_n):
        r = net_rows[t].copy()
        r[imp + t], r[exp_ + t] = -1.0, 1.0
        row(list(zip(np.flatnonzero(r), r[np.flatnonzero(r)], strict=True)), -base[t], -base[t])
        nz = np.flatnonzero(net_rows[t])
        row([*zip(nz, net_rows[t][nz], strict=True), (peak, -1.0)], -np.inf, -base[t])
        row([*zip(nz, net_rows[t][nz], strict=True), (valley, -1.0)], -base[t], np.inf)
        if g.import_limit_kw is not None:
            row(list(zip(nz, net_rows[t][nz], strict=True)), -np.inf,
                g.import_limit_kw - base[t])
        cost[imp + t] += coef[0] * dt * g.price_buy[t]
        cost[exp_ + t] -= coef[0] * dt * g.price_sell[t]
    lb[[peak, valley]] = -np.inf
    cost[peak] += coef[2]
    cost[valley] -= coef[2]
    res = optimize.milp(cost, constraints=optimize.LinearConstraint(np.array(rows), lo, hi),
                        integrality=integrality, bounds=optimize.Bounds(lb, ub),
                        options={"mip_rel_gap": 1e-9})
    assert res.status == 0, res.message
    return float(res.fun)


def tiny_site(seed: int, n: int, t: int, bess: bool) -> Scenario:
    """A random site small enough for `milp_minimum`; mixed power ratios and efficiencies."""
    rng = np.random.default_rng(seed)
    time = TimeGrid(t, 0.0)
    a = rng.integers(0, t, n)
    d = np.array([rng.integers(ai + 1, t + 1) for ai in a])
    fleet = Fleet(
        arrival_slot=a,
        departure_slot=d,
        capacity_kwh=rng.uniform(10, 40, n),
        p_charge_max_kw=rng.uniform(1, 4, n),
        p_discharge_max_kw=rng.choice([0.0, 1.0, 2.5, 4.0], n),
        eta_charge=rng.uniform(0.8, 1.0, n),
        eta_discharge=rng.uniform(0.8, 1.0, n),
        soc_init=rng.uniform(0.1, 0.95, n),
        soc_target=rng.uniform(0.3, 0.9, n),
        soc_min=np.full(n, 0.2),
        soc_max=np.full(n, 0.9),
        slots_per_day=t,
    )
    buy = rng.uniform(-0.1, 0.4, t)  # negative prices reward absorbing energy
    grid = Grid(time.slot_start_h, rng.uniform(0, 10, t), rng.uniform(0, 5, t), buy,
                buy - rng.uniform(0, 0.2, t))
    battery = Bess(8.0, 2.0, 3.0, 0.9, 0.93, 0.6, 0.1, 0.9) if bess else None
    return Scenario("tiny", time, grid, fleet, battery, float(rng.uniform(0, 0.05)),
                    fleet_seed=seed)


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 10**6), n=st.integers(1, 3), t=st.integers(1, 4),
       bess=st.booleans())
def test_bound_below_the_true_minimum_of_random_tiny_sites(seed, n, t, bess):
    # The MILP is the true minimum over every schedule, so each grouping's relaxation (with
    # its cuts) must stay at or below it; for weights with a variance term, below the
    # exact module's schedule and the dispatcher's.
    sc = tiny_site(seed, n, t, bess)
    rng = np.random.default_rng(seed)
    models = [BoundModel(sc, g) for g in (None, 1, 2)]
    f_true = true_schedules(sc, rng, 3)
    exact = ExactModel(sc)
    for coef in (np.eye(3)[0], np.eye(3)[2], rng.uniform(0, 1, 3) * [1, 0, 0.5]):
        truth = milp_minimum(sc, coef)
        for model in models:
            assert_below(model.minimise(coef)[0], truth, 1.0)
    coef = rng.uniform(0, 1, 3) * [1, 0.05, 0.5]
    upper = min(float((f_true @ coef).min()), exact_values(exact, coef)[1])
    for model in models:
        assert_below(model.minimise(coef)[0], upper, 1.0)


def test_cut_by_hand_full_battery_at_a_negative_price():
    # One 24-hour slot, a full vehicle (SOC 0.9 = soc_max = target), 1 kW both ways,
    # η 0.9 both ways, buy = sell = -1 per kWh: a true schedule can only idle (cost 0).
    # Without the cut the relaxation charges 1 kW and discharges 0.81 kW (no net energy):
    # 0.19 kW imported, cost -24 * 0.19 = -4.56. With c + u <= 1 it keeps the ratio:
    # c = 1/1.81, cost -24 * 0.19 / 1.81.
    time = TimeGrid(1, 0.0)
    one = np.ones(1)
    fleet = Fleet(np.array([0]), np.array([1]), 100 * one, one, one, 0.9 * one, 0.9 * one,
                  0.9 * one, 0.9 * one, 0.2 * one, 0.9 * one, slots_per_day=1)
    grid = Grid(time.slot_start_h, np.zeros(1), np.zeros(1), -one, -one)
    sc = Scenario("full", time, grid, fleet, None)
    cost = np.array([1.0, 0.0, 0.0])
    assert BoundModel(sc, cuts=False).minimise(cost)[0] == pytest.approx(-4.56, rel=1e-6)
    assert BoundModel(sc).minimise(cost)[0] == pytest.approx(-24 * 0.19 / 1.81, rel=1e-6)
    assert milp_minimum(sc, cost) == pytest.approx(0.0, abs=1e-9)


def test_group_cuts_by_hand():
    # One group, one slot: A (Pc 2, Pd 1, ratio 0.5) and B (Pc 1, Pd 3, ratio 3). Facets of
    # the hull of {(Pc(S), Pd(not S))}: 0.5 c + u <= 1 + 3 = 4 (through (0, 4) and (2, 3):
    # A charges, B discharges) and 3 c + u <= 6 + 3 = 9 (through (2, 3) and (3, 0)).
    time = TimeGrid(1, 0.0)
    two = np.ones(2)
    fleet = Fleet(np.zeros(2, int), np.ones(2, int), 50 * two, np.array([2.0, 1.0]),
                  np.array([1.0, 3.0]), two, two, 0.5 * two, 0.5 * two, 0.2 * two, 0.9 * two,
                  slots_per_day=1)
    sc = Scenario("pair", time, Grid(time.slot_start_h, np.ones(1), np.zeros(1), np.ones(1),
                                     np.ones(1)), fleet, None)
    cuts = group_storage(sc, np.zeros(2, np.int64))[3]
    np.testing.assert_allclose(cuts.lam, [0.5, 3.0])
    np.testing.assert_allclose(cuts.rhs_kw, [4.0, 9.0])
    np.testing.assert_array_equal(cuts.slot, [0, 0])
    # A charging 2 kW while B discharges 3 kW is a schedule: on both cuts, yet outside the
    # group-wide triangle c / sum Pc + u / sum Pd <= 1 (2/3 + 3/4 > 1), which is not valid.
    np.testing.assert_allclose(cuts.lam * 2.0 + 3.0, cuts.rhs_kw)


def test_groups_split_pairs_by_energy_need():
    sc = load_scenario("qingdao")  # 24 (arrival, departure) pairs
    f = sc.fleet
    pair = f.arrival_slot * (sc.slots + 1) + f.departure_slot
    assert len(np.unique(pair)) == 24
    np.testing.assert_array_equal(vehicle_groups(sc, 24), np.unique(pair, return_inverse=True)[1])
    group = vehicle_groups(sc, 100)  # four parts per pair at most
    assert 24 < group.max() + 1 <= 100
    need = (np.maximum(f.soc_lower, sc.effective_target()) - f.soc_init) * f.capacity_kwh
    for p in np.unique(pair):
        mine = np.flatnonzero(pair == p)
        assert len(np.unique(pair[np.isin(group, group[mine])])) == 1  # within one pair
        parts = np.unique(group[mine])
        assert len(parts) <= 4
        for lo, hi in zip(parts[:-1], parts[1:], strict=True):  # consecutive needs
            assert need[group == lo].max() <= need[group == hi].min()


def test_auto_groups_are_vehicles_while_they_fit():
    sc = load_scenario("qingdao")
    np.testing.assert_array_equal(vehicle_groups(sc), np.arange(sc.fleet.n))
    big = load_scenario("iov")
    assert big.fleet.plugged_slots() > VEHICLE_SLOTS_MAX
    assert vehicle_groups(big).max() + 1 <= DEFAULT_GROUPS


def test_outer_hypervolume_by_hand():
    box = 1.1**3
    assert outer_hypervolume(np.array([[1 / 3] * 3]), np.array([0.0])) == pytest.approx(box)
    # y1 >= 0.5 leaves 0.6 x 1.1 x 1.1.
    assert outer_hypervolume(np.array([[1.0, 0, 0]]), np.array([0.5])) == pytest.approx(0.726)
    # (y1 + y2 + y3) / 3 >= 0.1 cuts the corner simplex of side 0.3: 0.3^3 / 6.
    cut = outer_hypervolume(np.array([[1 / 3] * 3]), np.array([0.1]))
    assert cut == pytest.approx(box - 0.3**3 / 6)
    assert outer_hypervolume(np.array([[1 / 3] * 3]), np.array([2.0])) == 0.0


@pytest.fixture(scope="module")
def tiny_runs(tmp_path_factory):
    """A bound run and an exact run of one random site."""
    tmp = tmp_path_factory.mktemp("bound")
    sc = tiny_site(11, 4, 6, True)
    bound = read_run(write_bound(tmp / "bound", sc, bound_front(sc, points=15, groups=2)))
    exact = read_run(write_exact(tmp / "exact", sc, exact_front(sc, points=15)))
    return sc, bound, exact


def test_bound_run_certifies_the_exact_front(tiny_runs):
    _, bound, exact = tiny_runs
    assert bound.meta["kind"] == "bound" and not (bound.path / "schedules.npz").exists()
    cert = Certificate.of(bound)
    assert cert.outer_hv == pytest.approx(bound.meta["bound"]["outer_hv"])
    out = cert.certify(exact.objectives)
    # No schedule beats a certificate, and the exact front's HV is within the outer volume.
    assert out["certified_gap"] >= -1e-7
    assert 0.5 < out["certified_hv_ratio"] <= 1.0 + 1e-9
    row = compare_runs([exact], bound=bound)[0]
    assert row["certified_hv_ratio"] == pytest.approx(out["certified_hv_ratio"])
    assert row["hv"] == pytest.approx(cert.normalization.hypervolume(exact.objectives))
    w = [float(x) for x in row["worst_gap_weights"].split("/")]
    np.testing.assert_allclose(w, out["worst_gap_weights"], atol=0.005)


def test_bound_run_is_no_front_and_no_reference(tiny_runs):
    _, bound, exact = tiny_runs
    with pytest.raises(InputError, match="bound run"):
        compare_runs([bound])
    with pytest.raises(InputError, match="bound run"):
        compare_runs([exact], reference=bound)
    with pytest.raises(InputError, match="bound run"):
        scalar_problem(bound, [1 / 3, 1 / 3, 1 / 3])
    with pytest.raises(InputError, match="not a bound run"):
        compare_runs([exact], bound=exact)


def test_cli_bound_and_compare(tmp_path):
    runner = CliRunner()
    out = tmp_path / "q-bound"
    res = runner.invoke(cli, ["bound", "--scenario", "qingdao", "--points", "6", "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert "min_peak_kw" in res.output
    res = runner.invoke(cli, ["compare", str(out)])
    assert res.exit_code == 2 and "bound run" in res.output


def test_bound_claims_verdicts(tiny_runs):
    # Seed 003's two claims against kpis made around the bound: the cost cut can reach at
    # most 10 % (< 14.3 %: out of reach), the peak cut 50 % with ours at 20 % (open, 30 %).
    _, bound, _ = tiny_runs
    limits = bound.meta["bound"]["column_bounds"]
    unc_cost, unc_peak = limits["min_cost"] / 0.9, limits["min_peak_kw"] / 0.5
    kpis = pd.DataFrame(
        {"cost": [unc_cost, unc_cost * 0.95, unc_cost], "peak_kw": [unc_peak, unc_peak,
                                                                    unc_peak * 0.8]},
        index=["uncoordinated", "economy", "response"],
    )
    table = bound_claims("crisscross", kpis, {}, bound)
    assert table["verdict"].tolist() == ["out of reach", "open, gap 30.0%"]
    assert table["best possible"].tolist() == ["10.0%", "50.0%"]
    kpis.loc["response", "peak_kw"] = unc_peak * 0.7
    assert bound_claims("crisscross", kpis, {}, bound)["verdict"].iloc[1] == "reached"

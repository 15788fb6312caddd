"""Lower-bound front (moo.exact.bound): below the exact optimum, hand-computed values, run files."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from cli import cli
from jobs.bound import write_bound
from jobs.claims import bound_claims
from jobs.exact import write_exact
from models.errors import InputError
from models.fleet import Fleet
from models.grid import Bess, Grid, TimeGrid
from models.scenario import Scenario, load_scenario
from moo.exact.bound import (
    BoundModel,
    Certificate,
    bound_front,
    outer_hypervolume,
)
from moo.exact.front import ExactModel, exact_front
from moo.exact.indicators import compare_runs
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


@pytest.mark.parametrize(
    ("preset", "weights"),
    [
        ("building", simplex_lattice(3)),
        ("qingdao", simplex_lattice(3)),
        ("iov", np.array([[1 / 3, 1 / 3, 1 / 3]])),  # one exact QP on iov: 15-60 s
    ],
)
def test_bound_below_exact_weighted_optimum(preset, weights):
    sc = load_scenario(preset)
    bound, exact = BoundModel(sc), ExactModel(sc)
    norm = fixed_normalization(bound)
    for w in weights:
        coef = norm.coefficients(w)
        value, f = bound.minimise(coef)
        relaxed, schedule = exact_values(exact, coef)
        scale = float(np.abs(coef * norm.nadir).sum())
        assert_below(value, relaxed, scale)  # the exact module's relaxation maps into ours
        assert_below(value, schedule, scale)
        assert value <= coef @ f + REL_TOL * scale  # the certificate is not above its point


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


def random_site(seed: int, n: int = 4, t: int = 6) -> Scenario:
    rng = np.random.default_rng(seed)
    time = TimeGrid(t, 0.0)
    a = rng.integers(0, t - 1, n)
    d = np.array([rng.integers(ai + 1, t + 1) for ai in a])
    fleet = Fleet(
        arrival_slot=a,
        departure_slot=d,
        capacity_kwh=rng.uniform(20, 60, n),
        p_charge_max_kw=rng.uniform(5, 11, n),
        p_discharge_max_kw=rng.uniform(3, 10, n),
        eta_charge=rng.uniform(0.85, 1.0, n),
        eta_discharge=rng.uniform(0.85, 1.0, n),
        soc_init=rng.uniform(0.2, 0.9, n),
        soc_target=np.full(n, 0.8),
        soc_min=np.full(n, 0.2),
        soc_max=np.full(n, 0.9),
        slots_per_day=t,
    )
    buy = rng.uniform(0.1, 0.4, t)
    grid = Grid(time.slot_start_h, rng.uniform(10, 40, t), rng.uniform(0, 10, t), buy,
                buy * rng.uniform(0, 1, t))
    battery = Bess(30.0, 8.0, 8.0, 0.93, 0.93, 0.5, 0.1, 0.9)
    return Scenario("random", time, grid, fleet, battery, 0.02, fleet_seed=seed)


@pytest.mark.parametrize("seed", range(6))
def test_bound_below_exact_on_random_sites(seed):
    # Mixed efficiencies in one group exercise the relaxed recursions.
    sc = random_site(seed)
    exact = ExactModel(sc)
    rng = np.random.default_rng(seed)
    for groups in (1, 2, sc.fleet.n):
        model = BoundModel(sc, groups)
        for coef in (np.eye(3)[0], np.eye(3)[2], rng.uniform(0, 1, 3) * [1, 0.01, 0.1]):
            relaxed, _ = exact_values(exact, coef)
            assert_below(model.minimise(coef)[0], relaxed, 1.0)


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
    sc = random_site(11)
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

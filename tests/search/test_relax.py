"""Relax-and-round seeds (`moo.search.nsga.RelaxSeeds`): the lower-bound relaxation's aggregate
profiles as requests of the aggregate encoding."""

from __future__ import annotations

import time

import numpy as np
import pytest
from click.testing import CliRunner

from cli import cli
from models.errors import InputError
from models.scenario import load_scenario
from moo.exact import bound as bound_module
from moo.exact.bound import BoundModel, bound_front
from moo.problems import feasibility
from moo.problems.encodings import AggregateProblem
from moo.search import nsga
from moo.search.nsga import FrontSettings, Memetic, RelaxSeeds, run_front
from moo.search.termination import Budget
from moo.util.lattice import simplex_lattice, spread_order

OFF = Memetic(enabled=False)


@pytest.fixture(scope="module")
def qingdao():
    return load_scenario("qingdao")


@pytest.fixture(scope="module")
def qingdao_bound(qingdao):
    return bound_front(qingdao)


@pytest.mark.parametrize("clusters", [1, 3])
def test_fleet_to_x_asks_for_the_fleet_power(qingdao, clusters):
    problem = AggregateProblem(qingdao, clusters)
    t, k = qingdao.slots, clusters
    lo = problem.req_lo.reshape(k, t).sum(axis=0)
    hi = problem.req_hi.reshape(k, t).sum(axis=0)
    rng = np.random.default_rng(0)
    want = lo + rng.uniform(-0.2, 1.2, size=(4, t)) * (hi - lo)  # some outside the range
    bess = np.zeros((4, t))
    req, _ = problem.requests(problem.fleet_to_x(want, bess))
    asked = req.reshape(4, k, t).sum(axis=1)
    np.testing.assert_allclose(asked, np.clip(want, lo, hi), atol=1e-6)


def test_profiles_add_up_to_the_relaxed_net_load(qingdao):
    model = BoundModel(qingdao)
    model.minimise(np.array([0.5, 0.3, 0.2]) / np.array([1e4, 1e6, 1e3]))
    ev, bess = model.profiles(model.last_x)
    net = model.last_x[model.model.net]
    np.testing.assert_allclose(qingdao.grid.net_base_kw + ev + bess, net, atol=1e-5)


def test_bound_front_carries_one_profile_per_weight(qingdao_bound, qingdao):
    assert qingdao_bound.ev_kw.shape == (len(qingdao_bound.bound), qingdao.slots)
    assert qingdao_bound.bess_kw.shape == qingdao_bound.ev_kw.shape


def test_a_past_deadline_keeps_only_the_vertices_and_they_stay_valid(qingdao, qingdao_bound):
    cut = bound_front(qingdao, deadline=time.perf_counter())
    assert len(cut.bound) == 3  # the three single-objective minima, solved before the lattice
    assert cut.outer_hv >= qingdao_bound.outer_hv - 1e-9  # fewer certificates: looser, valid


def test_rounded_seeds_start_near_the_bound(qingdao, qingdao_bound):
    """One generation: with the relaxed seeds the front starts within a few hundredths of
    the bound for the median lattice weight; without them it does not."""

    def gaps(mode):
        res = run_front(qingdao, FrontSettings(encoding="aggregate", pop_size=20,
                                               budget=Budget(generations=1), memetic=OFF,
                                               relax=RelaxSeeds(mode)))
        ev, bess, _ = res.problem.schedules(res.X)
        assert feasibility.check(qingdao, ev, bess).ok
        b = qingdao_bound
        return res, b.normalization.scalarized(res.F, b.weights).min(axis=1) - b.bound

    on, gap_on = gaps("auto")
    off, gap_off = gaps("off")
    assert on.settings["relax_seeds"]["active"] and not off.settings["relax_seeds"]["active"]
    assert gap_on.min() >= -1e-6  # the certificates hold for rounded seeds too
    assert np.median(gap_on) < 0.06
    assert np.median(gap_on) < np.median(gap_off) / 2
    assert on.F[:, 0].min() < off.F[:, 0].min()


def test_vehicle_encoding_makes_no_relaxed_seeds(qingdao):
    res = run_front(qingdao, FrontSettings(encoding="vehicle", pop_size=8,
                                           budget=Budget(generations=1), memetic=OFF))
    assert res.settings["relax_seeds"]["active"] is False
    with pytest.raises(InputError, match="aggregate encoding"):
        RelaxSeeds("on").check("vehicle")
    with pytest.raises(InputError, match="relax seeds"):
        RelaxSeeds("sometimes")


def test_cli_refuses_relax_seeds_with_the_vehicle_encoding(tmp_path):
    out = tmp_path / "run"
    result = CliRunner().invoke(cli, ["front", "--scenario", "qingdao", "--encoding", "vehicle",
                                      "--relax-seeds", "on", "--generations", "1", "--out",
                                      str(out)])
    assert result.exit_code == 2
    assert "--relax-seeds on needs the aggregate encoding" in result.output
    assert not out.exists()


def test_spread_order_takes_the_vertices_then_the_farthest_weights():
    lattice = simplex_lattice(6)
    order = spread_order(lattice)
    assert sorted(order) == list(range(len(lattice)))
    assert set(order[:3]) == set(np.flatnonzero(np.count_nonzero(lattice, axis=1) == 1))
    np.testing.assert_allclose(lattice[order[3]], [1 / 3, 1 / 3, 1 / 3])
    # any prefix covers the simplex: the largest distance to the prefix shrinks
    gaps = [np.max(np.min(np.linalg.norm(lattice[:, None] - lattice[order[:k]][None], axis=2),
                          axis=1)) for k in (4, 10, 28)]
    assert gaps[0] > gaps[1] > gaps[2]


def test_a_cut_lattice_is_spread_and_returned_in_lattice_order(qingdao, qingdao_bound,
                                                               monkeypatch):
    class Clock:  # one second per reading: the deadline passes after a fixed number of QPs
        t = 0.0

        def perf_counter(self):
            self.t += 1.0
            return self.t

    monkeypatch.setattr(bound_module, "time", Clock())
    cut = bound_front(qingdao, deadline=20.0, columns=False)
    assert 3 < len(cut.bound) < len(qingdao_bound.bound)
    assert "min_peak_kw" not in cut.column_bounds and "min_cost" in cut.column_bounds
    assert cut.weights.max(axis=1).min() <= 0.4 + 1e-3  # the middle of the simplex is in
    rows = [int(np.argmin(np.abs(qingdao_bound.weights - w).sum(axis=1))) for w in cut.weights]
    assert rows == sorted(rows)  # lattice order, whatever order they were solved in
    np.testing.assert_allclose(cut.bound, qingdao_bound.bound[rows], rtol=1e-6, atol=1e-9)


def test_a_given_bound_front_seeds_without_a_second_solve(qingdao, qingdao_bound, monkeypatch):
    common = FrontSettings(encoding="aggregate", pop_size=20, budget=Budget(generations=2),
                           memetic=OFF)
    own = run_front(qingdao, common)  # solves the relaxation itself

    def no_second_solve(*args, **kwargs):
        raise AssertionError("the relaxation was solved again")

    monkeypatch.setattr(nsga, "bound_front", no_second_solve)
    given = run_front(qingdao, common, relaxed=qingdao_bound)
    assert given.settings["relax_seeds"]["active"]
    np.testing.assert_array_equal(given.F, own.F)  # the same seeds, the same front

"""Large-fleet machinery on small cases: block dispatch, the dispatch memo, the storage rule
of schedules.npz, representatives, the local-search switch and the default front size."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from models.errors import InfeasibleScheduleError
from models.scenario import load_scenario
from moo.problems.encodings import AggregateProblem
from moo.problems.objectives import OBJECTIVES, evaluate
from moo.rundir import run as rundir
from moo.search import nsga as optimize
from moo.search.nsga import FrontSettings, Memetic, default_max_solutions, run_front
from moo.search.termination import Budget
from moo.util import blocks
from plots.report import write_figures


@pytest.fixture(scope="module")
def building():
    return load_scenario("building")


def _small_front(sc, n=12):
    prob = AggregateProblem(sc)
    X = np.random.default_rng(5).uniform(size=(n, prob.n_var))
    ev, bess, _ = prob.schedules(X)
    return prob, X, ev, bess


def test_large_fleet_rule_stores_only_the_named_per_vehicle_arrays(building, tmp_path, monkeypatch):
    _, _, ev, bess = _small_front(building)
    monkeypatch.setattr(rundir, "EV_STORE_VALUES", ev[0].size * 3)  # "large": > 3 solutions
    monkeypatch.setattr(rundir, "CHUNK_VALUES", ev[0].size * 5)  # chunks of 5 solutions
    out = rundir.write_run(tmp_path / "r", building, ev, bess, algorithm="test", ev_keep=[7, 2])
    run = rundir.read_run(out)
    assert len(run.front) == len(ev)
    np.testing.assert_array_equal(run.schedules["ev_solutions"], [2, 7])
    assert run.schedules["ev_power"].shape == (2, *ev.shape[1:])
    assert run.schedules["net_load"].shape == (len(ev), building.slots)
    assert run.schedules["bess_power"].shape == (len(ev), building.slots)
    np.testing.assert_array_equal(run.ev_power(7), ev[7])
    assert run.ev_power(3) is None
    assert run.meta["ev_power_stored"] == [2, 7]
    ref = evaluate(building, ev, bess)
    np.testing.assert_allclose(run.objectives, ref[list(OBJECTIVES)].to_numpy(), rtol=1e-12)
    assert list(run.front["solution"]) == list(range(len(ev)))
    figures = write_figures(run)  # the focus (first solution) is not stored: no SOC plot
    names = {p.stem for p in figures}
    assert "net-load" in names and "soc" not in names


def test_small_runs_store_everything_whatever_ev_keep_says(building, tmp_path):
    _, _, ev, bess = _small_front(building, n=4)
    run = rundir.read_run(
        rundir.write_run(tmp_path / "r", building, ev, bess, algorithm="test", ev_keep=[1])
    )
    np.testing.assert_array_equal(run.schedules["ev_solutions"], np.arange(4))
    assert run.meta["ev_power_stored"] == "all"


def test_an_unstored_infeasible_solution_is_still_caught(building, tmp_path, monkeypatch):
    _, _, ev, bess = _small_front(building)
    monkeypatch.setattr(rundir, "EV_STORE_VALUES", ev[0].size)
    monkeypatch.setattr(rundir, "CHUNK_VALUES", ev[0].size * 5)
    ev = ev.copy()
    ev[9, 0, :] = 1e3  # far above any charger, in the third chunk
    with pytest.raises(InfeasibleScheduleError, match=r"solutions 5\.\.9"):
        rundir.write_run(tmp_path / "r", building, ev, bess, algorithm="test", ev_keep=[0])
    assert not (tmp_path / "r" / "meta.json").exists()


def test_default_front_size_is_bounded_for_large_fleets(building):
    assert default_max_solutions(building) == optimize.MAX_SOLUTIONS
    big = load_scenario("iov", scale=100)
    assert default_max_solutions(big) == optimize.WRITE_VALUES // (100_000 * 96)
    assert big.fleet.n == 100_000


def test_local_search_switches_off_above_max_vars(building):
    small = Memetic(divisions=2, seed_moves_per_var=5.0, generation_moves_per_var=2.0)
    settings = FrontSettings(pop_size=12, budget=Budget(generations=2), memetic=small)
    res = run_front(building, settings)
    assert res.settings["memetic"]["active"] is True
    assert res.n_evals > 12 * 2  # the local-search seeds are evaluated too
    off = Memetic(divisions=2, max_vars=10)
    res = run_front(building, FrontSettings(pop_size=12, budget=Budget(generations=2), memetic=off))
    assert res.settings["memetic"]["active"] is False
    assert res.n_evals == 12 * 2  # two generations (the first is the initial population)


def test_front_meta_records_the_local_search_choice(tmp_path):
    from click.testing import CliRunner

    from cli import cli

    out = tmp_path / "f"
    result = CliRunner().invoke(
        cli,
        ["front", "--scenario", "building", "--pop", "8", "--generations", "1",
         "--local-search", "off", "--out", str(out)],
    )
    assert result.exit_code == 0, result.output
    meta = json.loads((out / "meta.json").read_text())
    assert meta["parameters"]["memetic"]["active"] is False
    assert meta["parameters"]["max_solutions"] <= optimize.MAX_SOLUTIONS


def test_local_search_store_is_thinned_keeping_the_extremes(building):
    from moo.problems.encodings import VehicleProblem
    from moo.search.local import FrontSeeder, Polisher
    from moo.util.lattice import simplex_lattice

    polisher = Polisher(building)
    d = VehicleProblem(building).kdata

    def objectives(P):
        return d.evaluate(*polisher.split(P))[:, :3]

    rng = np.random.default_rng(8)
    seeder = FrontSeeder(polisher, objectives, max_points=4)
    seeder.anchors(2000, rng)
    all_F = [seeder.F]
    for w in simplex_lattice(3, vertices_first=True)[3:]:
        _, F = seeder.improve(w[None], 2000, rng)
        all_F.append(F)
        assert len(seeder.P) <= 4
    assert len(seeder.P) == len(seeder.F) == 4
    np.testing.assert_allclose(objectives(seeder.P), seeder.F)
    seen = np.vstack(all_F)
    np.testing.assert_allclose(seeder.F.min(axis=0), seen.min(axis=0))  # extremes kept


def test_a_run_written_in_tiny_blocks_and_chunks_is_the_run_written_whole(building, tmp_path,
                                                                          monkeypatch):
    _, _, ev, bess = _small_front(building)
    monkeypatch.setattr(rundir, "EV_STORE_VALUES", ev[0].size * 3)  # 4 of 12 stored
    whole = rundir.read_run(rundir.write_run(tmp_path / "whole", building, ev, bess,
                                             algorithm="test", ev_keep=[0, 5, 6, 11]))
    monkeypatch.setattr(rundir, "CHUNK_VALUES", 1)  # two solutions at a time (the minimum)
    monkeypatch.setattr(rundir, "BLOCK_VALUES", 7)  # npz parts of 7 floats
    monkeypatch.setattr(blocks, "BLOCK_VALUES", 2 * building.slots)  # one vehicle per block
    tiny = rundir.read_run(rundir.write_run(tmp_path / "tiny", building, ev, bess,
                                            algorithm="test", ev_keep=[0, 5, 6, 11]))
    pd.testing.assert_frame_equal(tiny.front, whole.front, rtol=1e-12)
    for name in ("ev_power", "ev_solutions", "net_load", "bess_power"):
        np.testing.assert_array_equal(tiny.schedules[name], whole.schedules[name])
    np.testing.assert_array_equal(tiny.schedules["ev_power"], ev[[0, 5, 6, 11]])
    assert tiny.meta["ev_power_stored"] == whole.meta["ev_power_stored"] == [0, 5, 6, 11]

"""Baseline schedules (moo.problems.baselines): feasible, charge-only when ordered."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from models.errors import ScenarioError
from models.grid import Grid, TimeGrid
from models.scenario import Scenario
from moo.problems import feasibility
from moo.problems.baselines import baseline, check_baseline_limit
from moo.problems.objectives import evaluate
from tests.conftest import PRESETS
from tests.problems.conftest import capped_fleet


def test_ordered_baseline_charges_a_capped_vehicle_flat_out():
    time = TimeGrid(24)
    grid = Grid(time.slot_start_h, np.full(24, 50.0), np.zeros(24), np.full(24, 0.2), np.zeros(24))
    sc = Scenario("capped", time, grid, capped_fleet())
    p = baseline(sc, "ordered")
    np.testing.assert_allclose(p[1, 8:11], 5.0, rtol=1e-12)
    assert feasibility.check(sc, p[None]).ok
    row = evaluate(sc, p[None]).iloc[0]
    assert row["satisfaction"] == pytest.approx(1 / 3)  # only v0 meets its requested target



@pytest.mark.parametrize("name", PRESETS)
@pytest.mark.parametrize("method", ["uncoordinated", "ordered"])
def test_baselines_are_feasible_on_every_preset(presets, name, method):
    sc = presets[name]
    p = baseline(sc, method)
    assert feasibility.check(sc, p[None]).ok
    if method == "ordered":
        assert p.min() >= 0.0  # charge only
        f = sc.fleet
        soc_dep = f.soc_init + sc.dt_h * f.eta_charge * p.sum(axis=1) / f.capacity_kwh
        assert np.all(soc_dep >= sc.effective_target() - 1e-6)


def test_baseline_limit_below_the_site_load_names_the_slot():
    sc = Scenario("capped", TimeGrid(24), Grid(TimeGrid(24).slot_start_h, np.arange(24.0) + 40,
                                              np.zeros(24), np.full(24, 0.2), np.zeros(24), 63.5),
                  capped_fleet())
    with pytest.raises(ScenarioError, match=r"62.5 .* slot 23 \(clock 23:00, 63.0 kW\)"):
        check_baseline_limit(replace(sc, grid=replace(sc.grid, import_limit_kw=62.5)), "ordered")
    check_baseline_limit(sc, "ordered")
    with pytest.raises(ValueError, match="unknown baseline"):
        baseline(sc, "cheapest")

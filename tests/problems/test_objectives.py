"""Objectives and KPIs (moo.problems.objectives) computed by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from models.scenario import load_scenario
from moo.problems.encodings import AggregateProblem
from moo.problems.objectives import OBJECTIVES, departure_soc, evaluate, net_load
from moo.util import blocks
from tests.problems.conftest import P0, P1, two_vehicle_scenario


def test_objectives_by_hand():
    sc = two_vehicle_scenario(degradation=0.05)
    row = evaluate(sc, np.array([[P0, P1]])).iloc[0]
    # net = base - pv + sum p = [104, -21, 71, 123]
    # F1 = 6*(0.3*104 - 0.05*21 + 0.2*71 + 0.3*123) + 0.05 * (4 kW * 6 h) = 487.5 + 1.2
    assert row["grid_cost"] == pytest.approx(487.5, rel=1e-12)
    assert row["degradation_cost"] == pytest.approx(1.2, rel=1e-12)
    assert row["cost"] == pytest.approx(488.7, rel=1e-12)
    # mean 69.25; deviations 34.75, -90.25, 1.75, 53.75 -> sum of squares 12244.75
    assert row["variance"] == pytest.approx(12244.75 / 4, rel=1e-12)
    assert row["peak_valley"] == pytest.approx(144.0, rel=1e-12)
    assert row["peak_kw"] == pytest.approx(123.0) and row["valley_kw"] == pytest.approx(-21.0)
    assert row["peak_valley_pct"] == pytest.approx(144.0 / 123.0 * 100)
    assert row["ev_energy_kwh"] == pytest.approx(6 * (4 + 3 + 3 + 1))
    assert row["v2g_energy_kwh"] == pytest.approx(24.0)
    # v0 leaves with 37.8 / 60 = 0.63 >= 0.6; v1 with 36 / 40 = 0.9 >= 0.9
    assert row["satisfaction"] == 1.0
    lazy = evaluate(sc, np.array([[P0, [0.0, 3.0, 0.0, 0.0]]])).iloc[0]
    assert lazy["satisfaction"] == 0.5  # v1 leaves with 30 / 40 = 0.75 < 0.9


def test_net_load_and_departure_soc_by_hand():
    sc = two_vehicle_scenario()
    power = np.array([[P0, P1]])  # [S=1, N=2, T=4]
    np.testing.assert_allclose(net_load(sc, power), [[104.0, -21.0, 71.0, 123.0]], rtol=1e-12)
    bess = np.array([[1.0, 0.0, -2.0, 0.0]])
    np.testing.assert_allclose(net_load(sc, power, bess), [[105.0, -21.0, 69.0, 123.0]])
    # v0: 0.5 + 6 * (0.9 * 7 - 4 / 0.8) / 60 = 0.63; v1: 0.3 + 6 * 4 / 40 = 0.9
    np.testing.assert_allclose(departure_soc(sc, power), [[0.63, 0.9]], rtol=1e-12)


@pytest.mark.parametrize("tiny", [1, 96 * 4 * 7])  # one vehicle per block; blocks of 7
def test_block_by_block_evaluation_is_the_whole_one(tiny, monkeypatch):
    sc = load_scenario("building")
    prob = AggregateProblem(sc)
    ev, bess, report = prob.schedules(np.random.default_rng(4).uniform(size=(4, prob.n_var)))
    ev[1, 7, :] = 0.0  # one vehicle misses its target: satisfaction below 1
    whole = evaluate(sc, ev, bess)
    monkeypatch.setattr(blocks, "BLOCK_VALUES", tiny)
    assert len(blocks.vehicle_blocks(sc.fleet.n, 4 * sc.slots)) > 1
    pd.testing.assert_frame_equal(evaluate(sc, ev, bess), whole, rtol=1e-12)
    assert whole["satisfaction"].iloc[1] < whole["satisfaction"].iloc[0]
    np.testing.assert_allclose(whole.loc[[0, 2, 3], list(OBJECTIVES)].to_numpy(),
                               report[[0, 2, 3], :3], rtol=1e-9)

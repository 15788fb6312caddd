"""Power figure (plots.power): charging up, discharging down, one panel without a BESS."""
from __future__ import annotations

import copy

import numpy as np
import pytest

from models.scenario import build_scenario
from moo.problems.baselines import uncoordinated
from plots.power import power
from plots.soc import soc
from tests.plots.conftest import (
    BESS_BACK_KW,
    BESS_KW,
    SITE,
    V2G_KW,
    v2g_solution,
)


def test_power_bars_charge_up_discharge_down(runs):
    sc = runs["front"].scenario
    ev, bess = v2g_solution(sc)
    fig = power(sc, ev, bess)
    ax, ax_b = fig.axes
    bars = {c.get_label(): np.array([r.get_height() for r in c]) for c in ax.containers}
    np.testing.assert_allclose(bars["EV charging"], np.maximum(ev, 0).sum(axis=0))
    np.testing.assert_allclose(bars["EV discharging (V2G)"], -np.maximum(-ev, 0).sum(axis=0))
    assert bars["EV discharging (V2G)"].min() == pytest.approx(-V2G_KW)
    b_bars = {c.get_label(): np.array([r.get_height() for r in c]) for c in ax_b.containers}
    assert b_bars["BESS charging"][2] == pytest.approx(BESS_KW)
    assert b_bars["BESS discharging"][18] == pytest.approx(-BESS_BACK_KW)
    assert "[kW]" in ax.get_ylabel() and "[kW]" in ax_b.get_ylabel()
    assert "[h]" in ax_b.get_xlabel()



def test_time_plots_without_bess_have_one_panel():
    data = copy.deepcopy(SITE)
    del data["bess"]
    sc = build_scenario(data)
    ev = uncoordinated(sc)
    assert len(soc(sc, ev).axes) == 1
    assert len(power(sc, ev).axes) == 1

"""Sketch scenario (moo.problems.sketch): one vehicle in m, the site divided by m."""

from __future__ import annotations

import numpy as np
import pytest

from models.scenario import load_scenario
from moo.problems.sketch import sketch, sketch_factor


@pytest.fixture(scope="module")
def crisscross():
    return load_scenario("crisscross")  # 1,800 vehicles, about 24,600 plugged vehicle-slots


@pytest.fixture(scope="module")
def building():
    return load_scenario("building")  # with a BESS and PV


def test_sketch_keeps_one_vehicle_in_m_and_divides_the_site(building):
    m = 4
    sk = sketch(building, m)
    f, g = building.fleet, building.grid
    assert sk.fleet.n == len(range(m // 2, f.n, m))
    np.testing.assert_allclose(sk.grid.base_load_kw, g.base_load_kw / m)
    np.testing.assert_allclose(sk.grid.pv_kw, g.pv_kw / m)
    np.testing.assert_array_equal(sk.grid.price_buy, g.price_buy)
    assert sk.bess.capacity_kwh == pytest.approx(building.bess.capacity_kwh / m)
    assert sk.bess.p_charge_max_kw == pytest.approx(building.bess.p_charge_max_kw / m)
    # systematic sample: the arrival mix is kept (sorted by arrival, every m-th)
    assert abs(np.mean(sk.fleet.arrival_slot) - np.mean(f.arrival_slot)) < 2.0
    assert sketch(building, 1) is building



def test_sketch_factor_follows_the_plugged_vehicle_slots(crisscross):
    slots = crisscross.fleet.plugged_slots()
    assert sketch_factor(crisscross) == 1  # far below the default limit
    assert sketch_factor(crisscross, slots) == 1
    assert sketch_factor(crisscross, slots - 1) == 2
    assert sketch_factor(crisscross, slots // 10) >= 10
    assert sketch_factor(crisscross, None) == 1

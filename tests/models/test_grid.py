"""Grid (models.grid): prices averaged over a slot, base load interpolated periodically."""

from __future__ import annotations

import numpy as np
import pytest

from models.scenario import build_scenario


def test_price_of_a_slot_straddling_a_boundary_is_the_time_average(presets):
    q = presets["qingdao"]
    slot = int(np.flatnonzero(q.grid.clock_hour == 20.0)[0])  # 20-22 h, valley from 21 h
    assert q.grid.price_buy[slot] == pytest.approx((0.68 + 0.35) / 2, rel=1e-12)
    assert q.grid.price_sell[slot] == pytest.approx((0.55 + 0.28) / 2, rel=1e-12)
    peak = int(np.flatnonzero(q.grid.clock_hour == 8.0)[0])
    assert q.grid.price_buy[peak] == 1.18  # a slot inside one period: the exact price



def test_step_average_with_an_off_grid_boundary(minimal):
    minimal["time"] = {"slots_per_day": 12}
    minimal["grid"]["prices"] = [
        {"name": "day", "hours": [[6.5, 21.5]], "buy": 0.4, "sell": 0.2},
        {"name": "night", "hours": [[21.5, 6.5]], "buy": 0.2, "sell": 0.0},
    ]
    sc = build_scenario(minimal)
    # slot 20-22 h: 1.5 h at 0.4 and 0.5 h at 0.2; slot 6-8 h: 0.5 h at 0.2, 1.5 h at 0.4
    assert sc.grid.price_buy[10] == pytest.approx(0.75 * 0.4 + 0.25 * 0.2, rel=1e-12)
    assert sc.grid.price_buy[3] == pytest.approx(0.25 * 0.2 + 0.75 * 0.4, rel=1e-12)
    assert sc.grid.price_sell[10] == pytest.approx(0.15, rel=1e-12)



def test_base_load_is_interpolated_periodically_at_slot_mid_points(minimal):
    minimal["grid"]["base_load"] = {"hours": [0, 12], "kw": [100.0, 300.0]}
    sc = build_scenario(minimal)
    # slot 23-24 h: mid-point 23.5 h between 300 at 12 h and 100 at 24 h
    assert sc.grid.base_load_kw[23] == pytest.approx(300 - 200 * 11.5 / 12, rel=1e-12)
    assert sc.grid.base_load_kw[0] == pytest.approx(100 + 200 * 0.5 / 12, rel=1e-12)

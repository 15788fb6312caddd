"""Trade-off rates (moo.decision.tradeoffs) on planar and cornered fronts."""

from __future__ import annotations

import numpy as np
import pytest

from moo.decision.tradeoffs import hyperplane_rates, local_rates, normal_cone, rates_from_normal
from moo.util.normalization import Normalization
from tests.decision.fronts import CONVEX, DENT

# A planar front: cost + 4 * peak_valley + 0.01 * variance = 3000 (USD, kW, kW^2).
_PV, _VAR = np.meshgrid(np.linspace(200, 400, 7), np.linspace(10000, 20000, 7))
PLANE = np.column_stack([3000 - 4 * _PV.ravel() - 0.01 * _VAR.ravel(), _VAR.ravel(), _PV.ravel()])


def test_local_rates_on_a_planar_front_are_the_plane_s():
    row = 24  # the middle point: variance 15000, peak_valley 300
    r = local_rates(PLANE, row)
    std = np.sqrt(PLANE[row, 1])
    assert r.rates["cost_per_kw_peak_valley"] == pytest.approx(4.0)
    assert r.rates["cost_per_kw_std"] == pytest.approx(0.01 * 2 * std)
    assert r.rates["kw_std_per_kw_peak_valley"] == pytest.approx(4.0 / 0.01 / (2 * std))


def test_rates_from_weights_are_weight_over_span_ratios():
    norm = Normalization(np.array([1000.0, 10000.0, 200.0]), np.array([1100.0, 20000.0, 400.0]))
    w = np.array([0.5, 0.3, 0.2])
    r = rates_from_normal(w, norm, 14400.0)  # std 120 kW
    assert r["cost_per_kw_peak_valley"] == pytest.approx((0.2 / 200) / (0.5 / 100))
    assert r["cost_per_kw_std"] == pytest.approx((0.3 / 1e4) / (0.5 / 100) * 240)
    assert r["kw_std_per_kw_peak_valley"] == pytest.approx((0.2 / 200) / (0.3 / 1e4) / 240)


def test_local_rates_unknown_without_a_plane():
    assert local_rates(CONVEX[:2], 0).normal is None
    line = np.column_stack([np.linspace(0, 1, 5), np.linspace(1, 0, 5), np.linspace(1, 0, 5)])
    assert local_rates(line, 2).normal is None


def test_normal_cone_of_a_convex_corner():
    # Unit-simplex vertices: e_1 minimises w . F iff w_1 <= w_2 and w_1 <= w_3.
    p = np.eye(3)
    corners = normal_cone(p - p[0])
    expected = [(0.0, 0.0, 1.0), (0.0, 1.0, 0.0), (1 / 3, 1 / 3, 1 / 3)]
    np.testing.assert_allclose(sorted(map(tuple, corners)), expected, atol=1e-6)
    # A dent: w . (0.7, 0.7, 0.7) <= 1 - w_i for all i needs sum w <= 0.9.
    assert len(normal_cone(DENT - DENT[3])) == 0


def test_hyperplane_rates_at_a_face_centre():
    p = np.array([[1.0, 0, 0], [0, 1.0, 0], [0, 0, 1.0], [1 / 3, 1 / 3, 1 / 3]])
    r = hyperplane_rates(p, p[3], p)
    np.testing.assert_allclose(r.normal, [1 / 3, 1 / 3, 1 / 3], atol=1e-6)
    # Spans are 1: the rate cost per kW of peak-to-valley is w_pv / w_cost = 1.
    assert r.rates["cost_per_kw_peak_valley"] == pytest.approx(1.0, abs=1e-5)
    assert hyperplane_rates(DENT, DENT[3], DENT).normal is None

"""Decision methods on hand-made fronts with known answers: reference point, constraint
queries, knees, trade-off rates, weight sensitivity."""

from __future__ import annotations

import numpy as np
import pytest
from pymoo.mcdm.high_tradeoff import HighTradeoffPoints

from models.errors import InputError
from moo.decision.ahp import ExpertPriority, GroupPriority, Priority
from moo.decision.constraint import constraint_query
from moo.decision.knees import knees, tradeoffs_mu
from moo.decision.parse import Bound, parse_aspirations, parse_bound
from moo.decision.reference import asf, reference_point
from moo.decision.select import select
from moo.decision.sensitivity import grid_picks, sensitivity
from moo.decision.tradeoffs import hyperplane_rates, local_rates, normal_cone, rates_from_normal
from moo.exact.scalarised import RHO
from moo.util.normalization import Normalization

# Physical fronts: cost (USD), variance (kW^2), peak_valley (kW).
CONVEX = np.array([[0.0, 10.0, 10.0], [5.0, 5.0, 5.0], [10.0, 0.0, 0.0]])
# (0.6, 0.6) in normalised cost/variance is in a concave dent: no weighted sum picks it.
NONCONVEX = np.array([[0.0, 1.0, 7.0], [0.6, 0.6, 7.0], [1.0, 0.0, 7.0]])

# Three corners of a face and a point above it (x + y + z = 2.1 > 2): not supported.
DENT = np.array([[0.0, 1.0, 1.0], [1.0, 0.0, 1.0], [1.0, 1.0, 0.0], [0.7, 0.7, 0.7]])


# --- parsing -------------------------------------------------------------------------------


def test_parse_aspirations_and_bounds():
    assert parse_aspirations("cost=1250, peak_valley=300") == {"cost": 1250.0, "peak_valley": 300.0}
    assert parse_bound(" peak_valley <= 300 ") == Bound("peak_valley", "<=", 300.0)
    assert parse_bound("variance>=1.5e4") == Bound("variance", ">=", 15000.0)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("cots=1", "unknown objective 'cots'"),
        ("cost", "'cost' is not NAME=VALUE"),
        ("cost=abc", "'abc' is not a number"),
        ("cost=1,cost=2", "cost given twice"),
        ("cost=inf", "not a finite number"),
    ],
)
def test_parse_aspirations_rejects(text, message):
    with pytest.raises(InputError, match=message):
        parse_aspirations(text)


@pytest.mark.parametrize(
    ("text", "message"),
    [("pv<=3", "unknown objective 'pv'"), ("cost<3", "not OBJECTIVE<=VALUE"), ("cost<=x", "'x'")],
)
def test_parse_bound_rejects(text, message):
    with pytest.raises(InputError, match=message):
        parse_bound(text)


# --- reference point -----------------------------------------------------------------------


def test_reference_point_convex_front_hand_computed():
    pick = reference_point(CONVEX, {"cost": 5.0, "peak_valley": 5.0})
    assert pick.index == 1
    # max(0.5 - 0.5, 0.5 - 0.5) + RHO * (0.5 + 0.5 + 0.5)
    assert pick.score == pytest.approx(1.5 * RHO)
    scores = asf(CONVEX, pick.aspiration, Normalization.of_front(CONVEX))
    np.testing.assert_allclose(scores, [0.5 + 2 * RHO, 1.5 * RHO, 0.5 + RHO])


def test_reference_point_reaches_the_nonconvex_dent_no_weighted_sum_can():
    pick = reference_point(NONCONVEX, {"cost": 0.6, "variance": 0.6})
    assert pick.index == 1
    weight_picks = {select(NONCONVEX, [w, 1 - w, 0.0]).index for w in np.linspace(0, 1, 101)}
    assert 1 not in weight_picks


def test_reference_point_unnamed_objective_only_breaks_ties():
    # Same cost; row 0 has the worse variance: the augmentation term picks row 1.
    f = np.array([[1.0, 9.0, 3.0], [1.0, 2.0, 3.0], [4.0, 1.0, 1.0]])
    assert reference_point(f, {"cost": 1.0}).index == 1


def test_reference_point_ties_and_one_point_front():
    dup = np.array([[1.0, 2.0, 3.0], [1.0, 2.0, 3.0], [2.0, 1.0, 1.0]])
    assert reference_point(dup, {"cost": 1.0}).index == 0
    one = reference_point(np.array([[3.0, 4.0, 5.0]]), {"cost": 1.0, "variance": 9.0})
    assert one.index == 0 and one.score == 0.0  # no range: every coordinate maps to 0


def test_reference_point_on_a_constant_objective_falls_back_to_the_augmentation():
    # peak_valley is 7 everywhere: the max is empty; normalised sums are 1, 1.2, 1.
    assert reference_point(NONCONVEX, {"peak_valley": 3.0}).index == 0


# --- constraint queries --------------------------------------------------------------------


def test_constraint_query_picks_cheapest_within_bounds():
    f = np.array([[10.0, 1.0, 400.0], [20.0, 2.0, 300.0], [25.0, 1.0, 250.0], [30.0, 0.5, 200.0]])
    q = constraint_query(f, [parse_bound("peak_valley<=300")], "cost")
    assert (q.index, q.feasible, q.n_satisfying) == (1, True, 3)
    q = constraint_query(f, [parse_bound("peak_valley<=300"), parse_bound("variance<=1")], "cost")
    assert q.index == 2
    q = constraint_query(f, [parse_bound("cost>=21")], "peak_valley")
    assert q.index == 3


def test_constraint_query_ties_go_to_the_better_rest_then_the_first_row():
    f = np.array([[5.0, 9.0, 1.0], [5.0, 3.0, 1.0], [5.0, 3.0, 1.0], [9.0, 0.0, 0.0]])
    assert constraint_query(f, [parse_bound("cost<=6")], "cost").index == 1


def test_constraint_query_infeasible_names_the_nearest_point():
    f = np.array([[10.0, 1.0, 400.0], [20.0, 2.0, 300.0], [30.0, 0.5, 200.0]])
    q = constraint_query(f, [parse_bound("peak_valley<=150")], "cost")
    assert not q.feasible and q.n_satisfying == 0
    assert q.index == 2 and q.violations == (50.0,)
    assert "peak_valley<=150 missed by 50" in q.describe()


def test_constraint_query_one_point_front():
    one = np.array([[1.0, 2.0, 3.0]])
    assert constraint_query(one, [parse_bound("cost<=1")], "variance").feasible
    q = constraint_query(one, [parse_bound("cost<=0.5")], "variance")
    assert not q.feasible and q.violations == (0.5,)


# --- knees ---------------------------------------------------------------------------------


def _bent_front() -> tuple[np.ndarray, int]:
    """Two straight pieces meeting at (0.1, 0.1): a sharp knee; the third objective flat."""
    a = np.column_stack([np.linspace(0.0, 0.1, 11), np.linspace(1.0, 0.1, 11)])
    b = np.column_stack([np.linspace(0.1, 1.0, 11)[1:], np.linspace(0.1, 0.0, 11)[1:]])
    f = np.column_stack([np.vstack([a, b]), np.full(21, 4.0)])
    return f, 10


def test_knee_of_a_bent_front():
    f, knee = _bent_front()
    found = knees(f)
    assert found.rows == (knee,)
    # Leaving the knee along either piece: 0.09 lost per 0.01 won.
    assert found.mu[knee] == pytest.approx(9.0)


def test_knees_none_on_a_straight_front_and_tiny_fronts():
    line = np.column_stack([np.linspace(0, 1, 15), np.linspace(1, 0, 15), np.zeros(15)])
    assert knees(line).rows == ()
    assert knees(CONVEX[:2]).rows == ()
    assert knees(CONVEX[:1]).rows == ()


def test_mu_matches_pymoo_at_its_hard_coded_epsilon_and_uses_ours_otherwise():
    rng = np.random.default_rng(3)
    x = rng.random((40, 2))
    f = np.column_stack([x, 1.5 - x.sum(axis=1)])  # a plane: mutually non-dominated
    z = Normalization.of_front(f).apply(f)
    ours = tradeoffs_mu(z, 0.125)
    # pymoo's _do computes the same mu (it always uses 0.125); rebuild it from its pieces.
    dm = HighTradeoffPoints(epsilon=0.5)
    assert dm.epsilon == 0.5  # stored, but ignored by _do in pymoo 0.6.x
    wide = tradeoffs_mu(z, 0.5)
    brute = []
    for i in range(len(z)):
        near = np.linalg.norm(z - z[i], axis=1) <= 0.5
        diff = z[near] - z[i]
        s, g = np.maximum(0, diff).sum(axis=1), np.maximum(0, -diff).sum(axis=1)
        brute.append((s[g > 0] / g[g > 0]).min())
    np.testing.assert_allclose(wide, brute)
    assert not np.allclose(ours, wide)


# --- trade-off rates -----------------------------------------------------------------------

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


# --- weight sensitivity --------------------------------------------------------------------


def _group(weights, experts=()) -> GroupPriority:
    def prio(w):
        return Priority(np.asarray(w, float), "eigen", 3.0, 0.0, 0.58, "saaty", 0.0, 0.1)

    return GroupPriority(
        np.asarray(weights, float),
        "aip",
        tuple(ExpertPriority(n, prio(w)) for n, w in experts),
    )


def test_smallest_l1_change_hand_computed():
    # Normalised: A=(0,1,0), B=(1,0,0). At w0=(0.3,0.5,0.2): A scores 0.5, B 0.3 -> B.
    # A ties B when w_1 = w_2; the cheapest move shifts 0.1 from w_2 to w_1: L1 = 0.2.
    f = np.array([[0.0, 1.0, 5.0], [1.0, 0.0, 5.0]])
    s = sensitivity(f, _group([0.3, 0.5, 0.2], [("e1", [0.6, 0.2, 0.2]), ("e2", [0.1, 0.8, 0.1])]))
    assert s.row == 1 and s.flip_row == 0
    assert s.min_l1 == pytest.approx(0.2)
    np.testing.assert_allclose(s.flip_weights, [0.4, 0.4, 0.2], atol=1e-9)
    assert s.expert_rows == (0, 1)
    # The grid never picks a row the exact LP says cannot be reached closer than min_l1.
    l1 = np.abs(s.grid - s.weights).sum(axis=1)
    assert (l1[s.grid_rows != s.row] >= s.min_l1 - 1e-9).all()
    assert len(s.grid) == 5151


def test_sensitivity_one_point_front_and_duplicates():
    one = sensitivity(np.array([[1.0, 2.0, 3.0]]), _group([0.2, 0.3, 0.5]))
    assert one.min_l1 is None and set(one.grid_rows) == {0}
    dup = sensitivity(np.array([[1.0, 2.0, 3.0]] * 2), _group([0.2, 0.3, 0.5]))
    assert dup.min_l1 is None  # a copy of the pick is not another point


def test_weight_map_never_picks_the_nonconvex_dent_and_matches_select():
    s = sensitivity(NONCONVEX, _group([0.5, 0.4, 0.1]))
    assert 1 not in set(s.grid_rows)
    for k in range(0, len(s.grid), 97):
        assert s.grid_rows[k] == select(NONCONVEX, s.grid[k]).index


def test_tchebycheff_sensitivity_is_a_grid_distance():
    s = sensitivity(NONCONVEX, _group([0.5, 0.4, 0.1]), "tchebycheff")
    assert not s.exact and s.min_l1 is not None
    l1 = np.abs(s.grid - s.weights).sum(axis=1)
    assert s.min_l1 == pytest.approx(l1[s.grid_rows != s.row].min())


def test_closed_form_flip_matches_an_lp_solver():
    from scipy.optimize import linprog

    rng = np.random.default_rng(11)
    eye = np.eye(3)
    for _ in range(20):
        f = rng.random((12, 3))
        w0 = rng.dirichlet(np.ones(3))
        s = sensitivity(f, _group(w0))
        z = Normalization.of_front(f).apply(f)
        best = np.inf
        for j in range(len(f)):
            if j == s.row:
                continue
            res = linprog(
                np.r_[np.zeros(3), np.ones(6)],
                A_ub=np.r_[z[j] - z[s.row], np.zeros(6)][None],
                b_ub=[0.0],
                A_eq=np.vstack([np.hstack([eye, -eye, eye]), np.r_[np.ones(3), np.zeros(6)]]),
                b_eq=np.r_[w0, 1.0],
                bounds=[(0, None)] * 9,
                method="highs",
            )
            if res.status == 0:
                best = min(best, res.fun)
        assert s.min_l1 == pytest.approx(best, abs=1e-9)
        assert np.abs(s.flip_weights - w0).sum() == pytest.approx(best, abs=1e-9)


@pytest.mark.parametrize("method", ["weighted-sum", "tchebycheff"])
def test_grid_picks_match_select_one_by_one(method):
    rng = np.random.default_rng(5)
    f = np.vstack([rng.random((30, 3)), np.zeros((1, 3)) + 0.5, np.zeros((1, 3)) + 0.5])
    grid = rng.dirichlet(np.ones(3), size=200)
    grid[:3] = np.eye(3)  # vertices: many ties in the zero-weight objectives
    picks = grid_picks(f, grid, method)
    assert [int(p) for p in picks] == [select(f, w, method).index for w in grid]

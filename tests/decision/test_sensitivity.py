"""Weight sensitivity (moo.decision.sensitivity): hand-computed flips and grid picks."""

from __future__ import annotations

import numpy as np
import pytest

from moo.decision.ahp import ExpertPriority, GroupPriority, Priority
from moo.decision.select import select
from moo.decision.sensitivity import grid_picks, sensitivity
from moo.util.normalization import Normalization
from tests.decision.fronts import NONCONVEX


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

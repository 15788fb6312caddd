"""Constraint queries (moo.decision.constraint) on hand-made fronts."""

from __future__ import annotations

import numpy as np

from moo.decision.constraint import constraint_query
from moo.decision.parse import parse_bound


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

"""Decision methods on inputs they were not written for: degenerate fronts, two-objective
judgements, any reference point or bound. Nothing but an `InputError` may escape, and every
claim printed about the chosen row ("every level met", "satisfy") must be true of that row."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from models.errors import InputError
from moo.decision.ahp import ExpertPriority, GroupPriority, Priority
from moo.decision.constraint import constraint_query
from moo.decision.knees import knees
from moo.decision.parse import Bound, objective_index, parse_aspirations, parse_bound
from moo.decision.reference import reference_point
from moo.decision.select import select
from moo.decision.sensitivity import sensitivity
from moo.problems.objectives import OBJECTIVES

_VALUE = st.sampled_from([0.0, 1.0, 2.0, 3.5, 10.0, -4.0, 1e6])


@st.composite
def fronts(draw, k=3):  # [S, K], 1..5 points, some columns constant
    s = draw(st.integers(1, 5))
    cols = []
    for _ in range(k):
        if draw(st.booleans()):
            cols.append(np.full(s, draw(_VALUE)))
        else:
            cols.append(np.array(draw(st.lists(_VALUE, min_size=s, max_size=s))))
    return np.column_stack(cols)


def _weights(draw, k):
    raw = np.array(draw(st.lists(st.integers(0, 9), min_size=k, max_size=k)), float)
    if raw.sum() == 0:
        raw[0] = 1.0
    return raw / raw.sum()


@st.composite
def groups(draw, k):
    def prio(w):
        return Priority(w, "eigen", float(k), 0.0, 0.58, "saaty", 0.0, 0.1)

    experts = tuple(
        ExpertPriority(f"e{i}", prio(_weights(draw, k))) for i in range(draw(st.integers(0, 3)))
    )
    return GroupPriority(_weights(draw, k), "aip", experts)


@settings(max_examples=150, deadline=None)
@given(st.integers(2, 3).flatmap(lambda k: st.tuples(fronts(k), groups(k))),
       st.sampled_from(["weighted-sum", "tchebycheff"]))
def test_sensitivity_any_number_of_objectives(case, method):
    f, group = case
    s = sensitivity(f, group, method)
    assert s.grid.shape[1] == f.shape[1]
    assert s.row == select(f, group.weights, method).index
    if s.flip_row is not None:
        assert s.flip_row != s.row and s.min_l1 >= 0


@settings(max_examples=200, deadline=None)
@given(fronts(), st.dictionaries(st.sampled_from(OBJECTIVES), _VALUE, min_size=1))
def test_reference_point_claims_are_true_of_the_pick(f, levels):
    pick = reference_point(f, levels)
    met = all(f[pick.index, OBJECTIVES.index(n)] <= v for n, v in levels.items())
    assert pick.every_level_met == met
    assert ("every level met" in pick.describe_levels()) == met
    for name, by in pick.missed:
        assert by == pytest.approx(f[pick.index, OBJECTIVES.index(name)] - levels[name])


def test_one_point_front_misses_a_level():
    pick = reference_point([[5.0, 2.0, 1.0]], {"cost": 4.0, "variance": 3.0})
    assert not pick.every_level_met
    assert pick.describe_levels() == "missed: cost by 1"


_BOUNDS = st.lists(
    st.builds(Bound, st.sampled_from(OBJECTIVES), st.sampled_from(["<=", ">="]), _VALUE),
    min_size=1, max_size=3,
)


@settings(max_examples=200, deadline=None)
@given(fronts(), _BOUNDS, st.sampled_from(OBJECTIVES))
def test_constraint_claims_are_true_of_the_pick(f, bounds, minimise):
    pick = constraint_query(f, bounds, minimise)
    holds = [
        (f[:, b.index] <= b.value) if b.op == "<=" else (f[:, b.index] >= b.value)
        for b in bounds
    ]
    ok = np.logical_and.reduce(holds)
    assert pick.feasible == bool(ok.any())
    assert pick.n_satisfying == int(ok.sum())
    if pick.feasible:
        assert ok[pick.index]
        m = OBJECTIVES.index(minimise)
        assert f[pick.index, m] == f[ok, m].min()
    else:
        assert not ok.any() and any(v > 0 for v in pick.violations)


@settings(max_examples=100, deadline=None)
@given(fronts())
def test_knees_on_degenerate_fronts(f):
    found = knees(f)
    assert len(found.mu) == len(f)


@pytest.mark.parametrize("name", ["", " ", "Cost", "costs", "peak-valley"])
def test_every_objective_name_parser_refuses_unknown_names(name):
    with pytest.raises(InputError, match="unknown objective"):
        objective_index(name, "--minimise")
    with pytest.raises(InputError):
        constraint_query([[1.0, 2.0, 3.0]], [], name)
    with pytest.raises(InputError):
        parse_aspirations(f"{name}=1")
    with pytest.raises(InputError):
        parse_bound(f"{name}<=1")

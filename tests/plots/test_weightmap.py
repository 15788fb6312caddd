"""The ternary weight map: coordinates, one marker per lattice point, bad input."""

from __future__ import annotations

import numpy as np
import pytest

from models.errors import InputError
from moo.decision.ahp import ExpertPriority, GroupPriority, Priority
from moo.decision.sensitivity import sensitivity
from plots.weightmap import ternary_xy, weight_map

OBJ = ("cost", "variance", "peak_valley")


def test_ternary_vertices_and_centre():
    xy = ternary_xy(np.vstack([np.eye(3), np.full(3, 1 / 3)]))
    np.testing.assert_allclose(xy[:3], [[0, 0], [1, 0], [0.5, np.sqrt(3) / 2]])
    np.testing.assert_allclose(xy[3], [0.5, np.sqrt(3) / 6])


def _selection():
    f = np.array([[0.0, 1.0, 5.0], [1.0, 0.0, 5.0], [0.4, 0.4, 0.0]])
    prio = Priority(np.array([0.6, 0.2, 0.2]), "eigen", 3.0, 0.0, 0.58, "saaty", 0.0, 0.1)
    group = GroupPriority(np.array([0.3, 0.5, 0.2]), "aip", (ExpertPriority("e1", prio),))
    sens = sensitivity(f, group).to_dict(np.array([10, 11, 12]), OBJ)
    return {
        "mode": "economy",
        "method": "weighted-sum",
        "weights": dict(zip(OBJ, [0.3, 0.5, 0.2], strict=True)),
        "solution": 11,
        "sensitivity": sens,
    }


def test_weight_map_draws_every_lattice_point_and_the_marks():
    sel = _selection()
    fig = weight_map(sel)
    ax = fig.axes[0]
    sizes = [len(c.get_offsets()) for c in ax.collections]
    assert sizes[0] == 5151  # the lattice
    assert sizes.count(1) >= 3  # mode, expert, nearest change
    picks = set(sel["sensitivity"]["weight_map"]["solution"])
    assert f"{len(picks)} distinct picks" in ax.get_title()


def test_weight_map_needs_a_sensitivity():
    with pytest.raises(InputError, match="no weight map"):
        weight_map({"mode": "economy", "weights": {}})

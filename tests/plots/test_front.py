"""Front figures (plots.front): the 3-D front and its projections, with units and marks."""
from __future__ import annotations

import numpy as np
import pytest
from matplotlib.figure import Figure

from models.errors import InputError
from plots.front import front_3d, front_projections
from tests.plots.conftest import (
    OBJ_LABELS,
    legend_texts,
    marks,
)


def test_front_3d_marks_reference_and_selected_points(runs):
    front, exact = runs["front"], runs["exact"]
    fig = front_3d(front, points=marks(runs), reference=exact)
    assert isinstance(fig, Figure)
    (ax,) = fig.axes
    assert ax.name == "3d"
    sizes = [len(c._offsets3d[0]) for c in ax.collections]
    assert sizes == [len(front.front), len(exact.front), 1, 1, 1, 1]
    np.testing.assert_allclose(np.asarray(ax.collections[0]._offsets3d[1]), front.front["variance"])
    labels = legend_texts(ax.get_legend())
    assert labels == [
        "Front (nsga2, 6 solutions)",
        "Exact front",
        "Uncoordinated",
        "Ordered",
        "Economy (AHP)",
        "Response (AHP)",
    ]
    assert [t.get_text() for t in ax.texts] == labels[2:]
    assert "[EUR]" in ax.get_xlabel() and "[kW²]" in ax.get_ylabel()
    assert "[kW]" in ax.get_zlabel()



def test_front_projections_one_panel_per_pair_with_units(runs):
    front, exact = runs["front"], runs["exact"]
    points = marks(runs)
    fig = front_projections(front, points=points, reference=exact)
    panels = [ax for ax in fig.axes if ax.collections]
    assert len(panels) == 3
    pairs = [("cost", "variance"), ("cost", "peak_valley"), ("variance", "peak_valley")]
    for ax, (x, y) in zip(panels, pairs, strict=True):
        assert f"[{OBJ_LABELS[x]}]" in ax.get_xlabel() and f"[{OBJ_LABELS[y]}]" in ax.get_ylabel()
        offsets = [c.get_offsets() for c in ax.collections]
        assert [len(o) for o in offsets] == [6, 3, 1, 1, 1, 1]
        np.testing.assert_allclose(offsets[0], front.front[[x, y]].to_numpy())
        assert [t.get_text() for t in ax.texts] == [p.label for p in points]
    legend = next(ax.get_legend() for ax in fig.axes if ax.get_legend() is not None)
    assert "Exact front" in legend_texts(legend) and "Response (AHP)" in legend_texts(legend)



def test_front_from_arrays_and_bad_shape():
    f = np.array([[1.0, 4.0, 9.0], [2.0, 3.0, 8.0], [3.0, 1.0, 7.0]])
    fig = front_projections(f, currency="CNY")
    assert "[CNY]" in fig.axes[0].get_xlabel()
    assert len(fig.axes[0].collections[0].get_offsets()) == 3
    with pytest.raises(InputError, match=r"\[S, 3\]"):
        front_3d(np.ones((3, 2)))

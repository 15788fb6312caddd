"""Parallel coordinates (plots.parallel): one line per solution, real tick values."""
from __future__ import annotations

import numpy as np
from matplotlib.collections import LineCollection

from plots.parallel import parallel_coordinates
from tests.plots.conftest import (
    marks,
)


def test_parallel_coordinates_lines_and_real_tick_values(runs):
    front = runs["front"]
    points = marks(runs)
    fig = parallel_coordinates(front, points=points)
    (ax,) = fig.axes
    (coll,) = [
        c
        for c in ax.collections
        if isinstance(c, LineCollection) and c.get_label() and not c.get_label().startswith("_")
    ]
    assert len(coll.get_segments()) == len(front.front)
    marked = [ln for ln in ax.get_lines() if not ln.get_label().startswith("_")]
    assert [ln.get_label() for ln in marked] == [p.label for p in points]
    assert all(np.all((ln.get_ydata() >= 0) & (ln.get_ydata() <= 1)) for ln in marked)
    cost = np.concatenate([front.front["cost"], [p.objectives[0] for p in points]])
    ticks = {t.get_text() for t in ax.texts}
    assert f"{cost.min():,.0f}" in ticks or f"{cost.min():.3g}" in ticks
    assert f"{cost.max():,.0f}" in ticks or f"{cost.max():.3g}" in ticks
    names = [t.get_text() for t in ax.get_xticklabels()]
    assert ["[EUR]" in names[0], "[kW²]" in names[1], "[kW]" in names[2]] == [True] * 3

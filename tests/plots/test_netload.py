"""Net-load figure (plots.netload): one curve per schedule over the price bands."""
from __future__ import annotations

import numpy as np
from matplotlib.collections import PolyCollection
from matplotlib.patches import Rectangle

from moo.problems.baselines import uncoordinated
from plots.netload import net_load
from plots.style import look
from tests.plots.conftest import (
    PRICE_RUNS,
    legend_texts,
    marks,
    site,
)


def test_net_load_one_curve_per_schedule_over_price_bands(runs):
    front = runs["front"]
    sc = front.scenario
    points = marks(runs)
    fig = net_load(sc, points)
    ax = fig.axes[0]
    named = {ln.get_label(): ln for ln in ax.get_lines() if not ln.get_label().startswith("_")}
    assert list(named) == ["Base load", "Base load − PV", *(p.label for p in points)]
    for p in points:
        np.testing.assert_allclose(named[p.label].get_ydata()[:-1], p.net_load_kw)
        assert named[p.label].get_color() == look(p.key).color
    np.testing.assert_allclose(
        named["Base load − PV"].get_ydata()[:-1], sc.grid.base_load_kw - sc.grid.pv_kw
    )
    pv = [c for c in ax.collections if isinstance(c, PolyCollection) and c.get_label() == "PV"]
    assert len(pv) == 1
    bands = [p for p in ax.patches if isinstance(p, Rectangle)]
    assert len(bands) == PRICE_RUNS
    assert legend_texts(ax.get_legend()) == ["0.30 EUR/kWh", "0.20 EUR/kWh", "0.10 EUR/kWh"]
    assert "[kW]" in ax.get_ylabel() and "[h]" in ax.get_xlabel()
    assert set(legend_texts(fig.legends[0])) == {"PV", *named}



def test_net_load_accepts_arrays_and_clock_axis_follows_start_hour():
    sc = site(start_hour=6)
    net = sc.grid.net_base_kw + uncoordinated(sc).sum(axis=0)
    fig = net_load(sc, {"uncoordinated": net, "my schedule": net + 1.0})
    ax = fig.axes[0]
    labels = [ln.get_label() for ln in ax.get_lines() if not ln.get_label().startswith("_")]
    assert labels[2:] == ["Uncoordinated", "my schedule"]
    assert ax.get_xlim() == (0.0, 24.0)
    ticks = [t.get_text() for t in ax.get_xticklabels()]
    assert ticks[0] == "06:00" and ticks[-1] == "06:00" and "00:00" in ticks

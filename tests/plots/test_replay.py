"""Figures of replayed days (plots.replay): the gaps between the policies, one day's net load."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from plots.replay import day_gaps, day_net_load


@pytest.fixture
def drawn(monkeypatch):
    """The figures the module saves, kept for inspection (the files are written as usual)."""
    figures = []
    save = Figure.savefig
    monkeypatch.setattr(Figure, "savefig", lambda fig, *a, **k: figures.append(fig) or
                        save(fig, *a, **k))
    return figures


def test_day_gaps_bars_are_the_price_of_not_knowing_and_the_value_of_replanning(tmp_path, drawn):
    rows = [("a", "economy", day, policy, value)
            for day, values in (("2024-01-01", (10.0, 12.0, 15.0)),
                                ("2024-01-02", (8.0, 8.5, 8.0)))
            for policy, value in zip(("perfect", "mpc", "plan"), values, strict=True)]
    days = pd.DataFrame(rows, columns=["site", "mode", "day", "policy", "weighted"])
    path = day_gaps(days, tmp_path / "gaps.png")
    assert path.read_bytes()[:4] == b"\x89PNG"
    (ax,) = drawn[0].axes
    heights = [p.get_height() for p in ax.patches]
    np.testing.assert_allclose(heights, [2.0, 0.5, 3.0, -0.5])  # mpc - perfect, plan - mpc
    assert [t.get_text() for t in ax.get_xticklabels()] == ["01-01", "01-02"]
    assert ax.get_title() == "a, economy"


def test_day_net_load_one_step_line_per_policy_on_the_hour_axis(tmp_path, drawn):
    net = {"perfect": np.array([1.0, 2.0, 3.0, 4.0]), "mpc": np.array([4.0, 3.0, 2.0, 1.0])}
    day_net_load(net, 0.5, "a day", tmp_path / "net.png")
    (ax,) = drawn[0].axes
    assert [ln.get_label() for ln in ax.get_lines()] == ["perfect", "mpc"]
    np.testing.assert_allclose(ax.get_lines()[0].get_xdata(), [0.0, 0.5, 1.0, 1.5])
    assert "[kW]" in ax.get_ylabel()

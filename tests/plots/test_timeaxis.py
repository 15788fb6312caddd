"""Time axis of the time plots (plots.timeaxis): price bands or a price axis."""
from __future__ import annotations

import copy

from models.scenario import build_scenario
from plots.netload import net_load
from plots.timeaxis import MAX_PRICE_BANDS
from tests.plots.conftest import (
    SITE,
)


def test_many_price_levels_get_a_price_axis():
    data = copy.deepcopy(SITE)
    data["grid"]["prices"] = [
        {"name": f"h{h}", "hours": [[h, h + 3]], "buy": 0.1 + 0.01 * h, "sell": 0.0}
        for h in range(0, 24, 3)
    ]
    assert len(data["grid"]["prices"]) > MAX_PRICE_BANDS
    fig = net_load(build_scenario(data), {})
    assert any("Buy price [EUR/kWh]" in ax.get_ylabel() for ax in fig.axes)

"""SOC figure (plots.soc): energies recomputed from the powers."""
from __future__ import annotations

import numpy as np
import pytest

from plots.soc import fleet_soc, soc
from tests.plots.conftest import (
    BESS_KW,
    V2G_KW,
    legend_texts,
    v2g_solution,
)


def test_soc_recomputes_energy_from_powers(runs):
    sc = runs["front"].scenario
    f = sc.fleet
    ev, bess = v2g_solution(sc)
    soc_frac = fleet_soc(sc, ev)  # [N, T+1]
    a, d = int(f.arrival_slot[0]), int(f.departure_slot[0])
    assert np.isnan(soc_frac[0, :a]).all() and np.isnan(soc_frac[0, d + 1 :]).all()
    assert soc_frac[0, a + 1] == pytest.approx(0.5 - V2G_KW / 0.95 / 40.0)
    assert soc_frac[0, d] == pytest.approx(0.8)

    fig = soc(sc, ev, bess, label="V2G", vehicles=[0])
    ax, ax_b = fig.axes
    lines = {ln.get_label(): ln for ln in ax.get_lines()}
    ev0 = next(ln for name, ln in lines.items() if name.startswith("EV 0 "))
    np.testing.assert_allclose(ev0.get_ydata(), 100 * soc_frac[0])
    mean = lines["Mean of plugged EVs"].get_ydata()
    np.testing.assert_allclose(mean[a + 1], 100 * np.nanmean(soc_frac[:, a + 1]))
    assert "10–90 % of plugged EVs" in legend_texts(ax.get_legend())
    assert "[%]" in ax.get_ylabel() and "[%]" in ax_b.get_ylabel() and "V2G" in ax.get_title()
    bess_pct = ax_b.get_lines()[0].get_ydata()
    assert bess_pct[0] == pytest.approx(50.0) and bess_pct[-1] == pytest.approx(50.0)
    assert bess_pct.max() == pytest.approx(100 * (25.0 + BESS_KW * 0.95) / 50.0)

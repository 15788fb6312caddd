"""Figure style (plots.style): Okabe-Ito colours, thousands separators."""
from __future__ import annotations

import numpy as np

from plots.style import LOOKS, OKABE_ITO, look


def test_colours_are_okabe_ito_and_stable():
    palette = set(OKABE_ITO.values())
    assert all(lk.color in palette for lk in LOOKS.values())
    assert look("night") == look("night") and look("night").color in palette
    assert look("uncoordinated").color != look("ordered").color != look("economy").color



def test_thousands_tolerates_an_empty_history():
    """A swarm stopped by its budget before its first generation has an empty history; the
    study's convergence figure must still draw (study caltech --budget 60 crashed here)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import StrMethodFormatter

    from plots.style import thousands

    fig, ax = plt.subplots()
    thousands(ax.xaxis, np.zeros(0))
    assert not isinstance(ax.xaxis.get_major_formatter(), StrMethodFormatter)
    thousands(ax.xaxis, np.array([10.0, 2000.0]))
    assert isinstance(ax.xaxis.get_major_formatter(), StrMethodFormatter)
    plt.close(fig)

"""Figure style (plots.style): Okabe-Ito colours, thousands separators."""
from __future__ import annotations

import zlib

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import StrMethodFormatter

from plots.style import CYCLE, LOOKS, OKABE_ITO, look, thousands


def test_colours_are_okabe_ito_and_stable():
    palette = set(OKABE_ITO.values())
    assert all(lk.color in palette for lk in LOOKS.values())
    assert len({look(k).color for k in ("uncoordinated", "ordered", "economy")}) == 3
    # an unknown series keeps its colour from run to run: it comes from a checksum of the
    # name, not from hash(), which changes with every interpreter
    night = look("night")
    assert night.label == "night" and night.color in palette
    assert night.color == CYCLE[zlib.crc32(b"night") % len(CYCLE)]



def test_thousands_tolerates_an_empty_history():
    """A swarm stopped by its budget before its first generation has an empty history; the
    study's convergence figure must still draw (study caltech --budget 60 crashed here)."""
    ax = Figure().add_subplot()
    thousands(ax.xaxis, np.zeros(0))
    assert not isinstance(ax.xaxis.get_major_formatter(), StrMethodFormatter)
    thousands(ax.xaxis, np.array([10.0, 2000.0]))
    assert isinstance(ax.xaxis.get_major_formatter(), StrMethodFormatter)

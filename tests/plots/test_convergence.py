"""Convergence figure (plots.convergence): a line per run, a panel per kind of history."""
from __future__ import annotations

import numpy as np
import pytest

from models.errors import InputError
from plots.convergence import convergence
from tests.plots.conftest import (
    history,
)


def test_convergence_one_line_per_run_and_a_panel_per_kind(runs):
    fig = convergence([runs["front"], runs["plain"]])
    (ax,) = fig.axes
    assert [ln.get_label() for ln in ax.get_lines()] == [
        f"nsga2 seed 7 ({runs['front'].path.name})",
        f"nsga2 seed 7 ({runs['plain'].path.name})",
    ]
    np.testing.assert_allclose(ax.get_lines()[0].get_ydata(), runs["front"].history["hypervolume"])
    assert "Hypervolume" in ax.get_ylabel() and "evaluations" in ax.get_xlabel()

    fig = convergence(
        {"NSGA-II": history(5, "nsga"), "MLGCSO": history(8, "swarm"), "CSO": history(8, "swarm")}
    )
    hv, best = fig.axes
    assert [ln.get_label() for ln in hv.get_lines()] == ["NSGA-II"]
    assert [ln.get_label() for ln in best.get_lines()] == ["MLGCSO", "CSO"]
    assert len(best.get_lines()[1].get_xdata()) == 8 and "score" in best.get_ylabel()
    with pytest.raises(InputError, match="no convergence history"):
        convergence([runs["uncoordinated"]])

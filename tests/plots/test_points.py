"""Operating points marked on the figures (plots.points): baselines, selections, extremes."""
from __future__ import annotations

import numpy as np
import pytest

from models.errors import InputError
from moo.decision.ahp import load_default_judgements
from moo.decision.select import select_mode
from moo.rundir import read_run, write_run
from moo.rundir.selection import write_selection
from plots.points import baseline_points, extreme_points, selected_points
from tests.plots.conftest import (
    front_schedules,
    site,
)


def test_points_from_runs_meta_selections_and_extremes(runs):
    front = runs["front"]
    from_runs = baseline_points(front, [runs["uncoordinated"], runs["ordered"]])
    from_meta = baseline_points(front)
    assert [p.key for p in from_runs] == [p.key for p in from_meta] == ["uncoordinated", "ordered"]
    assert all(p.has_schedule for p in from_runs) and not any(p.has_schedule for p in from_meta)
    for a, b in zip(from_runs, from_meta, strict=True):
        np.testing.assert_allclose(a.objectives, b.objectives, rtol=1e-12)
    chosen = selected_points(front)
    assert [p.label for p in chosen] == ["Economy (AHP)", "Response (AHP)"]
    for p in chosen:
        row = int(np.flatnonzero(front.front["solution"] == p.solution)[0])
        np.testing.assert_allclose(p.net_load_kw, front.schedules["net_load"][row])
    assert selected_points(runs["plain"]) == []
    low_cost, low_var = extreme_points(runs["plain"])
    f = runs["plain"].objectives
    assert low_cost.objectives[0] == f[:, 0].min() and low_var.objectives[1] == f[:, 1].min()
    assert (low_cost.label, low_var.label) == ("Min cost", "Min variance")



def test_stale_selection_is_an_input_error(runs, tmp_path):
    sc = site()
    ev, bess = front_schedules(sc)
    first, other = tmp_path / "first", tmp_path / "other"
    write_run(first, sc, ev, bess, algorithm="nsga2")
    opened = read_run(first)
    chosen = write_selection(opened, "economy", "ahp",
                             select_mode(opened, load_default_judgements(), "economy").to_dict())
    # Overwriting a run removes its selections; a selection copied by hand into another run
    # of the same site is what can still go stale.
    write_run(other, sc, ev[::-1].copy(), bess[::-1].copy(), algorithm="nsga2")
    (other / chosen.name).write_bytes(chosen.read_bytes())
    with pytest.raises(InputError, match="does not match front.csv"):
        selected_points(read_run(other))



def test_same_site_compares_session_ids_as_text(tmp_path, presets):
    """Sessions fleets carry string ids; comparing two runs of caltech must not choke on them."""
    from moo.problems.baselines import baseline
    from moo.rundir import read_run, write_run
    from plots.points import same_site

    sc = presets["caltech"]
    a = read_run(write_run(tmp_path / "a", sc, baseline(sc, "ordered")[None], algorithm="o"))
    b = read_run(write_run(tmp_path / "b", sc, baseline(sc, "ordered")[None], algorithm="o"))
    assert same_site(a, b)

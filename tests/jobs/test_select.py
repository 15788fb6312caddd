"""The select job: one method per spec, the run read once, every pick can be kept, and a
kept pick is what `export --selection NAME` and the figures act on."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from cli import cli
from jobs.export import ExportSpec
from jobs.export import run as export
from jobs.select import SelectSpec, run
from models.errors import InputError
from moo.problems.objectives import KPI_COLUMNS, OBJECTIVES
from moo.rundir import read_run
from moo.rundir.export import read_export
from moo.rundir.selection import read_selection
from tests.conftest import write_front_run

DAY = "2026-06-01"


def _bent(tmp_path):
    """A front with one sharp knee (solution 10, as in tests/decision/test_methods.py)."""
    a = np.column_stack([np.linspace(0.0, 0.1, 11), np.linspace(1.0, 0.1, 11)])
    b = np.column_stack([np.linspace(0.1, 1.0, 11)[1:], np.linspace(0.1, 0.0, 11)[1:]])
    f = np.column_stack([np.vstack([a, b]), np.full(21, 4.0)]) * [1000.0, 5000.0, 100.0]
    front = pd.DataFrame(f, columns=list(OBJECTIVES))
    front.insert(0, "solution", np.arange(21))
    for c in KPI_COLUMNS:
        front[c] = 1.0
    return write_front_run(tmp_path / "bent", front)


@pytest.mark.parametrize("options, wrong", [
    ({}, "give exactly one of"),
    ({"mode": "economy", "knees": True}, "got --mode, --knees"),
    ({"mode": "economy", "save": "x"}, "--save goes with the other methods"),
    ({"knees": True, "save": "x"}, "give --knee SOLUTION"),
    ({"knees": True, "exact": True}, "--exact goes with"),
    ({"reference_point": "cost=1", "save": "../x"}, "a selection name is"),
    ({"reference_point": "cost=1", "save": ""}, "a selection name is"),
])
def test_spec_refuses_what_cannot_be_answered(options, wrong):
    with pytest.raises(InputError, match=wrong):
        SelectSpec("RUN", **options)


def test_spec_dict_round_trip():
    spec = SelectSpec("runs/b", where=("cost<=900", "peak_valley<=40"), minimise="variance",
                      save="budget")
    assert SelectSpec.from_dict(json.loads(json.dumps(spec.to_dict()))) == spec


def test_a_reference_point_pick_is_kept_with_query_normalisation_and_row(tmp_path):
    run_dir = _bent(tmp_path)
    res = run(SelectSpec(str(run_dir), reference_point="cost=100,variance=500", save="near"))
    assert res.path == run_dir / "selection-near.json" and "kept as" in res.text()
    stored = json.loads(res.path.read_text())
    assert stored["decision"] == "reference-point" and stored["name"] == "near"
    assert stored["query"]["aspiration"] == {"cost": 100.0, "variance": 500.0}
    # The front's min-max normalisation the ASF scaled by: cost 0..1000, variance 0..5000.
    assert stored["normalization"]["ideal"]["cost"] == 0.0
    assert stored["normalization"]["nadir"]["variance"] == 5000.0
    assert stored["row"] == res.decision.solution and stored["solution"] == 10
    kept = read_selection(read_run(run_dir), "near")
    assert (kept.solution, kept.row, kept.decision) == (10, 10, "reference-point")


def test_a_constraint_pick_is_kept_and_an_unmet_one_is_not(tmp_path):
    run_dir = _bent(tmp_path)
    res = run(SelectSpec(str(run_dir), where=("variance<=1000",), minimise="cost", save="cap"))
    stored = json.loads(res.path.read_text())
    assert stored["decision"] == "constraint" and stored["query"]["minimise"] == "cost"
    # Lowest cost with variance <= 1000: the knee's second piece starts at variance 500.
    assert stored["objectives"]["variance"] <= 1000.0
    assert stored["solution"] == int(np.argmin(np.where(
        read_run(run_dir).objectives[:, 1] <= 1000.0, read_run(run_dir).objectives[:, 0],
        np.inf)))
    res = run(SelectSpec(str(run_dir), where=("cost<=-1",), save="never"))
    assert not res.feasible and res.path is None and "not kept" in res.text()
    assert not (run_dir / "selection-never.json").exists()


def test_a_chosen_knee_is_kept_and_a_point_that_is_no_knee_is_refused(tmp_path):
    run_dir = _bent(tmp_path)
    res = run(SelectSpec(str(run_dir), knee=10, save="knee"))
    assert json.loads(res.path.read_text())["decision"] == "knee"
    assert res.decision.query["knee"] == 10
    with pytest.raises(InputError, match="--knee 3: not a knee"):
        run(SelectSpec(str(run_dir), knee=3, save="other"))
    listed = run(SelectSpec(str(run_dir), knees=True))  # listing alone keeps nothing
    assert listed.path is None and listed.decision.solution is None


def test_a_kept_pick_is_exported_and_drawn(tiny_front, tmp_path):
    run_dir = tmp_path / "front"
    shutil.copytree(tiny_front, run_dir)
    picks = CliRunner().invoke(cli, ["select", str(run_dir), "--where", "cost<=1e12",
                                     "--minimise", "variance", "--save", "calm", "--json"])
    assert picks.exit_code == 0, picks.output
    printed = json.loads(picks.output)
    assert printed["saved"] == str(run_dir / "selection-calm.json")
    chosen = printed["solution"]["solution"]
    out = export(ExportSpec(str(run_dir), str(tmp_path / "ops"), "csv", selection="calm",
                            date=DAY)).path
    manifest = read_export(out).manifest
    assert (manifest["solution"], manifest["selection"]) == (chosen, "calm")
    lowest = int(read_run(run_dir).front["solution"].iloc[
        int(np.argmin(read_run(run_dir).objectives[:, 1]))])
    assert chosen == lowest
    result = CliRunner().invoke(cli, ["plot", str(run_dir), "--out", str(tmp_path / "figs")])
    assert result.exit_code == 0, result.output

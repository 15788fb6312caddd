"""Files a command trusts are read by a strict reader: a kept decision (selection file) and
a bound run are checked like a front run — types, the solution id an integer naming a row,
the file belonging to this run, objectives matching the row — and refused with one line and
exit 2, never a traceback and never a different solution."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pandas as pd
import pytest

from tests.hostile.conftest import invoke, ok, one_line_error

DAY = ("--date", "2026-06-01")


def _select(run: Path) -> Path:
    ok(invoke("select", run, "--mode", "economy"))
    return run / "selection-economy.json"


def _readers(run: Path, out: Path) -> list[list]:
    """Every command that acts on a run's selections."""
    return [["export", run, "--selection", "economy", "--format", "csv", *DAY, "--out", out],
            ["plot", run, "--out", out / "figures"],
            ["explore", run, "--out", out / "page.html"]]


@pytest.mark.parametrize("solution", ["Infinity", "-Infinity", "NaN", "2.7", "1.0", "true",
                                      '"1"', "null", "-1", "999", "[1]"])
def test_a_selection_whose_solution_is_not_an_id_of_the_run_is_refused(solution, copy_run,
                                                                        tmp_path):
    run = copy_run("front")
    path = _select(run)
    data = json.loads(path.read_text())
    text = path.read_text().replace(f'"solution": {data["solution"]}', f'"solution": {solution}')
    assert text != path.read_text()
    path.write_text(text)
    for args in _readers(run, tmp_path / "out"):
        line = one_line_error(invoke(*args))
        assert "selection-economy.json" in line
    assert not (tmp_path / "out").exists()


def test_a_selection_copied_from_another_run_is_refused(copy_run, tmp_path):
    """Same site, same front, another run (its meta.json differs): the objectives match,
    only the run identity the file records tells them apart."""
    run, other = copy_run("front"), copy_run("front", "other")
    meta = json.loads((other / "meta.json").read_text())
    meta["seed"] = 99
    (other / "meta.json").write_text(json.dumps(meta))
    (other / "selection-economy.json").write_bytes(_select(run).read_bytes())
    for args in _readers(other, tmp_path / "out"):
        line = one_line_error(invoke(*args))
        assert "not a selection of this run" in line


@pytest.mark.parametrize("damage", ["objectives", "name", "format", "not-json", "list"])
def test_a_selection_that_disagrees_with_its_run_is_refused(damage, copy_run, tmp_path):
    run = copy_run("front")
    path = _select(run)
    data = json.loads(path.read_text())
    if damage == "objectives":
        data["objectives"]["cost"] += 1.0
    elif damage == "name":
        data["name"] = "response"
    elif damage == "format":
        data["format"] = "v2g-pareto-selection/9"
    text = {"not-json": "{solution: 1", "list": "[1, 2]"}.get(damage, json.dumps(data))
    path.write_text(text)
    one_line_error(invoke(*_readers(run, tmp_path / "out")[0]))


def _rehash(run: Path, name: str) -> None:
    """Record ``name``'s new content in meta.json: a damaged file the hashes cannot catch."""
    meta = json.loads((run / "meta.json").read_text())
    meta["files"][name] = hashlib.sha256((run / name).read_bytes()).hexdigest()
    (run / "meta.json").write_text(json.dumps(meta))


def _damage_bound(run: Path, how: str) -> None:
    meta = json.loads((run / "meta.json").read_text())
    front = pd.read_csv(run / "front.csv")
    if how == "no-normalization":
        del meta["normalization"]
    elif how == "normalization-text":
        meta["normalization"]["ideal"] = ["a", 0, 0]
    elif how == "normalization-short":
        meta["normalization"]["nadir"] = [1.0]
    elif how == "normalization-nan":
        meta["normalization"]["nadir"] = [float("nan"), 1.0, 1.0]
    if how.startswith("normalization") or how == "no-normalization":
        (run / "meta.json").write_text(json.dumps(meta))
        return
    if how == "no-weights":
        front = front.drop(columns=["w_cost"])
    elif how == "text-bound":
        front["bound"] = front["bound"].astype(object)
        front.loc[0, "bound"] = "low"
    elif how == "text-weight":
        front["w_variance"] = front["w_variance"].astype(object)
        front.loc[1, "w_variance"] = "x"
    elif how == "infinite-bound":
        front["bound"] = front["bound"].astype(float)
        front.loc[0, "bound"] = float("inf")
    front.to_csv(run / "front.csv", index=False)
    _rehash(run, "front.csv")


@pytest.mark.parametrize("how", ["no-normalization", "normalization-text", "normalization-short",
                                 "normalization-nan", "no-weights", "text-bound", "text-weight",
                                 "infinite-bound"])
def test_a_damaged_bound_run_is_refused_by_compare(how, copy_run):
    front, bound = copy_run("front"), copy_run("bound")
    _damage_bound(bound, how)
    line = one_line_error(invoke("compare", front, "--bound", bound))
    assert str(bound) in line


def test_an_unknown_run_kind_is_refused(copy_run):
    run = copy_run("bound")
    meta = json.loads((run / "meta.json").read_text())
    meta["kind"] = "forecast"
    (run / "meta.json").write_text(json.dumps(meta))
    assert "unknown run kind" in one_line_error(invoke("compare", copy_run("front"),
                                                       "--bound", run))


@pytest.mark.parametrize("damage", [{"ideal": [0, 0]}, {"ideal": "x", "nadir": [1, 1, 1]},
                                    {"nadir": [1, None, 1], "ideal": [0, 0, 0]}, []])
def test_a_front_run_whose_recorded_normalisation_is_damaged_is_refused(damage, copy_run):
    """compare scales by the first run's recorded normalisation when it has one."""
    run = copy_run("front")
    meta = json.loads((run / "meta.json").read_text())
    meta["normalization"] = damage
    (run / "meta.json").write_text(json.dumps(meta))
    assert "normalization" in one_line_error(invoke("compare", run))

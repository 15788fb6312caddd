"""Damaged run directories given to every command that reads one: exit 2 with one line
naming the file, the run left exactly as it was (no selection, figure or page written
into it), whichever argument (run, --reference, --bound, --baseline) carries the damage."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tests.hostile.conftest import invoke, one_line_error, snapshot


def _rehash(run: Path, name: str) -> None:
    """Make meta.json list the current SHA-256 of ``name`` (a careful forger)."""
    meta = json.loads((run / "meta.json").read_text())
    meta["files"][name] = hashlib.sha256((run / name).read_bytes()).hexdigest()
    (run / "meta.json").write_text(json.dumps(meta))


def _edit_meta(run: Path, change) -> None:
    meta = json.loads((run / "meta.json").read_text())
    change(meta)
    (run / "meta.json").write_text(json.dumps(meta))


def meta_garbage(run):
    (run / "meta.json").write_bytes(b"\x00\xff{not json")


def meta_list(run):
    (run / "meta.json").write_text("[1, 2, 3]")


def meta_no_scenario(run):
    _edit_meta(run, lambda m: m.pop("scenario"))


def meta_scenario_not_a_table(run):
    _edit_meta(run, lambda m: m.update(scenario="building"))


def meta_unknown_format(run):
    _edit_meta(run, lambda m: m.update(format="v2g-pareto-run/99"))


def meta_n_solutions_text(run):
    _edit_meta(run, lambda m: m.update(n_solutions="many"))


def front_edited(run):
    front = pd.read_csv(run / "front.csv")
    front.loc[0, "cost"] = front["cost"].min() - 1000.0  # a better-looking first row
    front.to_csv(run / "front.csv", index=False)


def front_without_objectives(run):
    front = pd.read_csv(run / "front.csv").drop(columns=["variance", "peak_valley"])
    front.to_csv(run / "front.csv", index=False)
    _rehash(run, "front.csv")


def front_text_cells(run):
    front = pd.read_csv(run / "front.csv")
    front["cost"] = front["cost"].astype(object)
    front.loc[0, "cost"] = "cheap"
    front.to_csv(run / "front.csv", index=False)
    _rehash(run, "front.csv")


def front_empty(run):
    """An empty run made to look complete: no rows, hashes and counts consistent."""
    front = pd.read_csv(run / "front.csv").iloc[:0]
    front.to_csv(run / "front.csv", index=False)
    _rehash(run, "front.csv")
    _edit_meta(run, lambda m: m.update(n_solutions=0))


def schedules_missing(run):
    (run / "schedules.npz").unlink()


def schedules_garbage(run):
    (run / "schedules.npz").write_bytes(b"PK\x03\x04" + bytes(range(256)) * 10)
    _rehash(run, "schedules.npz")


def schedules_wrong_arrays(run):
    np.savez_compressed(run / "schedules.npz", ev_power=np.zeros((1, 1, 1)))
    (run / "schedules.npz").rename(run / "schedules.npz")
    _rehash(run, "schedules.npz")


def fleet_csv_garbage(run):
    (run / "scenario" / "fleet.csv").write_bytes(bytes(range(256)) * 4)
    _rehash(run, "scenario/fleet.csv")


def grid_csv_short(run):
    grid = pd.read_csv(run / "scenario" / "grid.csv").iloc[:3]
    grid.to_csv(run / "scenario" / "grid.csv", index=False)
    _rehash(run, "scenario/grid.csv")


DAMAGES = [
    meta_garbage, meta_list, meta_no_scenario, meta_scenario_not_a_table, meta_unknown_format,
    meta_n_solutions_text, front_edited, front_without_objectives, front_text_cells, front_empty,
    schedules_missing, schedules_garbage, schedules_wrong_arrays, fleet_csv_garbage,
    grid_csv_short,
]
SCHEDULE_DAMAGES = {schedules_missing, schedules_garbage, schedules_wrong_arrays}


def _commands(run: Path, good: dict[str, Path], tmp: Path) -> dict[str, tuple]:
    """Every command reading the damaged ``run`` as its main argument."""
    return {
        "select --mode": ("select", run, "--mode", "economy"),
        "select --reference-point": ("select", run, "--reference-point", "cost=0"),
        "select --where": ("select", run, "--where", "peak_valley<=1e9"),
        "select --knees": ("select", run, "--knees"),
        "plot": ("plot", run),
        "compare": ("compare", run),
        "explore": ("explore", run),
        "export": ("export", run, "--solution", "0", "--format", "csv", "--date", "2026-06-01",
                   "--out", tmp / "ops"),
        "mlgcso --reference": ("mlgcso", "--reference", run, "--mode", "economy", "--evals",
                               "10", "--out", tmp / "swarm"),
    }


def _as_reference(run: Path, good: dict[str, Path], tmp: Path) -> dict[str, tuple]:
    """Commands reading the damaged ``run`` as a reference or a baseline beside a good run."""
    return {
        "compare --reference": ("compare", good["front"], "--reference", run),
        "select --knees --reference": ("select", good["front"], "--knees", "--reference", run),
        "plot --reference": ("plot", good["front"], "--reference", run, "--out", tmp / "fig"),
        "plot --baseline": ("plot", good["front"], "--baseline", run, "--out", tmp / "fig"),
        "explore --reference": ("explore", good["front"], "--reference", run,
                                "--out", tmp / "x.html"),
    }


@pytest.mark.parametrize("damage", DAMAGES, ids=lambda d: d.__name__)
def test_a_damaged_front_run_is_refused_by_every_command(damage, copy_run, built, tmp_path):
    run = copy_run("front", "damaged")
    damage(run)
    before = snapshot(run)
    for name, args in _commands(run, built, tmp_path).items():
        line = one_line_error(invoke(*args))
        assert "damaged" in line or "meta.json" in line or ".csv" in line or ".npz" in line, (
            f"{name}: {line}")
        assert snapshot(run) == before, f"{name} wrote into the damaged run"
    assert not (tmp_path / "ops").exists() and not (tmp_path / "swarm").exists()


@pytest.mark.parametrize("damage", DAMAGES, ids=lambda d: d.__name__)
def test_a_damaged_reference_or_baseline_is_refused(damage, copy_run, built, tmp_path):
    run = copy_run("exact", "damaged")
    damage(run)
    good = copy_run("front")
    before, good_before = snapshot(run), snapshot(good)
    for name, args in _as_reference(run, {"front": good}, tmp_path).items():
        one_line_error(invoke(*args))
        assert snapshot(run) == before and snapshot(good) == good_before, name
    assert not (tmp_path / "fig").exists() and not (tmp_path / "x.html").exists()


@pytest.mark.parametrize(
    "damage", [d for d in DAMAGES if d not in SCHEDULE_DAMAGES], ids=lambda d: d.__name__
)
def test_a_damaged_bound_run_is_refused_by_compare(damage, copy_run, built):
    run = copy_run("bound", "damaged")
    damage(run)
    one_line_error(invoke("compare", built["front"], "--bound", run))


def test_an_undamaged_copy_passes_every_command(copy_run, built, tmp_path):
    """The control: the same commands on the same copy succeed (exit 0, or 1 for a
    constraint query nothing meets), so the refusals above are the damage's doing."""
    run = copy_run("front", "damaged")
    for name, args in _commands(run, built, tmp_path).items():
        if name.startswith("mlgcso"):
            continue  # a real optimisation; its reference check is the same read_run
        result = invoke(*args)
        assert result.exit_code == 0, f"{name}: {result.output}"


def test_a_bound_run_is_no_front_for_any_command(copy_run, built, tmp_path):
    """A bound run holds certificates, not schedules: every command that needs operating
    points refuses it in one line (as the run or as the reference) and writes nothing."""
    bound = copy_run("bound")
    before = snapshot(bound)
    commands = {**_commands(bound, built, tmp_path), **_as_reference(bound, built, tmp_path)}
    commands.pop("plot --baseline")  # checked below: a bound is no baseline either
    for name, args in {**commands,
                       "plot --baseline": ("plot", built["front"], "--baseline", bound,
                                           "--out", tmp_path / "fig")}.items():
        line = one_line_error(invoke(*args))
        assert "bound" in line, f"{name}: {line}"
        assert snapshot(bound) == before, f"{name} wrote into the bound run"
    assert not (tmp_path / "fig").exists() and not (tmp_path / "ops").exists()


@pytest.mark.parametrize("text", [
    b"\x00\xffnot json", b"[1, 2]", b"{}", b'{"mode": "economy", "solution": "x"}',
    '{"mode": "economy"}'.encode("utf-16"),
], ids=["garbage", "list", "empty", "text-solution", "utf16"])
def test_a_damaged_selection_file_is_named(copy_run, tmp_path, text):
    """Selection files are written after the run (not in its hashes): the commands that read
    them name the file in one line and write nothing."""
    run = copy_run("front", "damaged")
    (run / "selection-economy.json").write_bytes(text)
    before = snapshot(run)
    for args in (("plot", run, "--out", tmp_path / "fig"),
                 ("explore", run, "--out", tmp_path / "x.html"),
                 ("export", run, "--selection", "economy", "--format", "csv", "--date",
                  "2026-06-01", "--out", tmp_path / "ops")):
        assert "selection-economy.json" in one_line_error(invoke(*args))
    assert snapshot(run) == before
    assert not any((tmp_path / name).exists() for name in ("fig", "x.html", "ops"))

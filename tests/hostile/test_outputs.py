"""The output rule (moo.rundir.output), command by command: nothing is written inside a run
the command is not producing, nothing a user wrote is replaced, and --overwrite replaces
only an output of the same kind. Every command that writes is in `WRITERS`; a command
added later joins the table and meets the same cases."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.hostile.conftest import FRONT_ARGS, invoke, leftovers, ok, one_line_error, snapshot

DAY = ("--date", "2026-06-01")


def _writers(tiny: Path, front: Path) -> dict[str, list]:
    """Each writing command with everything but its output; ``OUT`` marks where it goes."""
    return {
        "baseline": ["baseline", "--scenario", tiny, "--method", "ordered", "--out", "OUT"],
        "front": ["front", "--scenario", tiny, *FRONT_ARGS, "--out", "OUT"],
        "exact": ["exact", "--scenario", tiny, "--points", "3", "--out", "OUT"],
        "bound": ["bound", "--scenario", tiny, "--points", "3", "--out", "OUT"],
        "export": ["export", front, "--solution", "0", "--format", "csv", *DAY, "--out", "OUT"],
        "explore": ["explore", front, "--out", "OUT"],
        "plot": ["plot", front, "--out", "OUT"],
        "study": ["study", tiny, "--budget", "10", "--out", "OUT"],
        "realise": ["realise", front, "--realisations", "2", "--workers", "1", "--out", "OUT"],
        "sweep": ["sweep", "--scenarios", tiny, "--evals", "16", "--pop", "8", "--workers", "1",
                  "--out", "OUT"],
    }


WRITERS = ["baseline", "front", "exact", "bound", "export", "explore", "plot", "study",
           "realise", "sweep"]
# Writers whose --out is one file (the rest write a directory).
FILE_WRITERS = {"explore"}
# Writers without --overwrite: they regenerate their own files (explore, plot) or continue
# their own output in place (sweep).
NO_OVERWRITE = {"explore", "plot", "sweep"}


def _args(name, tiny, front, out, overwrite=False):
    args = [out if a == "OUT" else a for a in _writers(tiny, front)[name]]
    if overwrite and name not in NO_OVERWRITE:
        args.append("--overwrite")
    return args


def _study(root: Path, built) -> Path:
    """A study directory as `study` leaves it: report.md, figures, runs."""
    study = root / "study"
    (study / "figures").mkdir(parents=True)
    (study / "report.md").write_text("# Study\n")
    (study / "figures" / "front-3d.png").write_bytes(b"\x89PNG user")
    shutil.copytree(built["front"], study / "front")
    return study


@pytest.mark.parametrize("name", WRITERS)
def test_no_writer_writes_inside_another_run(name, built, copy_run, tiny_toml, tmp_path):
    front, other = copy_run("front"), copy_run("front", "other")
    before = snapshot(other)
    for target in (other / "meta.json", other / "front.csv", other / "sub"):
        line = one_line_error(invoke(*_args(name, tiny_toml, front, target, overwrite=True)))
        assert str(other) in line
    assert snapshot(other) == before and not leftovers(tmp_path)


@pytest.mark.parametrize("name", WRITERS)
def test_no_writer_replaces_a_users_file_or_directory(name, built, copy_run, tiny_toml,
                                                      tmp_path):
    front = copy_run("front")
    mine_file, mine_dir = tmp_path / "notes.html", tmp_path / "mine"
    mine_file.write_text("my notes")
    mine_dir.mkdir()
    (mine_dir / "notes.txt").write_text("keep me")
    targets = [mine_file] if name in FILE_WRITERS else [mine_file, mine_dir]
    if name == "plot":  # figures go into a directory: a user's file of a figure's name
        (mine_dir / "front-3d.png").write_bytes(b"my own picture")
        targets = [mine_dir]
    for target in targets:
        one_line_error(invoke(*_args(name, tiny_toml, front, target, overwrite=True)))
    assert mine_file.read_text() == "my notes"
    assert (mine_dir / "notes.txt").read_text() == "keep me"
    if name == "plot":
        assert (mine_dir / "front-3d.png").read_bytes() == b"my own picture"
        assert sorted(p.name for p in mine_dir.iterdir()) == ["front-3d.png", "notes.txt"]


# A study onto a study is the same kind (and would run one): the case is export's and the
# run writers'.
@pytest.mark.parametrize("name", [w for w in WRITERS if w not in FILE_WRITERS | {"plot", "study"}])
def test_overwrite_never_replaces_a_study_or_an_unfinished_run(name, built, copy_run,
                                                              tiny_toml, tmp_path):
    front = copy_run("front")
    study = _study(tmp_path, built)
    unfinished = tmp_path / "unfinished"
    unfinished.mkdir()
    (unfinished / "checkpoint.pkl").write_bytes(b"state")
    kept = {p: snapshot(p) for p in (study, unfinished)}
    line = one_line_error(invoke(*_args(name, tiny_toml, front, study, overwrite=True)))
    assert "study" in line
    if name in ("export", "realise"):  # a run writer may replace a checkpoint (start afresh)
        line = one_line_error(invoke(*_args(name, tiny_toml, front, unfinished,
                                            overwrite=True)))
        assert "checkpoint" in line
    assert {p: snapshot(p) for p in kept} == kept and not leftovers(tmp_path)


def test_export_overwrite_replaces_only_an_export(built, copy_run, tmp_path):
    front, run = copy_run("front"), copy_run("baseline")
    out = tmp_path / "ops"
    ok(invoke(*_args("export", None, front, out)))
    ok(invoke(*_args("export", None, front, out, overwrite=True)))  # an export: replaced
    assert json.loads((out / "meta.json").read_text())["format"] == "v2g-pareto-export/1"
    before = snapshot(run)
    line = one_line_error(invoke(*_args("export", None, front, run, overwrite=True)))
    assert "holds a run, not an export" in line and snapshot(run) == before


def test_explore_never_writes_over_the_run_it_shows(copy_run):
    front = copy_run("front")
    before = snapshot(front)
    for name in ("meta.json", "front.csv", "schedules.npz", "scenario/grid.csv"):
        one_line_error(invoke("explore", front, "--out", front / name))
    assert snapshot(front) == before
    page = ok(invoke("explore", front)).output.split()[-1]
    assert Path(page) == front / "explore.html"
    ok(invoke("explore", front))  # its own page is regenerated in place
    ok(invoke("explore", front, "--out", front / "mine.html"))


def test_plot_replaces_its_own_figures_only(copy_run, tmp_path):
    front = copy_run("front")
    out = tmp_path / "figs"
    ok(invoke("plot", front, "--out", out))
    first = snapshot(out)
    ok(invoke("plot", front, "--out", out))  # figures of ours: regenerated
    assert sorted(snapshot(out)) == sorted(first)
    (out / "net-load.png").write_bytes(b"edited by hand")
    one_line_error(invoke("plot", front, "--out", out))
    assert (out / "net-load.png").read_bytes() == b"edited by hand"


def test_study_overwrite_never_replaces_a_run_or_an_export(copy_run, tiny_toml, tmp_path):
    front = copy_run("front")
    ops = tmp_path / "ops"
    ok(invoke(*_args("export", None, front, ops)))
    for target in (front, ops):
        before = snapshot(target)
        line = one_line_error(invoke("study", tiny_toml, "--budget", "10", "--overwrite",
                                     "--out", target))
        assert "not a study" in line and snapshot(target) == before
    assert not leftovers(tmp_path)


def test_sweep_continues_only_its_own_sweep(tiny_toml, tmp_path):
    """A sweep's --out is its own (marked sweep.toml): a restart continues it in place; a
    user's folder with a sweep.toml and runs/ of their own is refused and left alone."""
    mine = tmp_path / "mine"
    (mine / "runs").mkdir(parents=True)
    (mine / "sweep.toml").write_text('scenarios = ["building"]\n')
    (mine / "results.csv").write_text("my,table\n")
    before = snapshot(mine)
    line = one_line_error(invoke(*_args("sweep", tiny_toml, None, mine)))
    assert "not a v2g-pareto" in line and snapshot(mine) == before

    out = tmp_path / "sweep"
    ok(invoke(*_args("sweep", tiny_toml, None, out)))
    assert (out / "sweep.toml").read_text().startswith("# v2g-pareto sweep")
    again = ok(invoke(*_args("sweep", tiny_toml, None, out)))
    assert "1 already complete" in again.output
    assert not leftovers(tmp_path) and not leftovers(out / "runs")

"""Where a run goes (moo.rundir.output): what --out may hold, atomic replacement, the lock."""

import os

import pytest

from models.errors import InputError, NoSolutionError
from moo.problems.baselines import baseline
from moo.rundir import OutputDir, OutputFile, is_complete, read_run, write_run
from moo.rundir.output import EXPLORE, FIGURE, MARKS, holds, is_kind


@pytest.fixture
def building(presets):
    sc = presets["building"]
    return sc, baseline(sc, "ordered")[None]


def test_an_existing_run_is_refused_without_overwrite(tmp_path, building):
    sc, power = building
    out = write_run(tmp_path / "run", sc, power, algorithm="first")
    before = (out / "meta.json").read_bytes()
    with pytest.raises(InputError, match="holds a run; give --overwrite"):
        write_run(out, sc, power, algorithm="second")
    assert (out / "meta.json").read_bytes() == before and is_complete(out)


def test_overwrite_replaces_the_whole_run_and_no_stale_file_survives(tmp_path, building):
    sc, power = building
    out = write_run(tmp_path / "run", sc, power, algorithm="first")
    (out / "selection-economy.json").write_text("{}")  # a file the old run had
    write_run(out, sc, power, algorithm="second", overwrite=True)
    assert read_run(out).meta["algorithm"] == "second"
    assert not (out / "selection-economy.json").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]  # no partial dir, no lock


def test_a_crash_while_writing_leaves_the_old_run_whole(tmp_path, building, monkeypatch):
    sc, power = building
    out = write_run(tmp_path / "run", sc, power, algorithm="first")
    real_fsync = os.fsync
    calls = []

    def crash_on_third_file(fd):
        calls.append(fd)
        if len(calls) == 3:
            raise OSError("disk full")
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", crash_on_third_file)
    with pytest.raises(OSError, match="disk full"):
        write_run(out, sc, power, algorithm="second", overwrite=True)
    monkeypatch.setattr(os, "fsync", real_fsync)
    assert read_run(out).meta["algorithm"] == "first"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]


def test_user_files_and_regular_files_are_never_replaced(tmp_path, building):
    sc, power = building
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("keep me")
    with pytest.raises(InputError, match="not a v2g-pareto run"):
        write_run(mine, sc, power, algorithm="x", overwrite=True)
    assert (mine / "notes.txt").read_text() == "keep me"
    (tmp_path / "file").write_text("x")
    with pytest.raises(InputError, match="exists and is not a directory"):
        write_run(tmp_path / "file", sc, power, algorithm="x")
    with pytest.raises(InputError, match="is a file, not a directory"):
        write_run(tmp_path / "file" / "below", sc, power, algorithm="x")


def test_an_empty_directory_is_taken(tmp_path, building):
    sc, power = building
    (tmp_path / "empty").mkdir()
    assert is_complete(write_run(tmp_path / "empty", sc, power, algorithm="x"))


def test_a_second_writer_on_the_same_out_is_refused_at_once(tmp_path, building):
    sc, power = building
    with OutputDir(tmp_path / "run"):
        with pytest.raises(InputError, match="another v2g-pareto process is writing"):
            OutputDir(tmp_path / "run")
    # The lock is gone with its holder.
    assert is_complete(write_run(tmp_path / "run", sc, power, algorithm="x"))


def test_a_run_without_solutions_writes_nothing(tmp_path, building):
    sc, power = building
    with pytest.raises(NoSolutionError):
        write_run(tmp_path / "run", sc, power[:0], algorithm="x")
    assert not (tmp_path / "run").exists()


def test_stale_partials_of_a_killed_writer_are_cleaned(tmp_path, building):
    sc, power = building
    stale = tmp_path / ".run.partial-abc"
    stale.mkdir()
    (stale / "front.csv").write_text("half")
    write_run(tmp_path / "run", sc, power, algorithm="x")
    assert not stale.exists()


def test_what_a_directory_holds(tmp_path):
    d = tmp_path / "d"
    d.mkdir()
    assert holds(d) == "empty"
    (d / "checkpoint.pkl").write_bytes(b"x")
    assert holds(d) == "checkpoint"
    (d / "other").write_text("x")
    assert holds(d) is None


def test_a_study_directory_is_replaced_only_with_overwrite(tmp_path):
    study = tmp_path / "study"
    (study / "figures").mkdir(parents=True)
    (study / "report.md").write_text("# Study")
    assert holds(study) == "study"
    with pytest.raises(InputError, match="holds a study; give --overwrite"):
        OutputDir(study, kind="study")
    OutputDir(study, kind="study", overwrite=True).release()


def _export_dir(path):
    path.mkdir()
    (path / "meta.json").write_text('{"format": "v2g-pareto-export/1", "tool": "v2g-pareto"}')
    return path


def test_overwrite_replaces_only_an_output_of_the_same_kind(tmp_path):
    """The output rule's third clause, kind by kind (moo.rundir.output)."""
    study = tmp_path / "study"
    (study / "figures").mkdir(parents=True)
    (study / "report.md").write_text("# Study")
    export = _export_dir(tmp_path / "export")
    unfinished = tmp_path / "unfinished"
    unfinished.mkdir()
    (unfinished / "checkpoint.pkl").write_bytes(b"x")
    sweep = tmp_path / "sweep"
    (sweep / "runs").mkdir(parents=True)
    (sweep / "sweep.toml").write_text("scenarios = ['eva']\n")
    assert holds(sweep) is None  # a user's own sweep.toml: not ours without the mark
    (sweep / "sweep.toml").write_text("# v2g-pareto sweep: the grid\nscenarios = ['eva']\n")
    held = {study: "study", export: "export", unfinished: "checkpoint", sweep: "sweep"}
    assert {p: holds(p) for p in held} == held
    for kind in ("run", "study", "sweep", "export"):
        for path, what in held.items():
            same = what == kind or (what == "checkpoint" and kind == "run")
            if same:
                OutputDir(path, kind=kind, overwrite=True).release()
            else:
                with pytest.raises(InputError, match="replaces only an output of the same kind"):
                    OutputDir(path, kind=kind, overwrite=True)
    OutputDir(sweep, kind="sweep", resume=True).release()  # a sweep continues in place
    with pytest.raises(InputError, match="holds an export; give --overwrite"):
        OutputDir(export, kind="export")


def test_nothing_is_written_inside_a_run_or_an_export(tmp_path, building):
    sc, power = building
    run = write_run(tmp_path / "run", sc, power, algorithm="x")
    export = _export_dir(tmp_path / "export")
    for inside in (run / "sub", run / "scenario" / "deeper", export / "again"):
        with pytest.raises(InputError, match="inside the v2g-pareto output"):
            OutputDir(inside)
        with pytest.raises(InputError, match="inside the v2g-pareto output"):
            OutputFile(inside / "page.html", EXPLORE)
    # The run a file describes may receive it, under a name that is not one of its own files.
    OutputFile(run / "explore.html", EXPLORE, own_run=run)
    for own in ("meta.json", "front.csv", "scenario/grid.csv"):
        with pytest.raises(InputError, match="file of the run|not a v2g-pareto"):
            OutputFile(run / own, EXPLORE, own_run=run)


def test_a_file_output_replaces_only_a_file_of_its_kind(tmp_path):
    page = tmp_path / "page.html"
    OutputFile(page, EXPLORE).write(MARKS[EXPLORE] + b' (plotly)"> ...')
    assert is_kind(page, EXPLORE) and not is_kind(page, FIGURE)
    OutputFile(page, EXPLORE).write(MARKS[EXPLORE] + b' again"> ...')  # its own: replaced
    mine = tmp_path / "mine.html"
    mine.write_text("<html>my page</html>")
    with pytest.raises(InputError, match="is not a v2g-pareto explore page"):
        OutputFile(mine, EXPLORE)
    with pytest.raises(InputError, match="is not a v2g-pareto figure"):
        OutputFile(page, FIGURE)  # an explore page is not a figure
    with pytest.raises(ValueError, match="must carry its mark"):
        OutputFile(tmp_path / "x.html", EXPLORE).write(b"<html>unmarked</html>")
    assert mine.read_text() == "<html>my page</html>"


def test_a_users_folder_holding_a_front_csv_is_not_a_run(tmp_path):
    """Rule 1 protects runs and exports by their meta.json, not by file names a user's own
    folder may share with a run."""
    mine = tmp_path / "analysis"
    mine.mkdir()
    (mine / "front.csv").write_text("a,b\n1,2\n")
    (mine / "checkpoint.pkl").write_bytes(b"a model of mine")
    OutputFile(mine / "page.html", EXPLORE).write(MARKS[EXPLORE] + b'">')
    OutputDir(mine / "runs" / "b").release()
    assert (mine / "front.csv").read_text() == "a,b\n1,2\n"

"""The reading jobs (select, export, explore, plot, compare) read each run once and take
typed specs that refuse bad options before any run is opened."""

from __future__ import annotations

import json
import shutil

import pytest

from jobs.compare import CompareSpec
from jobs.compare import run as compare
from jobs.explore import ExploreSpec
from jobs.explore import run as explore
from jobs.export import ExportSpec
from jobs.export import run as export
from jobs.plot import PlotSpec
from jobs.plot import run as plot
from jobs.select import SelectSpec
from jobs.select import run as select
from models.errors import InputError
from moo.rundir import run as rundir


@pytest.fixture
def reads(monkeypatch):
    """How many times the strict reader opened a run (it reads front.csv once per run)."""
    seen = []
    real = rundir._read_front

    def counted(path, n):
        seen.append(path.parent.name)
        return real(path, n)

    monkeypatch.setattr(rundir, "_read_front", counted)
    return seen


def test_each_job_reads_each_run_once(tiny_front, tmp_path, reads):
    run_dir = tmp_path / "front"
    shutil.copytree(tiny_front, run_dir)
    select(SelectSpec(str(run_dir), mode="economy", reference_dir=str(tiny_front)))
    assert sorted(reads) == ["front", "front"]  # the run and its --reference, once each
    reads.clear()
    export(ExportSpec(str(run_dir), str(tmp_path / "ops"), "csv", selection="economy",
                      date="2026-06-01"))
    assert reads == ["front"]
    for job, spec in ((explore, ExploreSpec(str(run_dir))),
                      (plot, PlotSpec(str(run_dir), out_dir=str(tmp_path / "f"))),
                      (compare, CompareSpec((str(run_dir),)))):
        reads.clear()
        job(spec)
        assert reads == ["front"], job.__module__


@pytest.mark.parametrize("make, wrong", [
    (lambda: ExportSpec("R", "O", "xml", solution=0), "--format xml"),
    (lambda: ExportSpec("R", "O", "csv"), "exactly one of --solution"),
    (lambda: ExportSpec("R", "O", "csv", solution=0, selection="a"), "exactly one of"),
    (lambda: ExportSpec("R", "O", "csv", solution=True), "an integer"),
    (lambda: ExportSpec("R", "O", "csv", selection="../meta"), "a selection name is"),
    (lambda: PlotSpec("R", fmt="gif"), "unknown figure format"),
    (lambda: CompareSpec(()), "at least one run"),
])
def test_specs_refuse_bad_options(make, wrong):
    with pytest.raises(InputError, match=wrong):
        make()


@pytest.mark.parametrize("spec", [
    ExportSpec("runs/b", "ops/b", "ocpp21", selection="economy", timezone="Europe/Berlin"),
    ExploreSpec("runs/b", reference_dir="runs/x", baseline_dirs=("a", "b")),
    PlotSpec("runs/b", baseline_dirs=("a",), fmt="svg"),
    CompareSpec(("a", "b"), bound_dir="c", as_json=True),
])
def test_specs_round_trip_through_a_dict(spec):
    assert type(spec).from_dict(json.loads(json.dumps(spec.to_dict()))) == spec



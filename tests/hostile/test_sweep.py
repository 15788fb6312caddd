"""Hostile sweeps: configs checked with key paths before any cluster starts, run
directories that cannot collide, failed runs recorded, reported and retried."""

from __future__ import annotations

import copy

import pandas as pd
import pytest

from jobs.sweep import make_config
from moo.rundir import is_complete
from tests.conftest import MINIMAL, to_toml
from tests.hostile.conftest import invoke, leftovers, one_line_error, tight_toml


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ('seeds = "three"', "seeds: must be a list"),
        ("evals = [0]", "evals[0]: must be >= 1"),
        ("evals = [1.5]", "evals[0]: must be an integer"),
        ("time_limits_s = [-5.0]", "time_limits_s[0]: must be > 0"),
        ("time_limits_s = [nan]", "time_limits_s[0]: must be finite"),
        ("time_limits_s = [inf]", "time_limits_s[0]: must be finite"),
        ('time_limits_s = ["60"]', "time_limits_s[0]: must be a number"),
        ('pop_size = "big"', "pop_size: must be an integer"),
        ("encoding = 3", "encoding: must be one of"),
        ('dates = ["2024-13-01"]', "dates[0]: must be a day"),
        ("fleet_seeds = [-1]", "fleet_seeds[0]: must be >= 0"),
        ("scenarios = [1]", "scenarios[0]"),
        ('algorithms = ["nsga2", "ga"]', "algorithms[1]"),
        ("exact_points = 0", "exact_points: must be >= 3"),
        ("max_solutions = true", "max_solutions: must be an integer"),
    ],
)
def test_sweep_config_values_are_named_by_key_path(tmp_path, text, named):
    config = tmp_path / "sweep.toml"
    config.write_text(f'scenarios = ["building"]\n{text}\n'.replace(
        'scenarios = ["building"]\nscenarios', "scenarios"))
    out = tmp_path / "out"
    line = one_line_error(invoke("sweep", "--config", config, "--out", out))
    assert str(config) in line and named in line, line
    assert not out.exists()


@pytest.mark.parametrize("limit", ["-5", "0", "nan", "inf"])
def test_sweep_time_limits_on_the_command_line(tmp_path, limit):
    out = tmp_path / "out"
    line = one_line_error(invoke("sweep", "--scenarios", "building", "--time-limit", limit,
                                 "--out", out))
    assert "time" in line.lower()
    assert not out.exists()


def test_same_named_files_in_two_folders_map_to_two_runs(tmp_path):
    paths = []
    for folder in ("a", "b"):
        (tmp_path / folder).mkdir()
        paths.append(tmp_path / folder / "site.toml")
        paths[-1].write_text(to_toml(MINIMAL))  # the same text: only the place differs
    config = make_config(scenarios=[str(p) for p in paths], evals=[16], pop_size=8)
    runs = [t["run"] for t in config.tasks(tmp_path / "out")]
    assert len(set(runs)) == 2 and all("site-fsfile-nsga2-e16-seed1-" in r for r in runs)
    assert [t["run"] for t in config.tasks(tmp_path / "out")] == runs  # stable
    edited = copy.deepcopy(MINIMAL)
    edited["grid"]["base_load"]["kw"] = [100.0, 210.0]
    paths[0].write_text(to_toml(edited))
    again = [t["run"] for t in config.tasks(tmp_path / "out")]
    assert again[0] != runs[0] and again[1] == runs[1]  # an edited file is a new problem
    # Every parameter is part of the name: another budget or seed is another run.
    other = make_config(scenarios=[str(paths[1])], evals=[16], pop_size=8, seeds=[2])
    assert other.tasks(tmp_path / "out")[0]["run"] != runs[1]


def test_a_failed_run_is_recorded_reported_and_retried(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    good, bad = tmp_path / "a" / "site.toml", tmp_path / "b" / "site.toml"
    good.write_text(to_toml(MINIMAL))
    bad.write_text(tight_toml())
    out = tmp_path / "out"
    args = ("sweep", "--scenarios", f"{good},{bad}", "--evals", "16", "--pop", "8",
            "--workers", "1", "--out", out)

    line = one_line_error(invoke(*args), code=1)
    table = pd.read_csv(out / "results.csv").set_index("scenario")
    assert list(table["status"].sort_index()) == ["complete", "failed"]
    failed = table.loc[str(bad)]
    assert "no feasible schedule" in failed["error"]
    assert failed["run"] in line and "1 of 2 runs failed" in line
    assert not (out / "runs").joinpath(failed["run"]).exists()
    assert is_complete(table.loc[str(good), "run"])
    assert leftovers(out / "runs") == []

    # A restart skips the complete run and runs the failed one again.
    one_line_error(invoke(*args), code=1)
    again = pd.read_csv(out / "results.csv").set_index("scenario")
    assert bool(again.loc[str(good), "skipped"]) and not bool(again.loc[str(bad), "skipped"])
    assert again.loc[str(bad), "status"] == "failed"


def test_a_sweep_where_every_run_failed_still_reports(tmp_path):
    from jobs.sweep import SweepResult, failed_row, summarize, sweep_text

    spec = dict(scenario="s", fleet_seed=None, algorithm="nsga2", encoding="auto",
                budget_label="e16", seed=1, pop_size=8, scale=1, run=str(tmp_path / "r"))
    table = pd.DataFrame([failed_row(spec, "no feasible schedule")])
    res = SweepResult(table, summarize(table), 0, 1.0,
                      {"parquet": tmp_path / "p", "csv": tmp_path / "c"})
    text = sweep_text(res)
    assert text.startswith("no complete run\n1 runs (0 already complete, 1 failed)")

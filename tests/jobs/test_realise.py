"""The `realise` job: what it writes is the serial evaluation of the run's plans, read back
strictly; real history days one each; the directory belongs to its run."""

from __future__ import annotations

import copy
import dataclasses
import json
import shutil

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from distributed import LocalCluster

from cli import cli
from jobs.realise import RealiseSpec, chunk_size, parse_range, run
from models.errors import InputError
from moo.rundir import read_run
from moo.uncertainty.evaluate import Draw, evaluate_plans
from moo.uncertainty.plan import plans_from_run, uncertain_scenario
from moo.uncertainty.realised import read_realised
from tests.conftest import MINIMAL, to_toml

UNCERTAIN = {"no_show": 0.2, "departure_error": {"std_h": 1.0},
             "base_load": {"sigma": 0.05, "rho_h": 0.9}}


def _front(root, toml_text, name="front", extra=()):
    """A short front of a scenario given as TOML text (or a preset's name: ``name``)."""
    scenario = name
    if toml_text is not None:
        scenario = root / f"{name}.toml"
        scenario.write_text(toml_text)
    out = root / name
    result = CliRunner().invoke(cli, ["front", "--scenario", str(scenario), "--generations", "3",
                                      "--pop", "12", "--local-search", "off", *extra,
                                      "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out


@pytest.fixture(scope="module")
def cluster():
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=True,
                      dashboard_address=":0") as c:
        yield c.scheduler_address


@pytest.fixture(scope="module")
def uncertain_front(tmp_path_factory):
    """A front of MINIMAL with an [uncertainty] table (no-shows, departure error, load)."""
    data = copy.deepcopy(MINIMAL)
    data["uncertainty"] = UNCERTAIN
    return _front(tmp_path_factory.mktemp("realise"), to_toml(data))


def test_writes_the_serial_evaluation_of_the_runs_plans(uncertain_front, cluster, tmp_path):
    out = tmp_path / "real"
    res = run(RealiseSpec(str(uncertain_front), str(out), realisations=7, alpha=0.8,
                          scheduler=cluster))
    got = read_realised(out)
    front = read_run(uncertain_front)
    scenario, digest = uncertain_scenario(front)
    serial = evaluate_plans(scenario, plans_from_run(front), 7, alpha=0.8)
    pd.testing.assert_frame_equal(got.table, serial.table)
    pd.testing.assert_frame_equal(got.summary, serial.summary, check_dtype=False)
    assert got.meta["run"]["meta_sha256"] == front.meta_sha256
    assert got.meta["scenario_sha256"] == digest and got.alpha == 0.8
    assert got.meta["realisations"] == list(range(7)) and got.draw == Draw()
    assert got.run.path == front.path
    assert list(got.summary["solution"]) == list(front.front["solution"])
    assert f"wrote {out}" in res.text() and "x 7 realisations" in res.text()
    # the risk a decision reads is the summary's
    np.testing.assert_allclose(got.risk("total_cost", "cvar"),
                               got.summary["total_cost_cvar"], rtol=1e-12)
    np.testing.assert_allclose(got.risk("cost", "mean"), got.summary["cost_mean"], rtol=1e-12)


def test_plans_are_re_dispatched_by_the_runs_own_rule(cluster, tmp_path):
    """A front dispatched by the priority rule (not the default) is realised by it: the
    directory is the serial evaluation of its plans under that rule and says so, and the
    default rule would have given other realised days."""
    data = copy.deepcopy(MINIMAL)
    data["uncertainty"] = UNCERTAIN
    front_dir = _front(tmp_path, to_toml(data), extra=("--encoding", "aggregate",
                                                      "--dispatch", "priority"))
    front = read_run(front_dir)
    assert front.meta["parameters"]["dispatch"] == "priority"
    got = run(RealiseSpec(str(front_dir), str(tmp_path / "real"), realisations=4,
                          scheduler=cluster))
    read = read_realised(tmp_path / "real")
    assert read.meta["dispatch"] == "priority"
    scenario, _ = uncertain_scenario(front)
    plans = plans_from_run(front)
    assert plans.dispatch == "priority"
    pd.testing.assert_frame_equal(read.table, evaluate_plans(scenario, plans, 4).table)
    default = evaluate_plans(scenario, dataclasses.replace(plans, dispatch="laxity"), 4)
    assert not np.allclose(default.table["cost"], got.evaluation.table["cost"])


def test_seed_gives_other_days_and_the_same_days_again(uncertain_front, cluster, tmp_path):
    a = run(RealiseSpec(str(uncertain_front), str(tmp_path / "a"), realisations=3, seed=11,
                        scheduler=cluster)).evaluation.table
    b = run(RealiseSpec(str(uncertain_front), str(tmp_path / "b"), realisations=3, seed=11,
                        scheduler=cluster)).evaluation.table
    c = run(RealiseSpec(str(uncertain_front), str(tmp_path / "c"), realisations=3,
                        scheduler=cluster)).evaluation.table
    pd.testing.assert_frame_equal(a, b)
    assert not np.allclose(a["cost"], c["cost"])


def test_cli_on_the_embedded_cluster(uncertain_front, tmp_path):
    out = tmp_path / "real"
    result = CliRunner().invoke(cli, ["realise", str(uncertain_front), "--realisations", "4",
                                      "--workers", "1", "--check-schedules", "--out", str(out)])
    assert result.exit_code == 0, result.output
    got = read_realised(out)
    assert got.draw.check_schedules and got.realisations == 4
    assert "LocalCluster of 1 workers" in result.output
    again = CliRunner().invoke(cli, ["realise", str(uncertain_front), "--realisations", "4",
                                     "--out", str(out)])
    assert again.exit_code == 2 and "--overwrite" in again.output


def test_history_dates_are_real_days_one_each(tmp_path, cluster):
    front = _front(tmp_path, None, "caltech")
    out = tmp_path / "nov"
    res = run(RealiseSpec(str(front), str(out), history_dates="2019-11-04..2019-11-10",
                          scheduler=cluster))
    days = res.evaluation.table.groupby("realisation")["day"].first().tolist()
    assert days == ["2019-11-04", "2019-11-05", "2019-11-06", "2019-11-07", "2019-11-08"]
    got = read_realised(out)
    assert got.draw.by_day and got.meta["history"]["days"] == days
    three = run(RealiseSpec(str(front), str(tmp_path / "three"), realisations=3,
                            history_dates="2019-11-04..2019-11-10", scheduler=cluster))
    assert three.evaluation.table["day"].unique().tolist() == days[:3]
    with pytest.raises(InputError, match="at most 5"):
        run(RealiseSpec(str(front), str(tmp_path / "six"), realisations=6,
                        history_dates="2019-11-04..2019-11-10", scheduler=cluster))
    assert not (tmp_path / "six").exists()


def test_reader_refuses_damage_and_another_run(uncertain_front, cluster, tmp_path):
    out = tmp_path / "real"
    run(RealiseSpec(str(uncertain_front), str(out), realisations=2, scheduler=cluster))
    damaged = tmp_path / "damaged"
    shutil.copytree(out, damaged)
    summary = (damaged / "summary.csv").read_text()
    (damaged / "summary.csv").write_text(summary.replace(",", ";", 1))
    with pytest.raises(InputError, match="SHA-256"):
        read_realised(damaged)
    meta = json.loads((out / "meta.json").read_text())
    meta["run"]["meta_sha256"] = "0" * 64
    other = tmp_path / "other"
    shutil.copytree(out, other)
    (other / "meta.json").write_text(json.dumps(meta))
    with pytest.raises(InputError, match="not an evaluation of the run"):
        read_realised(other)
    with pytest.raises(InputError, match="not a realised directory"):
        read_realised(uncertain_front)


def test_spec_validation_and_helpers():
    assert parse_range("2019-11-01..2019-12-31") == ("2019-11-01", "2019-12-31")
    assert parse_range("2019-11-05") == ("2019-11-05", "2019-11-05")  # one day
    for bad in ("2019-11-01..2019-11-02..2019-11-03", "2019-12-31..2019-11-01", "a..b"):
        with pytest.raises(InputError, match="--history-dates"):
            parse_range(bad)
    for kw, words in (({"realisations": 0}, "--realisations"), ({}, "give --realisations"),
                      ({"realisations": 2, "alpha": 1.0}, "--alpha"),
                      ({"realisations": 2, "scheduler": "tcp://x:1", "workers": 2}, "--workers"),
                      ({"realisations": 2, "seed": -1}, "--seed")):
        with pytest.raises(InputError, match=words):
            RealiseSpec("run", "out", **kw)
    spec = RealiseSpec("run", "out", realisations=5, history_dates="2019-11-01..2019-11-30")
    assert RealiseSpec.from_dict(spec.to_dict()) == spec and spec.draw.by_day
    assert chunk_size(500, 2) == 25 and chunk_size(20, 2) == 5 and chunk_size(1, 8) == 1

"""The Dask evaluation on a worker that cannot see the client's disk: the worker runs in a
private mount namespace where the scenario's directory (file, sessions history) is an empty
tmpfs, so any file a task opened there would be missing. Skipped where mount namespaces are
not allowed."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from distributed import Client, LocalCluster

from cli import cli
from models.scenario import load_scenario
from moo.problems.encodings import AggregateProblem
from moo.rundir import read_run
from moo.uncertainty.distributed import evaluate_on_dask
from moo.uncertainty.evaluate import Draw, evaluate_plans
from moo.uncertainty.plan import plans_from_run, plans_from_schedules, uncertain_scenario
from moo.uncertainty.realised import read_realised

PRESETS = Path(__file__).resolve().parents[2] / "models" / "presets"
ROOT = Path(__file__).resolve().parents[2]


def _namespaces_work(tmp_path) -> bool:
    probe = tmp_path / "probe"
    probe.mkdir()
    try:
        return subprocess.run(["unshare", "-m", "sh", "-c", f"mount -t tmpfs none {probe}"],
                              capture_output=True, timeout=30).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def _caltech(site: Path) -> Path:
    """The caltech preset with its sessions and history copied into ``site``."""
    (site / "data").mkdir(parents=True)
    shutil.copy(PRESETS / "caltech.toml", site / "caltech.toml")
    for name in ("caltech_2019-10-29.csv", "caltech_2019-09-01_2019-12-31.csv.gz"):
        shutil.copy(PRESETS / "data" / name, site / "data" / name)
    return site / "caltech.toml"


@contextlib.contextmanager
def _hidden_worker(cluster, hidden: Path, probe: Path):
    """One worker of ``cluster`` in a private mount namespace where ``hidden`` is an empty
    tmpfs (it starts only once ``probe`` is gone from its view)."""
    env = dict(os.environ, PYTHONPATH=f"{ROOT}{os.pathsep}{os.environ.get('PYTHONPATH', '')}")
    script = (f'mount -t tmpfs none {hidden} && test ! -e {probe} && exec "$0" -m '
              'distributed.cli.dask_worker "$1" --nthreads 1 --no-dashboard')
    worker = subprocess.Popen(["unshare", "-m", "sh", "-c", script, sys.executable,
                               cluster.scheduler_address], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        with Client(cluster) as client:
            client.wait_for_workers(1, timeout=60)
        yield
    finally:
        worker.terminate()
        worker.wait(timeout=30)


def test_worker_without_the_scenario_disk(tmp_path):
    if shutil.which("unshare") is None or not _namespaces_work(tmp_path):
        pytest.skip("no mount namespaces here")
    site = tmp_path / "site"
    toml = _caltech(site)
    s = load_scenario(str(toml))
    p = AggregateProblem(s, 1)
    x = p.repair(np.random.default_rng(0).uniform(size=(3, p.n_var)))
    ev, bess, _ = p.schedules(x)
    net = s.grid.net_base_kw + ev.sum(axis=1) + (0.0 if bess is None else bess)
    plans = plans_from_schedules(s, net, bess, ev)
    serial = evaluate_plans(s, plans, 4)
    with LocalCluster(n_workers=0, dashboard_address=":0") as cluster, \
            _hidden_worker(cluster, site, toml), Client(cluster) as client:
        dask = evaluate_on_dask(client, s, plans, 4, chunk=2)
    pd.testing.assert_frame_equal(dask.table, serial.table)


def test_realise_command_with_a_worker_that_cannot_see_the_run_or_out(tmp_path):
    """`v2g-pareto realise --scheduler`: the worker sees neither the scenario file, nor the
    run, nor --out (one empty tmpfs over all three); the client writes the realised
    directory, which equals the serial evaluation."""
    if shutil.which("unshare") is None or not _namespaces_work(tmp_path):
        pytest.skip("no mount namespaces here")
    client_disk = tmp_path / "client"
    toml = _caltech(client_disk / "site")
    run = client_disk / "front"
    out = client_disk / "realised"
    result = CliRunner().invoke(cli, ["front", "--scenario", str(toml), "--generations", "2",
                                      "--pop", "8", "--local-search", "off", "--out", str(run)])
    assert result.exit_code == 0, result.output
    with LocalCluster(n_workers=0, dashboard_address=":0") as cluster, \
            _hidden_worker(cluster, client_disk, run / "meta.json"):
        result = CliRunner().invoke(cli, ["realise", str(run), "--realisations", "4",
                                          "--history-dates", "2019-11-04..2019-11-08",
                                          "--scheduler", cluster.scheduler_address,
                                          "--out", str(out)])
    assert result.exit_code == 0, result.output
    got = read_realised(out)
    front = read_run(run)
    scenario, _ = uncertain_scenario(front, history=("2019-11-04", "2019-11-08"))
    serial = evaluate_plans(scenario, plans_from_run(front), 4, draw=Draw(by_day=True))
    pd.testing.assert_frame_equal(got.table, serial.table)

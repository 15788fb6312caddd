"""Sweeps on a real Dask LocalCluster: end to end, and a restart that skips complete runs."""

import pandas as pd
import pytest

from jobs.sweep import load_config, make_config, run_sweep
from moo.rundir import is_complete


def test_sweep_on_local_cluster_and_restart(site_toml, tmp_path):
    tiny = str(site_toml)
    config = make_config(
        scenarios=[tiny],
        algorithms=["nsga2", "nsga3"],
        seeds=[1, 2],
        evals=[400],
        pop_size=20,
        max_solutions=30,
    )
    out = tmp_path / "sweep"
    first = run_sweep(config, out, workers=2)
    assert len(first.table) == 4 and first.skipped == 0
    assert set(first.table["algorithm"]) == {"nsga2", "nsga3"}
    assert (first.table["n_evals"] >= 400).all()
    for run in first.table["run"]:
        assert is_complete(run)
    on_disk = pd.read_parquet(out / "results.parquet")
    pd.testing.assert_frame_equal(on_disk, pd.read_csv(out / "results.csv"), check_dtype=False)
    assert {"economy_cost", "response_variance", "hv", "wall_time_s"} <= set(on_disk.columns)
    assert set(first.summary["algorithm"]) == {"nsga2", "nsga3"}

    # A run whose meta.json is gone is incomplete and runs again; the others are skipped.
    victim = first.table["run"].iloc[0]
    (tmp_path / victim / "meta.json").unlink()
    second = run_sweep(config, out, workers=2)
    assert second.skipped == 3
    redone = second.table.set_index("run").loc[victim]
    assert not redone["skipped"] and is_complete(victim)
    # Same seed, same evaluations: the re-run reproduces the first run's row.
    before = first.table.set_index("run").loc[victim]
    assert redone["economy_cost"] == pytest.approx(before["economy_cost"], rel=1e-12)


def test_sweep_config_file(tmp_path):
    path = tmp_path / "sweep.toml"
    path.write_text(
        'scenarios = ["building"]\nalgorithms = ["nsga3"]\nseeds = [1, 2, 3]\nevals = [100, 200]\n'
    )
    config = load_config(path, algorithms=["nsga2"])
    assert config.algorithms == ("nsga2",)
    assert len(config.tasks(tmp_path)) == 6
    path.write_text('scenarios = ["building"]\nbogus = 1\n')
    with pytest.raises(ValueError, match="unknown key 'bogus'"):
        load_config(path)


def test_bad_scenario_fails_before_any_worker_or_file(tmp_path):
    from click.testing import CliRunner

    from cli import cli

    out = tmp_path / "sweep"
    result = CliRunner().invoke(
        cli, ["sweep", "--scenarios", "nonexistent", "--evals", "10", "--out", str(out)]
    )
    assert result.exit_code == 2
    assert "unknown scenario 'nonexistent'" in result.output
    assert "Traceback" not in result.output
    assert not out.exists()


def test_sweep_on_a_worker_that_cannot_see_out_or_the_scenario(site_toml, tmp_path):
    """The worker runs in a private mount namespace where the folder holding --out and the
    scenario file is an empty tmpfs: the runs must come back to the client and be written
    there (skipped where mount namespaces are not allowed)."""
    import os
    import shutil
    import subprocess
    import sys
    from pathlib import Path

    from distributed import Client, LocalCluster

    from tests.killing import default_signals
    from tests.uncertainty.test_private_disk import _namespaces_work

    if shutil.which("unshare") is None or not _namespaces_work(tmp_path):
        pytest.skip("no mount namespaces here")
    site = tmp_path / "site"
    site.mkdir()
    scenario = shutil.copy(site_toml, site / "site.toml")
    out = site / "sweep"
    config = make_config(scenarios=[str(scenario)], seeds=[1, 2], evals=[200], pop_size=12,
                         max_solutions=20)
    root = Path(__file__).resolve().parents[2]
    env = dict(os.environ, PYTHONPATH=f"{root}{os.pathsep}{os.environ.get('PYTHONPATH', '')}",
               NUMBA_NUM_THREADS="1")
    with LocalCluster(n_workers=0, dashboard_address=None) as cluster:
        script = (f'mount -t tmpfs none {site} && test ! -e {scenario} && exec "$0" -m '
                  'distributed.cli.dask_worker "$1" --nthreads 1 --no-dashboard')
        worker = subprocess.Popen(["unshare", "-m", "sh", "-c", script, sys.executable,
                                   cluster.scheduler_address], env=env,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                  preexec_fn=default_signals)
        try:
            with Client(cluster) as client:
                client.wait_for_workers(1, timeout=60)
            res = run_sweep(config, out, scheduler=cluster.scheduler_address)
        finally:
            worker.terminate()
            worker.wait(timeout=30)
    assert list(res.table["status"]) == ["complete", "complete"] and res.skipped == 0
    for run in res.table["run"]:
        assert is_complete(run) and Path(run).parent == out / "runs"

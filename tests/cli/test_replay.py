"""`v2g-pareto replay` from the command line: a run directory of the realised day, and one
line with exit code 2 for bad input, with nothing written."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from click.testing import CliRunner

from cli import cli
from moo.operate.replay import REPLAY_COLUMNS, STEP_COLUMNS
from moo.rundir import read_run
from tests.operate.conftest import TINY


def invoke(*args):
    return CliRunner().invoke(cli, ["replay", *map(str, args)])


def test_replay_writes_a_checked_run_with_steps_and_ocpp(write_scenario, tmp_path):
    path = write_scenario(TINY)
    out = tmp_path / "rp"
    res = invoke("--scenario", path, "--realisation", 3, "--policy", "mpc", "--replan-every", 2,
                 "--ocpp", "--date", "2024-03-05", "--out", out)
    assert res.exit_code == 0, res.output
    run = read_run(out)  # hashes and shapes hold
    assert len(run.front) == 1 and set(REPLAY_COLUMNS) <= set(run.front.columns)
    steps = pd.read_csv(out / "steps.csv")
    assert list(steps.columns) == list(STEP_COLUMNS) and len(steps) == 12
    lines = (out / "ocpp" / "requests.jsonl").read_text().splitlines()
    assert lines and json.loads(lines[0])["request"]["chargingProfile"]["stackLevel"] == 0
    meta = json.loads((out / "meta.json").read_text())
    assert meta["replay"]["policy"] == "mpc" and meta["algorithm"] == "replay-mpc"


@pytest.mark.parametrize("args, message", [
    (["--scenario", "caltech", "--date", "2020-03-02", "--policy", "mpc"], "--date 2020-03-02"),
    (["--scenario", "caltech", "--date", "2019-11-05", "--policy", "mpc", "--replan-every", 0],
     "--replan-every must be an integer >= 1"),
    (["--scenario", "caltech", "--policy", "plan"], "needs|give --front"),
])
def test_bad_input_is_one_line_and_exit_2(tmp_path, args, message):
    out = tmp_path / "rp"
    res = invoke(*args, "--out", out)
    assert res.exit_code == 2, res.output
    assert len(res.output.strip().splitlines()) == 1
    assert pytest.importorskip("re").search(message, res.output)
    assert not out.exists() or not any(out.iterdir())

"""Checkpoint and resume of a swarm run: a killed run, resumed, ends as an uninterrupted one."""

import json

import pandas as pd
import pytest
from click.testing import CliRunner

from cli import cli
from models.scenario import load_scenario
from moo.rundir import is_complete
from moo.rundir.checkpoint import CHECKPOINT, FRONT, SWARM, load_checkpoint, save_checkpoint
from tests.conftest import write_small_front
from tests.killing import kill_after_first_checkpoint

# Enough generations that the kill lands mid-run (a checkpoint every 5 of ~300).
ARGS = ["--mode", "response", "--pop", "12", "--evals", "2500", "--seed", "7"]


@pytest.fixture
def reference(tmp_path, site_toml):
    """A small vehicle-encoding front of the 5-car test site."""
    return write_small_front(tmp_path / "front", load_scenario(str(site_toml)),
                             encoding="vehicle", pop_size=12, generations=3)


@pytest.mark.parametrize("algorithm", ["mlgcso", "cso"])
def test_killed_swarm_resumes_to_the_uninterrupted_result(tmp_path, reference, algorithm):
    whole, killed = tmp_path / "whole", tmp_path / "killed"
    args = ["mlgcso", "--reference", str(reference), "--algorithm", algorithm, *ARGS]
    result = CliRunner().invoke(cli, [*args, "--out", str(whole)])
    assert result.exit_code == 0, result.output

    kill_after_first_checkpoint(
        [*args, "--checkpoint-every", "5", "--out", str(killed)], killed / CHECKPOINT
    )
    assert not is_complete(killed)  # killed before meta.json: not a finished run
    done = len(load_checkpoint(killed / CHECKPOINT, SWARM)["state"]["rows"])
    total = len(pd.read_csv(whole / "history.csv"))
    assert done % 5 == 0 and 5 <= done < total  # the resume has generations left to run

    result = CliRunner().invoke(cli, ["mlgcso", "--resume", str(killed)])
    assert result.exit_code == 0, result.output
    assert is_complete(killed) and not (killed / CHECKPOINT).exists()
    front = [pd.read_csv(p / "front.csv") for p in (killed, whole)]
    pd.testing.assert_frame_equal(*front, rtol=1e-12)
    cols = ["generation", "n_evals", "best_scalar", "local_moves"]
    history = [pd.read_csv(p / "history.csv")[cols] for p in (killed, whole)]
    pd.testing.assert_frame_equal(*history, rtol=1e-12)
    metas = [json.loads((p / "meta.json").read_text()) for p in (killed, whole)]
    for key in ("scalar", "n_evals", "local_moves", "weights", "normalization", "reference_run"):
        assert metas[0][key] == metas[1][key], key


def test_swarm_resume_without_checkpoint_is_a_one_line_error(tmp_path):
    result = CliRunner().invoke(cli, ["mlgcso", "--resume", str(tmp_path)])
    assert result.exit_code == 2
    assert "no checkpoint to resume from" in result.output
    assert "Traceback" not in result.output and result.output.count("\n") == 1


def test_a_front_checkpoint_is_not_a_swarm_checkpoint(tmp_path):
    save_checkpoint(tmp_path / CHECKPOINT, {}, {}, FRONT)
    result = CliRunner().invoke(cli, ["mlgcso", "--resume", str(tmp_path)])
    assert result.exit_code == 2 and "not a v2g-pareto swarm checkpoint" in result.output

"""Checkpoint and resume of a front run: a killed run, resumed, matches an uninterrupted one."""


import pandas as pd
import pytest
from click.testing import CliRunner

from cli import cli
from moo.rundir import is_complete
from moo.rundir.checkpoint import CHECKPOINT
from tests.killing import kill_after_first_checkpoint

ARGS = ["--algorithm", "nsga3", "--pop", "16", "--generations", "400", "--seed", "7"]


def _front(path):
    return pd.read_csv(path / "front.csv")


def test_killed_run_resumes_to_the_uninterrupted_front(tmp_path, site_toml):
    site = site_toml
    whole, killed = tmp_path / "whole", tmp_path / "killed"
    result = CliRunner().invoke(cli, ["front", "--scenario", str(site), *ARGS, "--out", str(whole)])
    assert result.exit_code == 0, result.output

    args = ["front", "--scenario", str(site), *ARGS, "--checkpoint-every", "5"]
    kill_after_first_checkpoint([*args, "--out", str(killed)], killed / CHECKPOINT)
    assert not is_complete(killed)  # killed before meta.json: not a finished run

    result = CliRunner().invoke(cli, ["front", "--resume", str(killed)])
    assert result.exit_code == 0, result.output
    assert is_complete(killed) and not (killed / CHECKPOINT).exists()
    pd.testing.assert_frame_equal(_front(killed), _front(whole), rtol=1e-12)
    history = pd.read_csv(killed / "history.csv")
    assert list(history["generation"]) == list(range(1, 401))


def test_resume_without_checkpoint_is_a_one_line_error(tmp_path):
    result = CliRunner().invoke(cli, ["front", "--resume", str(tmp_path)])
    assert result.exit_code == 2
    assert "no checkpoint to resume from" in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize("args", [["--out", "x"], ["--scenario", "building"]])
def test_front_needs_scenario_and_out(args):
    result = CliRunner().invoke(cli, ["front", *args])
    assert result.exit_code == 2 and "--resume" in result.output


def test_resume_refuses_a_scenario_that_changed(tmp_path, site_toml):
    """The checkpoint records the resolved scenario's SHA-256; an edited file is refused
    before any generation runs, and the checkpoint stays for a resume with the old file."""
    killed = tmp_path / "killed"
    args = ["front", "--scenario", str(site_toml), *ARGS, "--checkpoint-every", "5"]
    kill_after_first_checkpoint([*args, "--out", str(killed)], killed / CHECKPOINT)
    site_toml.write_text(site_toml.read_text().replace("count = 5", "count = 6"))
    result = CliRunner().invoke(cli, ["front", "--resume", str(killed)])
    assert result.exit_code == 2 and "changed since this checkpoint" in result.output
    assert "Traceback" not in result.output and (killed / CHECKPOINT).exists()

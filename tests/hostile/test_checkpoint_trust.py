"""The checkpoint trust boundary (moo.rundir.checkpoint): a checkpoint is code, so
``--resume`` loads only one that the current user owns and nobody else can write — the
file and its directory — and refuses anything else in one line naming the file, the rule
and the fix, before reading a byte of it."""

from __future__ import annotations

import os
import shutil
import stat

import pytest

from moo.rundir import is_complete
from moo.rundir.checkpoint import CHECKPOINT
from tests.hostile.conftest import invoke, ok, one_line_error, snapshot
from tests.killing import kill_after_first_checkpoint

ARGS = ("--pop", "8", "--generations", "60", "--local-search", "off", "--checkpoint-every", "5")
OTHER = 65534  # nobody / nogroup: a uid and a gid that are not the current user's


@pytest.fixture(scope="module")
def killed(tmp_path_factory, tiny_toml):
    """A front run killed after its first checkpoint (pristine: tests resume copies)."""
    out = tmp_path_factory.mktemp("killed") / "run"
    kill_after_first_checkpoint(["front", "--scenario", str(tiny_toml), *ARGS, "--out", str(out)],
                                out / CHECKPOINT)
    return out


@pytest.fixture
def run(killed, tmp_path):
    target = tmp_path / "run"
    shutil.copytree(killed, target)
    os.chmod(target, 0o755)
    return target


def test_checkpoints_are_written_for_their_owner_alone(killed):
    assert stat.S_IMODE((killed / CHECKPOINT).stat().st_mode) == 0o600


@pytest.mark.parametrize("where", ["file", "directory"])
@pytest.mark.parametrize("bits", [stat.S_IWGRP, stat.S_IWOTH], ids=["g+w", "o+w"])
def test_a_checkpoint_others_can_write_is_refused(run, where, bits):
    target = run / CHECKPOINT if where == "file" else run
    if bits == stat.S_IWGRP:  # a group other than the user's own private group
        os.chown(target, -1, OTHER)
    os.chmod(target, stat.S_IMODE(target.stat().st_mode) | bits)
    before = snapshot(run)
    line = one_line_error(invoke("front", "--resume", run))
    assert str(run / CHECKPOINT) in line and "a checkpoint is code" in line
    assert f"{where} {target}" in line and "chmod go-w" in line
    assert snapshot(run) == before and not (run / "meta.json").exists()
    os.chmod(target, stat.S_IMODE(target.stat().st_mode) & ~bits)  # the fix it names
    ok(invoke("front", "--resume", run))
    assert is_complete(run)


@pytest.mark.parametrize("where", ["file", "directory"])
def test_a_checkpoint_of_another_user_is_refused(run, where):
    target = run / CHECKPOINT if where == "file" else run
    os.chown(target, OTHER, -1)
    before = snapshot(run)
    line = one_line_error(invoke("front", "--resume", run))
    assert f"{where} {target} is owned by uid {OTHER}, not by you (uid {os.geteuid()})" in line
    assert f"chown {os.geteuid()}" in line
    assert snapshot(run) == before and not (run / "meta.json").exists()


def test_the_swarm_resume_holds_the_same_boundary(run):
    os.chmod(run / CHECKPOINT, 0o602)
    line = one_line_error(invoke("mlgcso", "--resume", run))
    assert "a checkpoint is code" in line


def test_ones_own_checkpoint_resumes(run):
    ok(invoke("front", "--resume", run))
    assert is_complete(run) and not (run / CHECKPOINT).exists()

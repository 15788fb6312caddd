"""Kills, interrupts and concurrent writers on real `v2g-pareto` processes: whatever
happens, --out holds the old complete run or the new complete run, the next writer cleans
what a killed one left, and every refusal is one line."""

from __future__ import annotations

import copy
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from moo.rundir import read_run
from tests.conftest import MINIMAL, to_toml
from tests.hostile.conftest import FRONT_ARGS, invoke, leftovers, ok, one_line_error, snapshot
from tests.killing import default_signals, kill_after_first_checkpoint

ENV = {**os.environ, "NUMBA_NUM_THREADS": "1"}


def start(*args) -> subprocess.Popen:
    """``v2g-pareto ARGS`` as a child process, output captured."""
    return subprocess.Popen(
        [sys.executable, "-c", "from cli import main; main()", *map(str, args)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=ENV,
        preexec_fn=default_signals,
    )


def wait_for(path: Path, proc: subprocess.Popen, timeout_s: float = 120) -> None:
    deadline = time.monotonic() + timeout_s
    while not path.exists():
        assert proc.poll() is None, f"ended first: {proc.communicate()}"
        assert time.monotonic() < deadline, f"no {path.name} within {timeout_s:.0f} s"
        time.sleep(0.01)


@pytest.fixture
def big_toml(tmp_path) -> Path:
    """MINIMAL with 400 cars: seeding (local search) takes seconds, not milliseconds."""
    data = copy.deepcopy(MINIMAL)
    data["fleet"]["groups"][0]["count"] = 400
    data["grid"]["base_load"]["kw"] = [3000.0, 6000.0]
    path = tmp_path / "big.toml"
    path.write_text(to_toml(data))
    return path


@pytest.mark.parametrize("where", ["at-claim", "in-seeding"])
def test_sigint_before_the_first_generation_writes_nothing(big_toml, tmp_path, where):
    """Ctrl-C as soon as --out is claimed (before the optimiser's own handler: click's
    "Aborted!"), or once the progress line says the seeding started (the optimiser stops
    with no schedule): exit 1, one line, no run, no partial directory, no lock file."""
    out = tmp_path / "run"
    proc = start("front", "--scenario", big_toml, "--local-search", "on", "--generations", "50",
                 "--checkpoint-every", "1", "--out", out)
    wait_for(tmp_path / ".run.lock", proc)
    before = ""
    if where == "in-seeding":  # however long start-up takes on a loaded machine
        while "seeding" not in before:
            line = proc.stderr.readline()
            assert line, f"ended before seeding: {proc.communicate()}"
            before += line
        if (out / "checkpoint.pkl").exists():
            proc.kill()
            proc.wait()
            pytest.skip("seeding ended before the signal on this machine")
    proc.send_signal(signal.SIGINT)
    stdout, stderr = proc.communicate(timeout=120)
    stderr = before + stderr
    assert proc.returncode == 1, (stdout, stderr)
    assert "Traceback" not in stderr
    last = [line for line in stderr.splitlines() if line.strip()][-1]
    expected = {"Error: interrupted before the first feasible schedule: nothing written"}
    if where == "at-claim":
        expected.add("Aborted!")
    assert last in expected, stderr
    assert not out.exists()
    assert leftovers(tmp_path) == []


def test_sigkill_mid_run_over_an_existing_run_keeps_the_old_run(built, tmp_path, tiny_toml):
    out = tmp_path / "run"
    shutil.copytree(built["front"], out)
    before = snapshot(out)
    kill_after_first_checkpoint(
        ["front", "--scenario", str(tiny_toml), "--generations", "400", "--pop", "8",
         "--local-search", "off", "--checkpoint-every", "1", "--overwrite", "--out", str(out)],
        out / "checkpoint.pkl",
    )
    # The killed run's state (its checkpoint, and the temporary file of the one it was
    # writing) sits beside the old run's files; every file of the old run is untouched.
    after = {k: v for k, v in snapshot(out).items() if "checkpoint.pkl" not in k}
    assert after == before
    assert read_run(out).meta == read_run(built["front"]).meta
    # The next writer removes what the killed one left (its lock file, any partial dir).
    ok(invoke("baseline", "--scenario", tiny_toml, "--method", "ordered", "--out", out,
              "--overwrite"))
    assert read_run(out).meta["algorithm"] == "ordered"
    assert leftovers(tmp_path) == []
    assert not (out / "checkpoint.pkl").exists()


def test_sigkill_while_writing_keeps_the_old_run(built, tmp_path, tiny_toml):
    """The writer is killed between two files of the new run (fsync patched to SIGKILL the
    process on the third file): the old run is untouched, the partial directory goes with
    the next writer."""
    out = tmp_path / "run"
    shutil.copytree(built["front"], out)
    before = snapshot(out)
    code = (
        "import os, signal\n"
        "calls = []\n"
        "real = os.fsync\n"
        "def fsync(fd):\n"
        "    calls.append(fd)\n"
        "    if len(calls) == 3:\n"
        "        os.kill(os.getpid(), signal.SIGKILL)\n"
        "    real(fd)\n"
        "os.fsync = fsync\n"
        "from cli import main; main()\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code, "baseline", "--scenario", str(tiny_toml), "--method",
         "ordered", "--overwrite", "--out", str(out)],
        capture_output=True, text=True, env=ENV, timeout=120, preexec_fn=default_signals,
    )
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    assert any(".partial-" in name for name in leftovers(tmp_path))  # the kill was mid-write
    assert snapshot(out) == before
    read_run(out)
    ok(invoke("baseline", "--scenario", tiny_toml, "--method", "ordered", "--out", out,
              "--overwrite"))
    assert leftovers(tmp_path) == []


def test_two_writers_on_one_out(tiny_toml, tmp_path):
    out = tmp_path / "run"
    first = start("front", "--scenario", tiny_toml, "--generations", "30", "--pop", "8",
                  "--local-search", "off", "--out", out)
    wait_for(tmp_path / ".run.lock", first)
    second = invoke("front", "--scenario", tiny_toml, *FRONT_ARGS, "--out", out)
    line = one_line_error(second)
    assert "another v2g-pareto process" in line
    stdout, stderr = first.communicate(timeout=300)
    assert first.returncode == 0, stderr
    assert "Traceback" not in stderr
    assert read_run(out).meta["parameters"]["budget"]["generations"] == 30
    assert leftovers(tmp_path) == []


def test_resume_after_the_scenario_changed_is_refused(tmp_path):
    scenario = tmp_path / "site.toml"
    scenario.write_text(to_toml(MINIMAL))
    out = tmp_path / "run"
    kill_after_first_checkpoint(
        ["front", "--scenario", str(scenario), "--generations", "400", "--pop", "8",
         "--local-search", "off", "--checkpoint-every", "1", "--out", str(out)],
        out / "checkpoint.pkl",
    )
    changed = copy.deepcopy(MINIMAL)
    changed["grid"]["base_load"]["kw"] = [100.0, 250.0]
    scenario.write_text(to_toml(changed))
    checkpoint = (out / "checkpoint.pkl").read_bytes()
    line = one_line_error(invoke("front", "--resume", out))
    assert "changed since this checkpoint" in line
    assert (out / "checkpoint.pkl").read_bytes() == checkpoint
    assert not (out / "meta.json").exists()
    # The checkpoint is not a run, so a plain new run is refused too, naming both ways on.
    line = one_line_error(invoke("front", "--scenario", scenario, *FRONT_ARGS, "--out", out))
    assert "--resume" in line and "--overwrite" in line


def test_sigint_during_generations_writes_the_front_so_far(tiny_toml, tmp_path):
    out = tmp_path / "run"
    proc = start("front", "--scenario", tiny_toml, "--generations", "100000", "--pop", "8",
                 "--local-search", "off", "--checkpoint-every", "1", "--out", out)
    wait_for(out / "checkpoint.pkl", proc)  # at least one generation is done
    proc.send_signal(signal.SIGINT)
    stdout, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 0, stderr
    assert "Traceback" not in stderr
    assert "interrupted: wrote the front found so far" in stderr
    run = read_run(out)
    assert run.meta["interrupted"] is True
    assert 1 <= len(run.history) < 100000
    assert not (out / "checkpoint.pkl").exists()
    assert leftovers(tmp_path) == []


def test_ctrl_c_while_writing_keeps_the_old_run(built, tmp_path, tiny_toml, monkeypatch):
    """Ctrl-C between two files of the new run: the partial directory is removed, the old
    run and the lock are as before the command."""
    out = tmp_path / "run"
    shutil.copytree(built["front"], out)
    before = snapshot(out)
    real, calls = os.fsync, []

    def interrupted(fd):
        calls.append(fd)
        if len(calls) == 3:
            raise KeyboardInterrupt
        real(fd)

    monkeypatch.setattr(os, "fsync", interrupted)
    result = invoke("baseline", "--scenario", tiny_toml, "--method", "ordered", "--overwrite",
                    "--out", out)
    monkeypatch.setattr(os, "fsync", real)
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert result.output.strip().splitlines()[-1] == "Aborted!"
    assert snapshot(out) == before
    assert leftovers(tmp_path) == []

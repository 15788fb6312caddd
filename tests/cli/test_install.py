"""Packaging: a wheel built from the repository installs into a fresh virtual environment
and runs every preset from its own package data (no source tree on the path)."""

import subprocess
import sys
from pathlib import Path

from tests.conftest import PRESETS

ROOT = Path(__file__).resolve().parents[2]


def _run(*args, cwd):
    return subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=600)


def test_wheel_installs_and_runs_in_a_fresh_venv(tmp_path):
    dist, venv = tmp_path / "dist", tmp_path / "venv"
    built = _run(sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                 "-q", str(ROOT), "-w", str(dist), cwd=tmp_path)
    assert built.returncode == 0, built.stderr
    (wheel,) = dist.glob("v2g_pareto-*.whl")
    # The dependencies come from this interpreter's site-packages; the tool itself only
    # from the wheel, installed into the venv (which comes first on its path).
    assert _run(sys.executable, "-m", "venv", "--system-site-packages", str(venv),
                cwd=tmp_path).returncode == 0
    py, tool = venv / "bin" / "python", venv / "bin" / "v2g-pareto"
    installed = _run(str(py), "-m", "pip", "install", "--no-deps", "--no-index", "-q",
                     str(wheel), cwd=tmp_path)
    assert installed.returncode == 0, installed.stderr
    where = _run(str(py), "-c", "import cli, moo, models; print(cli.__file__, models.__file__)",
                 cwd=tmp_path)
    assert all(p.startswith(str(venv)) for p in where.stdout.split()), where.stdout
    listed = _run(str(tool), "scenarios", cwd=tmp_path)
    assert listed.returncode == 0, listed.stderr
    assert {line.split()[0] for line in listed.stdout.splitlines()} >= set(PRESETS)
    # caltech reads its sessions CSV (package data) and needs pvlib (a core dependency).
    run = _run(str(tool), "baseline", "--scenario", "caltech", "--method", "ordered",
               "--out", str(tmp_path / "run"), cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert (tmp_path / "run" / "meta.json").is_file()

"""Packaging: a wheel built from the repository installs into a fresh virtual environment
and runs every preset from its own package data (no source tree on the path)."""

import os
import site
import subprocess
import sys
from pathlib import Path

from tests.conftest import PRESETS

ROOT = Path(__file__).resolve().parents[2]


# The child sees neither a PYTHONPATH (which could put a source tree first) nor a venv
# of the parent's: only what the venv below holds.
ENV = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}


def _run(*args, cwd):
    return subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=600, env=ENV)


def _dependency_dirs() -> list[str]:
    """The site directories this interpreter imports its dependencies from (a venv's, the
    system's or a user's, wherever pip put them), without the source tree: the tool must
    come from the wheel alone."""
    dirs = [*site.getsitepackages(), site.getusersitepackages(), *sys.path]
    keep = []
    for d in dict.fromkeys(dirs):
        p = Path(d) if d else None
        if p is None or not p.is_dir() or p.resolve() == ROOT:
            continue
        if (p / "cli.py").exists() or (p / "moo").is_dir():  # a source tree of the tool
            continue
        keep.append(str(p))
    return keep


def test_wheel_installs_and_runs_in_a_fresh_venv(tmp_path):
    dist, venv = tmp_path / "dist", tmp_path / "venv"
    built = _run(sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                 "-q", str(ROOT), "-w", str(dist), cwd=tmp_path)
    assert built.returncode == 0, built.stderr
    (wheel,) = dist.glob("v2g_pareto-*.whl")
    # The dependencies come from wherever this interpreter finds them (listed in a .pth
    # file, after the venv's own site-packages); the tool itself only from the wheel,
    # installed into the venv.
    made = _run(sys.executable, "-m", "venv", "--without-pip", str(venv), cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    py, tool = venv / "bin" / "python", venv / "bin" / "v2g-pareto"
    (venv_site,) = venv.glob("lib/python*/site-packages")
    (venv_site / "zz-dependencies.pth").write_text("\n".join(_dependency_dirs()) + "\n")
    installed = _run(str(py), "-m", "pip", "install", "--no-deps", "--no-index",
                     "--ignore-installed", "-q", str(wheel), cwd=tmp_path)
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

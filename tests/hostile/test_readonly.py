"""Read-only outputs. As root, permissions do not stop writes, so the read-only places are
real read-only bind mounts in a private mount namespace (``unshare -m``); the commands run
in one child process there, through click's test runner, and report back as JSON. Skipped
where mount namespaces are not allowed."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import textwrap

import pytest

from tests.hostile.conftest import FRONT_ARGS, one_line_error, snapshot

CHILD = textwrap.dedent("""
    import json, sys
    from click.testing import CliRunner
    from cli import cli
    results = []
    for args in json.loads(sys.argv[1]):
        r = CliRunner().invoke(cli, args)
        results.append({"args": args, "exit_code": r.exit_code, "output": r.output,
                        "exception": None if r.exception is None or isinstance(
                            r.exception, SystemExit) else repr(r.exception)})
    print(json.dumps(results))
""")


def _namespaces_work(tmp_path) -> bool:
    probe = tmp_path / "probe"
    probe.mkdir()
    cmd = f"mount --bind {probe} {probe} && mount -o remount,bind,ro {probe} {probe}"
    try:
        return subprocess.run(["unshare", "-m", "sh", "-c", cmd], capture_output=True,
                              timeout=30).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


class Result:
    """What `one_line_error` reads, from the child's JSON."""

    def __init__(self, row: dict):
        self.exit_code, self.output = row["exit_code"], row["output"]
        self.exception = row["exception"]


def run_read_only(read_only: list, commands: list[list]) -> list[Result]:
    mounts = " && ".join(
        f"mount --bind {p} {p} && mount -o remount,bind,ro {p} {p}" for p in read_only
    )
    script = f'{mounts} && exec "$0" -c "$1" "$2"'
    proc = subprocess.run(
        ["unshare", "-m", "sh", "-c", script, sys.executable, CHILD,
         json.dumps([[str(a) for a in c] for c in commands])],
        capture_output=True, text=True, timeout=600,
    )
    assert proc.returncode == 0, proc.stderr
    return [Result(row) for row in json.loads(proc.stdout.splitlines()[-1])]


def test_read_only_outputs_are_refused_before_any_work(built, tiny_toml, tmp_path):
    if shutil.which("unshare") is None or not _namespaces_work(tmp_path):
        pytest.skip("no mount namespaces here")
    ro_parent = tmp_path / "ro"
    ro_parent.mkdir()
    run = ro_parent / "front"
    shutil.copytree(built["front"], run)
    ro_out = tmp_path / "empty-ro"  # --out itself read-only, its parent writable
    ro_out.mkdir()
    before = snapshot(run)
    commands = {
        "front below a read-only dir": ["front", "--scenario", tiny_toml, *FRONT_ARGS,
                                        "--out", ro_parent / "new"],
        "front into a read-only dir": ["front", "--scenario", tiny_toml, "--generations", "200",
                                       "--pop", "8", "--local-search", "off",
                                       "--checkpoint-every", "1", "--out", ro_out],
        "baseline below a read-only dir": ["baseline", "--scenario", tiny_toml, "--method",
                                           "ordered", "--out", ro_parent / "b"],
        "exact into a read-only dir": ["exact", "--scenario", tiny_toml, "--points", "3",
                                       "--out", ro_out],
        "select on a read-only run": ["select", run, "--mode", "economy"],
        "plot on a read-only run": ["plot", run],
        "explore on a read-only run": ["explore", run],
        "overwrite a read-only run": ["baseline", "--scenario", tiny_toml, "--method", "ordered",
                                      "--out", run, "--overwrite"],
    }
    results = run_read_only([ro_parent, ro_out], list(commands.values()))
    for name, result in zip(commands, results, strict=True):
        line = one_line_error(result)
        assert "read-only" in line.lower() or "not writable" in line or "cannot write" in line, (
            f"{name}: {line}")
        assert "gen " not in result.output, f"{name}: refused only after optimising"
    assert snapshot(run) == before
    assert list(ro_out.iterdir()) == []

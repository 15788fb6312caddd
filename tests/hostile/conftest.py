"""Shared pieces of the hostile-input suite: the CLI driven in-process, the one-line error
check, the on-disk cleanliness check, and small real runs built once per session."""

from __future__ import annotations

import copy
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli import cli
from moo.rundir import read_run
from tests.conftest import MINIMAL, SITE_TOML, to_toml


def invoke(*args: str):
    """Run ``v2g-pareto ARGS`` in this process (stderr mixed into ``output``)."""
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=True)


def one_line_error(result, code: int = 2) -> str:
    """Assert a clean failure: exit ``code``, exactly one line starting with "Error:" and
    nothing after it (a message with a line break in it would end on its own line), no
    traceback and no exception escaping click; returns that line."""
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        f"exception escaped: {result.exception!r}\n{result.output}"
    )
    assert "Traceback" not in result.output, result.output
    lines = result.output.splitlines()
    errors = [k for k, line in enumerate(lines) if line.startswith("Error:")]
    assert len(errors) == 1, f"expected one 'Error:' line, got:\n{result.output}"
    assert not "".join(lines[errors[0] + 1:]).strip(), f"the error spans lines:\n{result.output}"
    assert result.exit_code == code, f"exit {result.exit_code} (wanted {code}):\n{result.output}"
    return lines[errors[0]]


def ok(result):
    """Assert a clean success (exit 0, no traceback)."""
    assert result.exit_code == 0, f"exit {result.exit_code}:\n{result.output}\n{result.exception!r}"
    assert "Traceback" not in result.output
    return result


def leftovers(parent: Path) -> list[str]:
    """Names a writer must never leave in ``parent``: partial run directories and locks."""
    return sorted(
        p.name for p in Path(parent).iterdir()
        if ".partial-" in p.name or p.name.endswith(".lock")
    )


def snapshot(run_dir: Path) -> dict[str, bytes]:
    """Every file of a directory by relative name, to prove it was not touched."""
    run_dir = Path(run_dir)
    return {
        str(p.relative_to(run_dir)): p.read_bytes()
        for p in sorted(run_dir.rglob("*")) if p.is_file()
    }


@pytest.fixture(scope="session")
def tiny_toml(tmp_path_factory) -> Path:
    """MINIMAL (3 vehicles, 24 slots) as a scenario file."""
    path = tmp_path_factory.mktemp("tiny") / "tiny.toml"
    path.write_text(to_toml(copy.deepcopy(MINIMAL)))
    return path


@pytest.fixture(scope="session")
def site_file(tmp_path_factory) -> Path:
    """The conftest's small complete site (PV, BESS, 5 cars) as a scenario file."""
    path = tmp_path_factory.mktemp("site") / "site.toml"
    path.write_text(SITE_TOML)
    return path


FRONT_ARGS = ("--generations", "2", "--pop", "8", "--local-search", "off")


@pytest.fixture(scope="session")
def built(tmp_path_factory, tiny_toml) -> dict[str, Path]:
    """Real runs of the tiny scenario, written once: a front, a baseline, an exact front
    and a lower bound (pristine: tests damage copies, see `copy_run`)."""
    root = tmp_path_factory.mktemp("built")
    runs = {name: root / name for name in ("front", "baseline", "exact", "bound")}
    ok(invoke("front", "--scenario", tiny_toml, *FRONT_ARGS, "--out", runs["front"]))
    ok(invoke("baseline", "--scenario", tiny_toml, "--method", "uncoordinated",
              "--out", runs["baseline"]))
    ok(invoke("exact", "--scenario", tiny_toml, "--points", "3", "--out", runs["exact"]))
    ok(invoke("bound", "--scenario", tiny_toml, "--points", "3", "--out", runs["bound"]))
    for path in runs.values():
        read_run(path)
    return runs


@pytest.fixture
def copy_run(built, tmp_path):
    """A fresh copy of one of the `built` runs under this test's ``tmp_path``."""

    def copy(name: str, as_name: str | None = None) -> Path:
        target = tmp_path / (as_name or name)
        shutil.copytree(built[name], target)
        return target

    return copy


def tight_toml() -> str:
    """A site whose import limit passes the up-front check (every slot reachable with all
    cars discharging) yet has no feasible schedule: 7 h at >= 19 kW of discharge would take
    133 kWh from 3 x 40 kWh batteries; the base load alone (199 kW) is above the limit."""
    data = copy.deepcopy(MINIMAL)
    data["grid"]["base_load"] = {"kw": [100.0, 100.0, 199.0, 199.0, 100.0],
                                 "hours": [0.0, 8.5, 9.0, 16.0, 16.5]}
    data["grid"]["import_limit_kw"] = 180.0
    group = data["fleet"]["groups"][0]
    group.update(arrival={"dist": "fixed", "hour": 8.0}, departure={"dist": "fixed", "hour": 17.0},
                 p_discharge_max_kw=7.0)
    return to_toml(data)

"""Hostile command-line options and --out targets: one line, exit 2, nothing touched."""

from __future__ import annotations

import copy

import pytest

from moo.rundir import read_run
from tests.conftest import MINIMAL, to_toml
from tests.hostile.conftest import (
    FRONT_ARGS,
    invoke,
    leftovers,
    ok,
    one_line_error,
    snapshot,
    tight_toml,
)


def test_negative_fleet_seed_is_refused_by_every_scenario_command(tiny_toml, tmp_path):
    for args in (
        ("scenario", "show", tiny_toml, "--fleet-seed", "-1"),
        ("baseline", "--scenario", tiny_toml, "--fleet-seed", "-1", "--method", "ordered",
         "--out", tmp_path / "b"),
        ("front", "--scenario", tiny_toml, "--fleet-seed", "-1", *FRONT_ARGS,
         "--out", tmp_path / "f"),
    ):
        assert "fleet_seed" in one_line_error(invoke(*args))
    assert sorted(p.name for p in tmp_path.iterdir()) == []


@pytest.mark.parametrize("limit", ["nan", "inf", "-inf", "-5", "0"])
def test_impossible_time_limits_are_refused_before_any_work(tiny_toml, tmp_path, limit):
    for command in ("front", "mlgcso"):
        args = (["--scenario", tiny_toml] if command == "front"
                else ["--reference", tmp_path / "none", "--mode", "economy"])
        line = one_line_error(invoke(command, *args, "--time-limit", limit,
                                     "--out", tmp_path / "r"))
        assert "time" in line.lower()
    assert not (tmp_path / "r").exists()


def test_out_below_a_regular_file(tiny_toml, tmp_path):
    (tmp_path / "file").write_text("mine")
    for out in (tmp_path / "file", tmp_path / "file" / "run", tmp_path / "file" / "a" / "b"):
        line = one_line_error(invoke("baseline", "--scenario", tiny_toml, "--method", "ordered",
                                     "--out", out))
        assert "file" in line
    assert (tmp_path / "file").read_text() == "mine"
    assert leftovers(tmp_path) == []


def test_an_existing_run_is_refused_without_overwrite(copy_run, tiny_toml, tmp_path):
    run = copy_run("front")
    before = snapshot(run)
    for args in (
        ("baseline", "--scenario", tiny_toml, "--method", "ordered"),
        ("front", "--scenario", tiny_toml, *FRONT_ARGS),
        ("exact", "--scenario", tiny_toml, "--points", "3"),
    ):
        assert "--overwrite" in one_line_error(invoke(*args, "--out", run))
    assert snapshot(run) == before
    read_run(run)
    assert leftovers(tmp_path) == []


def test_overwrite_replaces_the_run_whole_and_drops_stale_files(copy_run, tiny_toml, tmp_path):
    run = copy_run("front")
    ok(invoke("select", run, "--mode", "economy"))
    assert (run / "selection-economy.json").exists()
    ok(invoke("baseline", "--scenario", tiny_toml, "--method", "ordered", "--out", run,
              "--overwrite"))
    new = read_run(run)
    assert new.meta["algorithm"] == "ordered"
    assert not (run / "selection-economy.json").exists()
    assert not (run / "history.csv").exists()
    assert set(snapshot(run)) == {"meta.json", *new.meta["files"]}
    assert leftovers(tmp_path) == []


def test_a_users_own_files_are_never_replaced(tiny_toml, tmp_path):
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("thesis draft")
    (mine / "meta.json").write_text('{"my": "data"}')  # not a run's meta.json
    before = snapshot(mine)
    for extra in ((), ("--overwrite",)):
        line = one_line_error(invoke("baseline", "--scenario", tiny_toml, "--method", "ordered",
                                     "--out", mine, *extra))
        assert "not a v2g-pareto run" in line
    assert snapshot(mine) == before
    assert leftovers(tmp_path) == []


def _limited(import_limit_kw: float) -> str:
    data = copy.deepcopy(MINIMAL)
    data["grid"]["import_limit_kw"] = import_limit_kw
    return to_toml(data)


def test_an_import_limit_below_the_base_load_names_the_slot(tmp_path):
    # MINIMAL's base load runs 100..200 kW and 3 cars can discharge at most 21 kW: 50 kW is
    # out of reach in every slot, worst where the base load peaks.
    path = tmp_path / "limited.toml"
    path.write_text(_limited(50.0))
    for args in (
        ("baseline", "--method", "uncoordinated"),
        ("baseline", "--method", "ordered"),
        ("front", *FRONT_ARGS),
        ("exact", "--points", "3"),
    ):
        line = one_line_error(invoke(*args, "--scenario", path, "--out", tmp_path / "r"))
        assert "import_limit_kw 50" in line and "slot" in line
    assert not (tmp_path / "r").exists()
    assert leftovers(tmp_path) == []


def test_a_limit_only_v2g_could_respect(tmp_path):
    """Baselines (charge only, BESS idle) are refused naming the slot; exact names the
    lowest reachable peak; front searches, finds nothing and writes nothing (exit 1)."""
    path = tmp_path / "tight.toml"
    path.write_text(tight_toml())
    for method in ("uncoordinated", "ordered"):
        line = one_line_error(invoke("baseline", "--scenario", path, "--method", method,
                                     "--out", tmp_path / "r"))
        assert "import_limit_kw 180" in line and "slot 9 (clock 09:00, 199.0 kW)" in line
    line = one_line_error(invoke("exact", "--scenario", path, "--points", "3",
                                 "--out", tmp_path / "r"))
    assert "import_limit_kw 180" in line and "at least 198.1 kW" in line
    line = one_line_error(invoke("front", "--scenario", path, *FRONT_ARGS,
                                 "--out", tmp_path / "r"), code=1)
    assert "no feasible schedule" in line and "nothing written" in line
    assert not (tmp_path / "r").exists()
    assert leftovers(tmp_path) == []


def test_out_through_a_symbolic_link(copy_run, tiny_toml, tmp_path):
    """--out a link to a run: the run it points to is replaced (with --overwrite) in its own
    place, the link stays a link, nothing is left beside either."""
    real = copy_run("front", "real")
    link = tmp_path / "link"
    link.symlink_to("real")
    assert "--overwrite" in one_line_error(invoke("baseline", "--scenario", tiny_toml,
                                                  "--method", "ordered", "--out", link))
    ok(invoke("baseline", "--scenario", tiny_toml, "--method", "ordered", "--out", link,
              "--overwrite"))
    assert link.is_symlink() and read_run(real).meta["algorithm"] == "ordered"
    assert leftovers(tmp_path) == []

"""Hostile input to `realise`: one line, exit 2, nothing written, no cluster started."""

from __future__ import annotations

import copy
import json

import pytest

from tests.conftest import MINIMAL, to_toml
from tests.hostile.conftest import FRONT_ARGS, invoke, leftovers, ok, one_line_error, snapshot

UNCERTAIN = {"no_show": 0.1, "departure_error": {"std_h": 0.5}}


@pytest.fixture(scope="module")
def uncertain(tmp_path_factory):
    """A front of MINIMAL with an [uncertainty] table, and the scenario file it came from."""
    root = tmp_path_factory.mktemp("realise")
    data = copy.deepcopy(MINIMAL)
    data["uncertainty"] = UNCERTAIN
    toml = root / "tiny.toml"
    toml.write_text(to_toml(data))
    ok(invoke("front", "--scenario", toml, *FRONT_ARGS, "--out", root / "front"))
    return root / "front", toml, data


def _edited(toml, data, **uncertainty):
    edited = copy.deepcopy(data)
    edited["uncertainty"].update(uncertainty)
    toml.write_text(to_toml(edited))


def _realise(run, out, *args):
    return invoke("realise", run, "--realisations", "3", "--workers", "1", *args, "--out", out)


@pytest.mark.parametrize("key, value, words", [
    ("no_shows", 0.1, "no_shows"),  # unknown key
    ("no_show", -0.1, "no_show"),  # negative probability
    ("departure_error", {"std_h": -1.0}, "std_h"),
])
def test_a_bad_uncertainty_table(uncertain, tmp_path, key, value, words):
    run, toml, data = uncertain
    _edited(toml, data, **{key: value})
    try:
        line = one_line_error(_realise(run, tmp_path / "out"))
    finally:
        toml.write_text(to_toml(data))
    assert words in line and "uncertainty" in line
    assert not (tmp_path / "out").exists() and leftovers(tmp_path) == []


def test_a_scenario_without_uncertainty(built, tmp_path):
    line = one_line_error(_realise(built["front"], tmp_path / "out"))
    assert "no [uncertainty] table" in line
    assert not (tmp_path / "out").exists()


def test_a_scenario_file_that_changed_since_the_run(uncertain, tmp_path):
    run, toml, data = uncertain
    other = copy.deepcopy(data)
    other["fleet"]["groups"][0]["capacity_kwh"] = 50.0
    toml.write_text(to_toml(other))
    try:
        line = one_line_error(_realise(run, tmp_path / "out"))
    finally:
        toml.write_text(to_toml(data))
    assert "does not give the day of the run" in line


def test_a_moved_scenario_file_is_named_or_given(uncertain, tmp_path):
    run, toml, data = uncertain
    moved = tmp_path / "moved.toml"
    toml.rename(moved)
    try:
        line = one_line_error(_realise(run, tmp_path / "out"))
        assert "--scenario" in line and "not there" in line
        ok(_realise(run, tmp_path / "out", "--scenario", moved))
    finally:
        moved.rename(toml)


@pytest.mark.parametrize("args, words", [
    (("--history-dates", "2030-01-01..2030-01-31"), "no [uncertainty.history]"),
    (("--history-dates", "2019-11-05..2019-11-01"), "--history-dates"),
    (("--alpha", "1"), "--alpha"),
    (("--alpha", "nan"), "--alpha"),
    (("--scheduler", "tcp://127.0.0.1:9", "--workers", "2"), "--workers"),
])
def test_bad_options(uncertain, tmp_path, args, words):
    line = one_line_error(_realise(uncertain[0], tmp_path / "out", *args))
    assert words in line
    assert not (tmp_path / "out").exists()


def test_no_realisations(uncertain, tmp_path):
    run = uncertain[0]
    assert "realisations" in one_line_error(
        invoke("realise", run, "--realisations", "0", "--out", tmp_path / "out"))
    assert "--realisations" in one_line_error(invoke("realise", run, "--out", tmp_path / "out"))


def test_a_history_range_without_sessions(tmp_path):
    ok(invoke("front", "--scenario", "caltech", *FRONT_ARGS, "--out", tmp_path / "front"))
    line = one_line_error(_realise(tmp_path / "front", tmp_path / "out",
                                   "--history-dates", "2030-01-01..2030-01-31"))
    assert "no session" in line and "2030-01-01" in line
    assert not (tmp_path / "out").exists()


def test_a_damaged_run_and_the_wrong_kinds_of_run(copy_run, built, tmp_path):
    run = copy_run("front")
    meta = json.loads((run / "meta.json").read_text())
    meta["n_solutions"] += 1
    (run / "meta.json").write_text(json.dumps(meta))
    assert "front.csv" in one_line_error(_realise(run, tmp_path / "out"))
    assert "no schedules" in one_line_error(_realise(built["bound"], tmp_path / "out"))
    assert "not a run directory" in one_line_error(_realise(tmp_path, tmp_path / "out"))
    assert not (tmp_path / "out").exists() and leftovers(tmp_path) == []


def test_out_is_never_a_run_or_inside_one(copy_run, uncertain, tmp_path):
    target = copy_run("front", "target")
    before = snapshot(target)
    for out, words in ((target, "not a realised"), (target / "real", "inside")):
        line = one_line_error(_realise(uncertain[0], out, "--overwrite"))
        assert words in line, line
    assert snapshot(target) == before

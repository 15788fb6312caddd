"""Hostile scenario files through `scenario show` and `baseline`: every mutation ends in a
valid run or in one line naming the file or key, exit 2, nothing written."""

from __future__ import annotations

import copy
import math
import shutil
import tomllib

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from moo.rundir import read_run
from tests.conftest import MINIMAL, SITE_TOML, to_toml
from tests.hostile.conftest import invoke, leftovers, one_line_error

# --- mutations of a parsed scenario -----------------------------------------------------


def _paths(data, prefix=()):
    """Every key path of a nested dict/list (lists by index)."""
    items = data.items() if isinstance(data, dict) else enumerate(data)
    for key, value in items:
        yield (*prefix, key)
        if isinstance(value, dict | list):
            yield from _paths(value, (*prefix, key))


BASES = {"minimal": MINIMAL, "site": tomllib.loads(SITE_TOML)}
PATHS = [(name, path) for name, base in BASES.items() for path in _paths(base)]

BAD_VALUES = st.one_of(
    st.sampled_from([
        -1, -1.0, 0, 0.0, math.nan, math.inf, -math.inf, 1e308, -1e308, 2**63, "", "abc",
        "1e308", True, [], {}, [1.0, "x"], {"kw": []}, [[0, 24]], "\u00e9\u0000", 5e-324,
        1e-300, 24, 1440, [[25, -1]], [[7, 7]], {"dist": "normal"},
    ]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.text(max_size=5),
)


def _mutate(data: dict, path: tuple, op: str, value) -> dict:
    data = copy.deepcopy(data)
    parent = data
    for key in path[:-1]:
        parent = parent[key]
    key = path[-1]
    if op == "drop":
        if isinstance(parent, list):
            parent.pop(key)
        else:
            del parent[key]
    elif op == "empty":
        parent[key] = {} if isinstance(parent[key], dict) else []
    else:
        parent[key] = value
    return data


@settings(max_examples=80, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    where=st.sampled_from(PATHS),
    op=st.sampled_from(["drop", "empty", "set", "set"]),
    value=BAD_VALUES,
)
def test_mutated_scenarios_give_a_run_or_one_line(tmp_path_factory, where, op, value):
    base_name, path = where
    tmp = tmp_path_factory.mktemp("mut")
    scenario = tmp / "s.toml"
    scenario.write_text(to_toml(_mutate(BASES[base_name], path, op, value)))
    show = invoke("scenario", "show", scenario)
    base = invoke("baseline", "--scenario", scenario, "--method", "ordered", "--out", tmp / "r")
    for result in (show, base):
        if result.exit_code != 0:
            one_line_error(result)
    assert show.exit_code == 0 or base.exit_code != 0  # what show refuses, baseline refuses
    if base.exit_code == 0:
        run = read_run(tmp / "r")
        assert len(run.front) == 1 and math.isfinite(run.front["cost"].iloc[0])
    else:
        assert not (tmp / "r").exists()
    assert leftovers(tmp) == []


# --- files that are not TOML text, CSV cells that are not numbers ------------------------


def _refused(tmp_path, scenario, *names):
    """`scenario show` and `baseline` both refuse ``scenario`` naming each of ``names``."""
    for result in (
        invoke("scenario", "show", scenario),
        invoke("baseline", "--scenario", scenario, "--method", "ordered", "--out", tmp_path / "r"),
    ):
        line = one_line_error(result)
        for name in names:
            assert name in line, line
    assert not (tmp_path / "r").exists()
    assert leftovers(tmp_path) == []


def test_a_non_utf8_byte_in_the_scenario_names_the_file(tmp_path):
    path = tmp_path / "latin1.toml"
    path.write_bytes(to_toml(MINIMAL).replace('"tiny"', '"caf\xe9"').encode("latin-1"))
    _refused(tmp_path, path, "latin1.toml")


def test_a_binary_file_as_the_scenario_names_the_file(tmp_path):
    path = tmp_path / "binary.toml"
    path.write_bytes(bytes(range(256)) * 4)
    _refused(tmp_path, path, "binary.toml")


def test_a_directory_as_the_scenario(tmp_path):
    (tmp_path / "dir.toml").mkdir()
    _refused(tmp_path, tmp_path / "dir.toml", "dir.toml")


def _csv_site(tmp_path, csv_text: str | bytes):
    csv = tmp_path / "load.csv"
    if isinstance(csv_text, bytes):
        csv.write_bytes(csv_text)
    else:
        csv.write_text(csv_text)
    data = copy.deepcopy(MINIMAL)
    data["grid"]["base_load"] = {"csv": "load.csv"}
    path = tmp_path / "csvsite.toml"
    path.write_text(to_toml(data))
    return path


def test_text_in_a_base_load_csv_column_names_the_file_and_column(tmp_path):
    path = _csv_site(tmp_path, "hour,kw\n0,100\n6,lots\n12,150\n18,120\n")
    _refused(tmp_path, path, "grid.base_load.csv", "kw")


def test_text_in_the_hour_column_names_the_column(tmp_path):
    path = _csv_site(tmp_path, "hour,kw\n0,100\nnoon,120\n")
    _refused(tmp_path, path, "grid.base_load.csv", "hour")


def test_a_binary_base_load_csv(tmp_path):
    path = _csv_site(tmp_path, bytes(range(256)) * 8)
    _refused(tmp_path, path, "grid.base_load.csv")


def test_an_empty_base_load_csv(tmp_path):
    path = _csv_site(tmp_path, "")
    _refused(tmp_path, path, "grid.base_load.csv")


def test_a_base_load_of_1e308_is_refused_or_runs_finite(tmp_path):
    data = copy.deepcopy(MINIMAL)
    data["grid"]["base_load"] = {"kw": [1e308, 1e308]}
    path = tmp_path / "huge.toml"
    path.write_text(to_toml(data))
    result = invoke("baseline", "--scenario", path, "--method", "ordered", "--out", tmp_path / "r")
    if result.exit_code == 0:
        run = read_run(tmp_path / "r")
        assert all(math.isfinite(v) for v in run.front[["cost", "variance"]].to_numpy().ravel())
    else:
        one_line_error(result)
        assert not (tmp_path / "r").exists()


def test_empty_tables_of_the_site_file(tmp_path):
    for table in ("[time]", "[grid.base_load]", "[bess]"):
        text = SITE_TOML
        start = text.index(table)
        end = text.find("\n[", start + 1)
        path = tmp_path / "empty.toml"
        path.write_text(text[: start + len(table)] + "\n" + text[end:])
        _refused(tmp_path, path, table.strip("[]"))


def test_unreadable_judgements_files_name_the_file(built, tmp_path):
    latin1 = tmp_path / "latin1.toml"
    latin1.write_bytes('[modes.economy]\nname = "\xe9conomie"\n'.encode("latin-1"))
    binary = tmp_path / "binary.toml"
    binary.write_bytes(bytes(range(256)) * 4)
    (tmp_path / "dir.toml").mkdir()
    run = tmp_path / "run"
    shutil.copytree(built["front"], run)
    for path in (latin1, binary, tmp_path / "dir.toml", tmp_path / "missing.toml"):
        line = one_line_error(invoke("select", run, "--mode", "economy", "--judgements", path))
        assert path.name in line
    assert not list(run.glob("selection-*"))


def test_a_denormal_battery_is_refused_up_front(tmp_path):
    """Capacities of 5e-324 kWh passed the scenario and failed the checker after the work
    (exit 1, "infeasible schedule"); they are bad input, named by key path."""
    for where, key in ((("fleet", "groups", 0), "fleet.groups[0].capacity_kwh"),
                       (("bess",), "bess.capacity_kwh")):
        data = tomllib.loads(SITE_TOML)
        table = data
        for k in where:
            table = table[k]
        table["capacity_kwh"] = 5e-324
        path = tmp_path / "denormal.toml"
        path.write_text(to_toml(data))
        _refused(tmp_path, path, key)

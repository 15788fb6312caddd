"""Hostile days: every day a user gives, on any command or in any file, goes through one
parser (`models.dates.parse_day`) and is refused in one line naming the allowed range; a data
file's timestamps outside that range are refused the same way, never an OutOfBoundsDatetime."""

from __future__ import annotations

import copy

import click
import pytest

from cli import cli
from jobs.sweep import load_config
from models.dates import DAYS, FIRST_DAY, LAST_DAY, parse_day
from models.errors import InputError
from tests.conftest import MINIMAL, to_toml
from tests.hostile.conftest import invoke, ok, one_line_error

BAD_DAYS = ["2300-01-01", "0001-01-01", "1600-01-01", "2262-04-12", "1677-12-31",
            "2024-02-30", "20240414", "2024-W15-1", "2024-4-1"]


def _day_options() -> list[tuple[tuple[str, ...], str, bool]]:
    """(command path, option, has --out) of every option of the CLI whose name says it takes
    a day: a command added later is checked by the same test."""
    found = []

    def walk(cmd, path):
        if isinstance(cmd, click.Group):
            for name, sub in sorted(cmd.commands.items()):
                walk(sub, (*path, name))
            return
        outs = any("--out" in p.opts for p in cmd.params if isinstance(p, click.Option))
        for p in cmd.params:
            if isinstance(p, click.Option) and any("date" in o for o in p.opts):
                found.append((path, p.opts[0], outs))

    walk(cli, ())
    return found


def test_the_walk_finds_every_command_that_takes_a_day():
    paths = {" ".join(path) for path, _, _ in _day_options()}
    assert {"baseline", "front", "exact", "bound", "scenario show", "study", "export",
            "sweep"} <= paths


@pytest.mark.parametrize("day", BAD_DAYS)
@pytest.mark.parametrize(("path", "opt", "outs"), _day_options(),
                         ids=lambda v: " ".join(v) if isinstance(v, tuple) else str(v))
def test_every_day_option_refuses_a_day_outside_the_range_in_one_line(tmp_path, path, opt,
                                                                     outs, day):
    out = tmp_path / "out"
    line = one_line_error(invoke(*path, opt, day, *(("--out", out) if outs else ())))
    assert opt in line and DAYS in line and day in line, line
    assert not out.exists()


@pytest.mark.parametrize("day", [FIRST_DAY, LAST_DAY])
def test_the_ends_of_the_range_run(tmp_path, copy_run, day):
    # building: pvlib PV on that day; export: the horizon of an undated run in the zones
    # farthest from UTC.
    ok(invoke("scenario", "show", "building", "--date", day.isoformat()))
    ok(invoke("baseline", "--scenario", "building", "--date", day.isoformat(),
              "--method", "ordered", "--out", tmp_path / "b"))
    run = copy_run("front")
    for k, zone in enumerate(("Pacific/Kiritimati", "Pacific/Pago_Pago")):
        ok(invoke("export", run, "--solution", "0", "--format", "csv", "--date",
                  day.isoformat(), "--timezone", zone, "--out", tmp_path / f"e{k}"))


@pytest.mark.parametrize("value", ["2300-01-01", "1600-01-01"])
@pytest.mark.parametrize("literal", [True, False])
def test_a_scenario_file_day_is_read_by_the_same_parser(write_scenario, value, literal):
    day = value if literal else repr(value)
    text = to_toml(MINIMAL).replace("time = {", f"time = {{date = {day}, ")
    line = one_line_error(invoke("scenario", "show", write_scenario(text)))
    assert "time.date" in line and DAYS in line, line


def test_a_sessions_table_day_is_read_by_the_same_parser(write_scenario, tmp_path):
    data = _sessions_scenario(tmp_path, "2019-10-29", date="0001-01-01")
    line = one_line_error(invoke("scenario", "show", write_scenario(data)))
    assert "fleet.groups[1].sessions.date" in line and DAYS in line, line


@pytest.mark.parametrize("year", ["2296", "1600"])
def test_data_timestamps_outside_the_range_are_refused(write_scenario, tmp_path, year):
    line = one_line_error(invoke("scenario", "show",
                                 write_scenario(_sessions_scenario(tmp_path, f"{year}-10-29"))))
    assert "row 1" in line and DAYS in line, line
    (tmp_path / "p.csv").write_text("timestamp,price\n" + "".join(
        f"{year}-01-01T{h:02d}:00Z,0.2\n" for h in range(24)))
    data = copy.deepcopy(MINIMAL)
    data.update(currency="EUR", time={"slots_per_day": 24, "date": "2024-01-01",
                                      "timezone": "UTC"})
    data["grid"]["prices"] = {"series": {"csv": "p.csv", "column": "price", "unit": "EUR/kWh"}}
    line = one_line_error(invoke("scenario", "show", write_scenario(data, "series.toml")))
    assert "p.csv row 1" in line and DAYS in line, line


def _sessions_scenario(tmp_path, day: str, **sessions) -> dict:
    (tmp_path / "s.csv").write_text(
        "arrival,departure,kwh\n"
        f"{day} 08:00-07:00,{day} 17:00-07:00,10\n"
        f"{day} 09:00-07:00,{day} 12:00-07:00,4\n")
    data = copy.deepcopy(MINIMAL)
    data["fleet"]["groups"].append({"sessions": {"csv": "s.csv", "energy_column": "kwh",
                                                 **sessions},
                                    "capacity_kwh": 50.0, "p_charge_max_kw": 7.0})
    return data


@pytest.mark.parametrize(("text", "days"), [
    ("dates = 2024-04-14", ("2024-04-14",)),
    ('dates = [2024-04-14, "2024-04-15"]', ("2024-04-14", "2024-04-15")),
    ('dates = "2024-04-14..2024-04-16"', ("2024-04-14", "2024-04-15", "2024-04-16")),
])
def test_a_sweep_config_takes_toml_date_literals_as_the_presets_write_them(tmp_path, text,
                                                                           days):
    config = tmp_path / "sweep.toml"
    config.write_text(f'scenarios = ["eva"]\n{text}\n')
    assert load_config(config).dates == days


@pytest.mark.parametrize(("text", "shown"), [
    ("dates = [2300-01-01]", "2300-01-01"),
    ("dates = [2024-04-14T12:00:00]", "2024-04-14T12:00:00"),
    ('dates = "2024-04-14..2300-01-01"', "2300-01-01"),
])
def test_a_sweep_config_day_is_refused_with_the_range(tmp_path, text, shown):
    config = tmp_path / "sweep.toml"
    config.write_text(f'scenarios = ["eva"]\n{text}\n')
    out = tmp_path / "out"
    line = one_line_error(invoke("sweep", "--config", config, "--out", out))
    assert str(config) in line and DAYS in line and shown in line, line
    assert not out.exists()


@pytest.mark.parametrize("value", [None, 20240414, 2024.0, "", " 2024-04-14", "2024-04-14T00:00"])
def test_parse_day_refuses_what_is_not_one_day(value):
    with pytest.raises(InputError, match=r"^here: must be a day YYYY-MM-DD from 1678-01-01 "):
        parse_day(value, "here")

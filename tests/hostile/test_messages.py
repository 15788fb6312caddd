"""Messages: every error is one line whatever it quotes (`models.errors.one_line`, applied by
the errors themselves, by `exit_for` and by the command tree); an error names what the user
wrote, not what the tool derived from it; an output a killed writer kept aside is named with
the command that restores it."""

from __future__ import annotations

import copy
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from models.errors import InfeasibleScheduleError, InputError, NoSolutionError, exit_for, one_line
from tests.conftest import MINIMAL, to_toml
from tests.hostile.conftest import invoke, one_line_error, snapshot
from tests.killing import default_signals

RAGGED = "a,b\n1,2\n3,4,5\n"  # pandas: "Error tokenizing data. ... saw 3\n"


@given(st.text())
def test_one_line_of_any_text(text):
    line = one_line(text)
    assert len(line.splitlines()) <= 1
    assert "".join(line.split()) == "".join(text.split())  # only white space changes


@pytest.mark.parametrize("cls", [InputError, NoSolutionError, InfeasibleScheduleError])
def test_our_errors_are_one_line_when_raised(cls):
    exc = cls("x.csv: cannot read (Error tokenizing data. C error: saw 3\n)")
    assert str(exc) == "x.csv: cannot read (Error tokenizing data. C error: saw 3)"
    assert exit_for(exc)[1] == str(exc)
    assert exit_for(OSError(5, "Input/output\nerror", "a\nb.csv")) == (
        2, "a b.csv: Input/output error")


def _tables(tmp_path) -> dict[str, dict]:
    """Scenarios that read one CSV each: a base-load table, a series, a sessions table."""
    (tmp_path / "bad.csv").write_text(RAGGED)
    base = copy.deepcopy(MINIMAL)
    base["grid"]["base_load"] = {"csv": "bad.csv", "hour_column": "a", "kw_column": "b"}
    series = copy.deepcopy(MINIMAL)
    series.update(currency="EUR", time={"slots_per_day": 24, "date": "2024-01-01",
                                        "timezone": "UTC"})
    series["grid"]["prices"] = {"series": {"csv": "bad.csv", "column": "b", "unit": "EUR/kWh",
                                           "timestamp_column": "a"}}
    sessions = copy.deepcopy(MINIMAL)
    sessions["fleet"]["groups"].append({"sessions": {"csv": "bad.csv"}, "capacity_kwh": 50.0,
                                        "p_charge_max_kw": 7.0})
    return {"base_load": base, "series": series, "sessions": sessions}


@pytest.mark.parametrize("kind", ["base_load", "series", "sessions"])
def test_a_malformed_csv_of_a_scenario_is_one_line(tmp_path, kind):
    path = tmp_path / f"{kind}.toml"
    path.write_text(to_toml(_tables(tmp_path)[kind]))
    line = one_line_error(invoke("scenario", "show", path))
    assert "bad.csv" in line and line.endswith("saw 3)"), line


def test_a_malformed_front_csv_is_one_line(copy_run):
    run = copy_run("front")
    (run / "front.csv").write_text(RAGGED)
    meta = json.loads((run / "meta.json").read_text())
    meta["files"]["front.csv"] = hashlib.sha256(RAGGED.encode()).hexdigest()
    (run / "meta.json").write_text(json.dumps(meta))
    line = one_line_error(invoke("select", run, "--mode", "economy"))
    assert "front.csv" in line and line.endswith("saw 3)"), line


def test_an_option_value_with_a_line_break_is_one_line(tmp_path):
    one_line_error(invoke("sweep", "--time-limit", "1\n2x", "--out", tmp_path / "s"))
    one_line_error(invoke("scenario", "show", "no\nsuch"))


def _tariff(**tariff) -> dict:
    data = copy.deepcopy(MINIMAL)
    data.update(currency="EUR", time={"slots_per_day": 24, "date": "2024-01-01",
                                      "timezone": "UTC"})
    data["grid"]["prices"] = {"series": {"csv": "p.csv", "column": "price", "unit": "EUR/kWh"}}
    data["grid"]["tariff"] = tariff
    return data


@pytest.mark.parametrize(("tariff", "named"), [
    ({"tax": 1e308}, "grid.tariff.tax"),
    ({"tax": 2e6}, "grid.tariff.tax"),
    ({"tax": 1e308, "vat": 0.9}, "grid.tariff.tax"),
    ({"sell_fee": -1.7e308}, "grid.tariff.sell_fee"),
    ({"network_fee": 5e307, "tax": 1e300}, "grid.tariff.network_fee"),
    ({"network_fee": [{"hours": [[0, 24]], "fee": 1e308}]}, "grid.tariff.network_fee"),
])
def test_an_overflowing_tariff_names_the_tariff_key(tmp_path, write_scenario, tariff, named):
    (tmp_path / "p.csv").write_text("timestamp,price\n" + "".join(
        f"2024-01-{d:02d}T{h:02d}:00Z,0.2\n" for d in (1, 2) for h in range(24)))
    line = one_line_error(invoke("scenario", "show", write_scenario(_tariff(**tariff))))
    assert line.startswith(f"Error: {named}") and "price_buy" not in line, line


def test_a_scale_that_overflows_the_base_load_names_the_key_and_the_scale(write_scenario):
    data = copy.deepcopy(MINIMAL)
    data["grid"]["base_load"]["kw"] = [1e8, 2e8]
    line = one_line_error(invoke("baseline", "--scenario", write_scenario(data), "--scale",
                                 "100", "--method", "ordered", "--out", "unused"))
    assert "grid.base_load x 100 (--scale)" in line, line


def test_a_sweep_names_the_scenario_whose_import_limit_no_schedule_can_meet(tmp_path):
    data = copy.deepcopy(MINIMAL)
    data["grid"]["import_limit_kw"] = 50.0
    path = tmp_path / "limited.toml"
    path.write_text(to_toml(data))
    ok_file = tmp_path / "fine.toml"
    ok_file.write_text(to_toml(MINIMAL))
    line = one_line_error(invoke("sweep", "--scenarios", f"{ok_file},{path}", "--evals", "16",
                                 "--out", tmp_path / "out"))
    assert f"scenario {path}" in line and "import_limit_kw 50" in line, line
    assert not (tmp_path / "out").exists()


def test_a_killed_study_overwrite_names_the_study_it_kept_and_how_to_restore_it(tmp_path,
                                                                              tiny_toml):
    out = tmp_path / "study"
    (out / "figures").mkdir(parents=True)
    (out / "report.md").write_text("# the previous study\n")
    (out / "figures" / "front.png").write_bytes(b"png")
    before = snapshot(out)
    proc = subprocess.Popen(
        [sys.executable, "-c", "from cli import main; main()", "study", str(tiny_toml),
         "--budget", "600", "--out", str(out), "--overwrite"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
        preexec_fn=default_signals, env={**os.environ, "NUMBA_NUM_THREADS": "1"})
    aside = tmp_path / f".study.previous-{proc.pid}"
    deadline = time.monotonic() + 120
    while not (aside.is_dir() and out.is_dir()):
        assert proc.poll() is None, "the study ended before it set the old one aside"
        assert time.monotonic() < deadline, "the old study was never set aside"
        time.sleep(0.01)
    time.sleep(0.5)  # let it write part of the new study
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert snapshot(aside) == before
    for args in (("study", tiny_toml, "--out", out, "--overwrite"),
                 ("baseline", "--scenario", tiny_toml, "--method", "ordered", "--out", out)):
        line = one_line_error(invoke(*args))
        assert str(aside) in line and f"rm -r {out} && mv {aside} {out}" in line, line
    restore = line.split("`")[1]
    subprocess.run(["bash", "-c", restore], check=True)
    assert snapshot(out) == before and not aside.exists()


def test_an_output_kept_aside_with_nothing_at_out_is_named_too(tmp_path, tiny_toml):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)
    aside = tmp_path / f".study.previous-{dead.stdout.strip()}"
    (aside / "figures").mkdir(parents=True)
    (aside / "report.md").write_text("# kept\n")
    line = one_line_error(invoke("study", tiny_toml, "--out", tmp_path / "study"))
    assert f"mv {aside} {tmp_path / 'study'}`" in line and "rm -r" not in line, line
    shutil.rmtree(aside)

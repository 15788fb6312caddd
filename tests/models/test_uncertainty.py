"""The [uncertainty] table and realisations: validation, reproducibility, streams, history."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from models.errors import ScenarioError
from models.scenario import build_scenario, load_scenario
from models.uncertainty import (
    EVALUATION,
    TRAINING,
    ForecastError,
    history_dates,
    imbalance_cost,
    nominal,
    realise,
)

PRESETS_DIR = Path(__file__).resolve().parents[2] / "models" / "presets"


@pytest.fixture(scope="module")
def building():
    return load_scenario("building")


@pytest.fixture(scope="module")
def caltech():
    return load_scenario("caltech")


def with_uncertainty(minimal: dict, table: dict):
    data = dict(minimal, uncertainty=table)
    return build_scenario(data)


def same_day(r1, r2) -> bool:
    f1, f2 = r1.scenario.fleet, r2.scenario.fleet
    return (
        f1.n == f2.n
        and all(np.array_equal(f1.to_frame()[c], f2.to_frame()[c]) for c in f1.to_frame())
        and np.array_equal(r1.stated_departure_slot, r2.stated_departure_slot)
        and np.array_equal(r1.scenario.grid.base_load_kw, r2.scenario.grid.base_load_kw)
        and np.array_equal(r1.scenario.grid.pv_kw, r2.scenario.grid.pv_kw)
    )


@pytest.mark.parametrize("table, where", [
    ({"no_shows": 0.1}, r"uncertainty\.no_shows: unknown key"),
    ({"no_show": -0.1}, r"uncertainty\.no_show: must be >= 0"),
    ({"no_show": 1.5}, r"uncertainty\.no_show: must be <= 1"),
    ({"departure_error": {"std_h": -1}}, r"uncertainty\.departure_error\.std_h: must be >= 0"),
    ({"departure_error": {"sd": 1}}, r"uncertainty\.departure_error\.sd: unknown key"),
    ({"base_load": {"sigma": 0.1, "rho": 0.5}}, r"uncertainty\.base_load\.rho: unknown key"),
    ({"pv": {"rho_h": 1.2}}, r"uncertainty\.pv\.rho_h: must be <= 1"),
    ({"prices": "forecast"}, r"uncertainty\.prices: must be one of known"),
    ({"imbalance": {"short": -1}}, r"uncertainty\.imbalance\.short: must be >= 0"),
    ({"seed": -3}, r"uncertainty\.seed: must be >= 0"),
    ({"history": {"csv": "x.csv", "from": "2019-09-01", "to": "2019-09-02"}},
     r"uncertainty\.history\.csv: applies to the one sessions group"),
])
def test_bad_tables_name_the_key(minimal, table, where):
    with pytest.raises(ScenarioError, match=where):
        with_uncertainty(minimal, table)


def caltech_text(history: str) -> str:
    text = (PRESETS_DIR / "caltech.toml").read_text()
    head, _, _ = text.partition("[uncertainty.history]")
    return head + "[uncertainty.history]\n" + history


@pytest.fixture
def caltech_dir(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    for name in ("caltech_2019-10-29.csv", "caltech_2019-09-01_2019-12-31.csv.gz"):
        shutil.copy(PRESETS_DIR / "data" / name, data / name)
    return tmp_path


@pytest.mark.parametrize("history, where", [
    ('csv = "data/caltech_2019-09-01_2019-12-31.csv.gz"\nfrom = 2020-03-02\nto = 2020-03-06\n',
     r"uncertainty\.history\.from: no session of .* arrives on weekdays from 2020-03-02"),
    ('csv = "data/caltech_2019-09-01_2019-12-31.csv.gz"\nfrom = 2019-09-07\nto = 2019-09-08\n',
     r"uncertainty\.history\.from: no session .* on weekdays"),
    ('csv = "data/caltech_2019-09-01_2019-12-31.csv.gz"\nfrom = 2019-10-01\nto = 2019-09-01\n',
     r"uncertainty\.history\.to: must not be before from"),
    ('csv = "data/none.csv"\nfrom = 2019-10-01\nto = 2019-10-02\n',
     r"uncertainty\.history\.csv: cannot read"),
    ('csv = "data/caltech_2019-09-01_2019-12-31.csv.gz"\nfrom = 2019-10-01\nto = 2019-10-02\n'
     'days = "mondays"\n', r"uncertainty\.history\.days: must be one of"),
    ('csv = "data/caltech_2019-09-01_2019-12-31.csv.gz"\nfrom = 2019-10-01\nto = 2019-10-02\n'
     'energy_column = "kwh"\n', r"uncertainty\.history\.energy_column: no column 'kwh'"),
])
def test_bad_history_names_the_key(caltech_dir, history, where):
    path = caltech_dir / "c.toml"
    path.write_text(caltech_text(history))
    with pytest.raises(ScenarioError, match=where):
        load_scenario(str(path))


def test_same_seed_same_day_other_index_other_day(building):
    assert same_day(realise(building, 7), realise(building, 7))
    assert not same_day(realise(building, 7), realise(building, 8))


@settings(max_examples=25, deadline=None)
@given(i=st.integers(0, 10_000), j=st.integers(0, 10_000))
def test_training_and_evaluation_streams_are_disjoint(building, i, j):
    a = realise(building, i, TRAINING)
    b = realise(building, j, EVALUATION)
    assert not same_day(a, b)
    assert not np.array_equal(a.scenario.grid.base_load_kw, b.scenario.grid.base_load_kw)


def test_sampled_group_is_redrawn_with_no_shows_and_departure_errors(building):
    sizes, early, late = [], 0, 0
    for k in range(40):
        r = realise(building, k)
        f = r.scenario.fleet
        sizes.append(f.n)
        assert np.all(f.departure_slot > f.arrival_slot)
        assert np.all(r.stated_departure_slot > f.arrival_slot)
        early += int((f.departure_slot < r.stated_departure_slot).sum())
        late += int((f.departure_slot > r.stated_departure_slot).sum())
    # 5 % no-shows of 50 cars: 2.5 on average; an unbiased 45-minute error both ways
    assert 45.5 <= np.mean(sizes) <= 49.5
    assert early > 300 and late > 300
    assert abs(early - late) < 0.25 * (early + late)


def test_forecast_error_is_a_stationary_ar1():
    err = ForecastError(sigma=0.1, rho_h=0.64)
    x = np.stack([err.factors(np.random.default_rng(k), 96, 0.25) for k in range(2000)]) - 1
    assert abs(x.mean()) < 0.005
    assert x.std() == pytest.approx(0.1, rel=0.03)
    lag1 = np.mean(x[:, 1:] * x[:, :-1]) / x.var()
    assert lag1 == pytest.approx(0.64**0.25, abs=0.02)  # one 15-minute slot apart
    assert np.array_equal(ForecastError().factors(np.random.default_rng(0), 5, 1.0), np.ones(5))


def test_imbalance_cost_hand_computed():
    delta = np.array([[10.0, -4.0, 0.0]])  # kW: short, long, balanced
    buy = np.array([0.2, 0.5, 9.0])
    # dt 0.5 h: 0.5 * (1.5 * 0.2 * 10 + 0.5 * 0.5 * 4) = 0.5 * (3 + 1) = 2
    assert imbalance_cost(delta, buy, 0.5, (1.5, 0.5)) == pytest.approx([2.0])


def test_caltech_realisations_are_real_weekdays_with_stated_departures(caltech):
    dates = history_dates(caltech)
    assert len(dates) == 44  # the weekdays of September and October 2019 (none empty)
    assert all(dt.date.fromisoformat(d).weekday() < 5 for d in dates)
    assert dates[0] == "2019-09-02" and dates[-1] == "2019-10-31"
    r = realise(caltech, 0, day=dates.index("2019-10-29"))
    raw = pd.read_csv(PRESETS_DIR / "data" / "caltech_2019-09-01_2019-12-31.csv.gz")
    arrival = pd.to_datetime(raw["arrival"], utc=True).dt.tz_convert("America/Los_Angeles")
    day = raw[arrival.dt.date == dt.date(2019, 10, 29)]
    assert r.day == "2019-10-29" and r.scenario.fleet.n == len(day)
    stated = pd.to_datetime(day["estimated_departure"], utc=True).dt.tz_convert(
        "America/Los_Angeles")
    start = pd.Timestamp("2019-10-29", tz="America/Los_Angeles")
    hours = ((stated - start) / pd.Timedelta(hours=1)).clip(0, 24).to_numpy()
    slots = np.rint(hours / 0.25).astype(int)
    f = r.scenario.fleet
    expect = np.clip(slots, f.arrival_slot + 1, 96)
    assert np.array_equal(np.sort(r.stated_departure_slot), np.sort(expect))
    assert (r.stated_departure_slot != f.departure_slot).mean() > 0.5


def test_scale_repeats_the_history_day(caltech_dir):
    base = load_scenario("caltech")
    r1 = realise(base, 3)
    r2 = realise(load_scenario("caltech", scale=2), 3)
    assert r2.scenario.fleet.n == 2 * r1.scenario.fleet.n
    assert r1.day == r2.day


def test_nominal_is_the_scenario_itself(building):
    r = nominal(building)
    assert r.scenario is building
    assert np.array_equal(r.window_end, building.fleet.departure_slot)
    np.testing.assert_array_equal(r.checked_scenario().effective_target(),
                                  building.effective_target())


def test_presets_with_uncertainty_realise(presets):
    for name in ("building", "iov", "caltech"):
        s = presets[name]
        assert s.uncertainty is not None
        r = realise(s, 0)
        assert r.scenario.fleet.n > 0
        assert np.all(r.scenario.grid.pv_kw >= 0)
    eva = load_scenario("eva")
    assert eva.uncertainty is not None and realise(eva, 0).scenario.fleet.n > 150


def test_no_table_no_realisation(minimal):
    s = build_scenario(minimal)
    assert s.uncertainty is None
    with pytest.raises(ScenarioError, match="no \\[uncertainty\\] table"):
        realise(s, 0)


def test_sessions_without_history_keep_their_sessions(caltech_dir):
    text = caltech_text("").replace("[uncertainty.history]\n", "")
    text = text.replace("[uncertainty]\n", "[uncertainty]\nno_show = 0.2\n"
                        "departure_error = { std_h = 1.0 }\n")
    path = caltech_dir / "c.toml"
    path.write_text(text)
    s = load_scenario(str(path))
    r = realise(s, 2)
    f, nominal_fleet = r.scenario.fleet, s.fleet
    assert r.day is None and 25 <= f.n < nominal_fleet.n
    # the vehicles that came are nominal sessions: stated departure and arrival as in the data
    pairs = set(zip(nominal_fleet.arrival_slot, nominal_fleet.departure_slot, strict=True))
    assert set(zip(f.arrival_slot, r.stated_departure_slot, strict=True)) <= pairs
    assert np.any(f.departure_slot != r.stated_departure_slot)


def test_history_range_override_keeps_the_day_and_moves_the_history(caltech):
    nov = load_scenario("caltech", history=("2019-11-04", "2019-11-10"))
    assert history_dates(nov) == ("2019-11-04", "2019-11-05", "2019-11-06", "2019-11-07",
                                  "2019-11-08")  # weekdays only, as the file says
    assert history_dates(caltech)[0].startswith("2019-09")
    pd.testing.assert_frame_equal(nov.fleet.to_frame(), caltech.fleet.to_frame())
    with pytest.raises(ScenarioError, match="no session"):
        load_scenario("caltech", history=("2030-01-01", "2030-01-31"))
    with pytest.raises(ScenarioError, match=r"uncertainty\.history"):
        load_scenario("building", history=("2019-11-01", "2019-11-30"))

"""Timestamped series in scenario files: slot averages, tariff, negative prices, DST, errors."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from cli import cli
from jobs.sweep import make_config, parse_dates
from models.errors import ScenarioError
from models.grid import Grid, TimeGrid
from models.scenario import load_scenario
from models.series import horizon_bounds, slot_average
from moo.exact.front import exact_front
from moo.problems.baselines import baseline
from moo.problems.objectives import evaluate
from moo.search.nsga import FrontSettings, Memetic, run_front
from moo.search.termination import Budget

DAY = "2024-06-03"  # a Monday without a DST change
TZ = "Europe/Copenhagen"
# EUR/kWh per local hour: negative around midday (solar surplus), a spread in the evening.
PRICE = np.array([0.05, 0.04, 0.03, 0.03, 0.04, 0.06, 0.09, 0.11, 0.08, 0.02, -0.01, -0.04,
                  -0.05, -0.03, 0.0, 0.03, 0.07, 0.12, 0.18, 0.2, 0.15, 0.1, 0.08, 0.06])
LOAD_KW = 50.0 + 30.0 * np.sin(np.arange(24) / 24 * 2 * np.pi) ** 2  # [24] hourly means
PV_KW = np.clip(40.0 * np.sin((np.arange(24) - 5.5) / 14 * np.pi), 0.0, None)  # [24]
TARIFF = {"network_fee": 0.0625, "tax": 0.125, "vat": 0.25, "sell_fee": 0.015625}
FLEET = {
    "groups": [{
        "count": 4, "capacity_kwh": 40.0, "p_charge_max_kw": 7.0,
        "arrival": {"dist": "uniform", "low_h": 7.0, "high_h": 9.0},
        "departure": {"dist": "uniform", "low_h": 17.0, "high_h": 20.0},
        "soc_init": {"dist": "uniform", "low": 0.3, "high": 0.5},
    }]
}
SMALL = Memetic(divisions=2, seed_moves_per_var=20.0, per_generation=2,
                generation_moves_per_var=5.0)


def site_csv(path, day=DAY, tz=TZ, drop=()):
    """15-minute load (varying inside each hour), hourly PV and prices (every 4th row)."""
    start = pd.Timestamp(day).tz_localize(tz)
    times = start + pd.to_timedelta(np.arange(2 * 96) * 15, unit="min")  # two days
    hour = np.arange(len(times)) // 4 % 24
    quarter = np.arange(len(times)) % 4
    frame = pd.DataFrame({
        "timestamp": [t.isoformat() for t in times],
        "load_kw": LOAD_KW[hour] + np.array([-3.0, -1.0, 1.0, 3.0])[quarter],
        "pv_kw": np.where(quarter == 0, PV_KW[hour], np.nan),
        "price": np.where(quarter == 0, PRICE[hour], np.nan),
    }).drop(index=list(drop))
    frame.to_csv(path, index=False)
    return path


def series_scenario(csv="site.csv", price_unit="EUR/kWh", **extra) -> dict:
    data = {
        "name": "series", "currency": "EUR", "fleet_seed": 3,
        "degradation_cost_per_kwh": 0.02,
        "time": {"slots_per_day": 24, "date": DAY, "timezone": TZ},
        "grid": {
            "base_load": {"series": {"csv": csv, "column": "load_kw"}},
            "pv": {"model": "series", "series": {"csv": csv, "column": "pv_kw"}},
            "prices": {"series": {"csv": csv, "column": "price", "unit": price_unit}},
            "tariff": dict(TARIFF),
        },
        "fleet": FLEET,
    }
    data.update(extra)
    return data


def inline_scenario() -> dict:
    """The same day as inline profiles (values at the slot mid-points) and 24 ToU periods."""
    mid = [h + 0.5 for h in range(24)]
    t = TARIFF
    periods = [{"name": f"h{h}", "hours": [[h, h + 1]],
                "buy": float((PRICE[h] + t["network_fee"] + t["tax"]) * (1 + t["vat"])),
                "sell": float(PRICE[h] - t["sell_fee"])} for h in range(24)]
    return {
        "name": "series", "currency": "EUR", "fleet_seed": 3, "degradation_cost_per_kwh": 0.02,
        "time": {"slots_per_day": 24},
        "grid": {
            "base_load": {"hours": mid, "kw": [float(v) for v in LOAD_KW]},
            "pv": {"model": "profile", "hours": mid, "kw": [float(v) for v in PV_KW]},
            "prices": periods,
        },
        "fleet": FLEET,
    }


@pytest.fixture
def pair(tmp_path, write_scenario):
    site_csv(tmp_path / "site.csv")
    return (load_scenario(str(write_scenario(series_scenario(), "series.toml"))),
            load_scenario(str(write_scenario(inline_scenario(), "inline.toml"))))


def test_series_and_inline_profile_give_the_same_arrays(pair):
    series, inline = pair
    for name in ("base_load_kw", "pv_kw", "price_buy", "price_sell"):
        np.testing.assert_allclose(getattr(series.grid, name), getattr(inline.grid, name),
                                   rtol=0, atol=1e-12, err_msg=name)
    # Negative market hours stay negative after the tariff: sell = price - fee.
    assert series.grid.price_sell[12] == pytest.approx(-0.05 - 0.015625)
    assert series.grid.price_buy[12] == pytest.approx((-0.05 + 0.1875) * 1.25)
    assert series.date == DAY and series.timezone == TZ


def test_series_scenario_runs_baseline_front_exact_like_inline(pair):
    series, inline = pair
    for method in ("uncoordinated", "ordered"):
        a = evaluate(series, baseline(series, method)[None]).iloc[0]
        b = evaluate(inline, baseline(inline, method)[None]).iloc[0]
        assert a["cost"] == pytest.approx(b["cost"], rel=1e-12)
        assert a["variance"] == pytest.approx(b["variance"], rel=1e-12)
    fronts = [run_front(sc, FrontSettings("nsga2", pop_size=12, budget=Budget(generations=3),
                                          seed=1, memetic=SMALL)).F for sc in pair]
    np.testing.assert_allclose(fronts[0], fronts[1], rtol=1e-9)
    exacts = [exact_front(sc, points=3).objectives for sc in pair]
    np.testing.assert_allclose(exacts[0], exacts[1], rtol=1e-6, atol=1e-6)
    # The exact cost optimum buys in the negative hours: cheaper than charging on arrival.
    assert exacts[0][:, 0].min() < evaluate(series, baseline(series, "uncoordinated")[None])[
        "cost"].iloc[0]


def test_cli_takes_a_dated_series_scenario(tmp_path, write_scenario):
    site_csv(tmp_path / "site.csv", day="2024-06-04")
    path = str(write_scenario(series_scenario(), "series.toml"))
    runner = CliRunner()
    out = runner.invoke(cli, ["baseline", "--scenario", path, "--method", "ordered",
                              "--date", "2024-06-04", "--out", str(tmp_path / "b")])
    assert out.exit_code == 0, out.output
    shown = runner.invoke(cli, ["scenario", "show", path, "--date", "2024-06-04"])
    assert "2024-06-04 0:00 Europe/Copenhagen" in shown.output
    # The file's own date (2024-06-03) is not in this CSV: one line, exit 2.
    bad = runner.invoke(cli, ["scenario", "show", path])
    assert bad.exit_code == 2 and "Traceback" not in bad.output
    assert "site.csv column 'load_kw' row 1: starts at" in bad.output


def test_unit_conversion(tmp_path, write_scenario):
    frame = pd.read_csv(site_csv(tmp_path / "site.csv"))
    frame["price_mwh"] = frame["price"] * 1000.0
    frame["load_mw"] = frame["load_kw"] / 1000.0
    frame.to_csv(tmp_path / "site.csv", index=False)
    data = series_scenario(price_unit="EUR/MWh")
    data["grid"]["prices"]["series"]["column"] = "price_mwh"
    data["grid"]["base_load"]["series"].update(column="load_mw", unit="MW")
    mwh = load_scenario(str(write_scenario(data, "mwh.toml")))
    kwh = load_scenario(str(write_scenario(series_scenario(), "kwh.toml")))
    np.testing.assert_allclose(mwh.grid.price_buy, kwh.grid.price_buy, atol=1e-12)
    np.testing.assert_allclose(mwh.grid.base_load_kw, kwh.grid.base_load_kw, atol=1e-9)
    # Without a top-level currency the unit names it; a different one is an error.
    del data["currency"]
    assert load_scenario(str(write_scenario(data, "cur.toml"))).currency == "EUR"
    data["currency"] = "DKK"
    with pytest.raises(ScenarioError, match=r"grid.prices.series.unit: currency must be"):
        load_scenario(str(write_scenario(data, "dkk.toml")))
    data["grid"]["prices"]["series"]["unit"] = "DKK/MW"
    with pytest.raises(ScenarioError, match=r"must be '<currency>/kWh' or '<currency>/MWh'"):
        load_scenario(str(write_scenario(data, "bad.toml")))


def test_slot_average_is_the_time_average_of_the_step_function():
    h = 3_600_000_000_000
    times = np.array([0, 1, 2]) * h
    values = np.array([1.0, 3.0, -2.0])
    bounds = np.array([0.5, 1.5, 2.0, 2.75]) * h
    # [0.5, 1.5): half 1, half 3; [1.5, 2): 3; [2, 2.75): -2 (the last value holds to 3 h).
    np.testing.assert_allclose(slot_average(times, values, 3 * h, bounds), [2.0, 3.0, -2.0])


def test_negative_prices_allowed_but_sell_above_buy_is_not():
    t = TimeGrid(2)
    Grid(t.slot_start_h, np.zeros(2), np.zeros(2), np.array([-0.1, 0.2]),
         np.array([-0.3, 0.1]))
    with pytest.raises(ScenarioError, match=r"sell price must be <= buy price .* at slot 0"):
        Grid(t.slot_start_h, np.zeros(2), np.zeros(2), np.array([-0.3, 0.2]),
             np.array([-0.1, 0.1]))


def test_tariff_that_puts_sell_above_buy_is_rejected(tmp_path, write_scenario):
    site_csv(tmp_path / "site.csv")
    data = series_scenario()
    # (price + 0) * 2 is below price - 0 whenever the price is negative.
    data["grid"]["tariff"] = {"vat": 0.99}
    data["grid"]["prices"]["series"]["column"] = "price"
    with pytest.raises(ScenarioError, match="sell price must be <= buy price"):
        load_scenario(str(write_scenario(data)))


@pytest.mark.parametrize("day, hours, end_local", [("2024-03-31", 23, 1), ("2024-10-27", 25, 23)])
def test_dst_day_is_24_elapsed_hours_from_local_start(day, hours, end_local):
    bounds = horizon_bounds(TimeGrid(24), dt.date.fromisoformat(day), TZ)
    local = bounds.tz_convert(TZ)
    assert local[0].hour == 0 and local[-1].hour == end_local
    assert (bounds[-1] - bounds[0]) == pd.Timedelta(hours=24)
    assert local[-1].date() == (dt.date.fromisoformat(day) + dt.timedelta(days=1 if
                                                                          hours == 23 else 0))


def dst_scenario(tmp_path, write_scenario, day, naive):
    """Hourly prices whose value is the UTC hour count since 2024-01-01, on a DST day."""
    utc = pd.date_range(pd.Timestamp(day) - pd.Timedelta(days=1), periods=72, freq="h",
                        tz="UTC")
    value = (utc - pd.Timestamp("2024-01-01", tz="UTC")) / pd.Timedelta(hours=1)
    stamps = (utc.tz_convert(TZ).strftime("%Y-%m-%dT%H:%M:%S") if naive
              else utc.strftime("%Y-%m-%dT%H:%M:%SZ"))
    pd.DataFrame({"timestamp": stamps, "price": value}).to_csv(tmp_path / "p.csv", index=False)
    data = inline_scenario()
    data["time"].update(date=day, timezone=TZ)
    data["grid"]["prices"] = {"series": {"csv": "p.csv", "column": "price",
                                         "unit": "EUR/kWh"}}
    data["grid"]["tariff"] = {"network_fee": [
        {"hours": [[0, 17], [21, 24]], "fee": 0.0},
        {"hours": [[17, 21]], "fee": 1000.0},
    ]}
    return load_scenario(str(write_scenario(data)))


@pytest.mark.parametrize("naive", [False, True])
@pytest.mark.parametrize("day, shift", [("2024-03-31", 1), ("2024-10-27", -1)])
def test_dst_series_and_fees_follow_the_true_instants(tmp_path, write_scenario, day, shift,
                                                      naive):
    sc = dst_scenario(tmp_path, write_scenario, day, naive)
    start_utc = pd.Timestamp(day).tz_localize(TZ).tz_convert("UTC")
    hours = (start_utc - pd.Timestamp("2024-01-01", tz="UTC")) / pd.Timedelta(hours=1)
    fee = sc.grid.price_buy - sc.grid.price_sell  # no vat, tax or sell fee: the network fee
    np.testing.assert_allclose(sc.grid.price_sell, hours + np.arange(24))
    # Slot t starts t elapsed hours after local midnight, i.e. at local clock t + shift
    # after the change (03:00 and 02:00): the 17-21 h fee sits in slots 17-shift .. 20-shift.
    assert np.flatnonzero(fee).tolist() == list(range(17 - shift, 21 - shift))


def test_naive_timestamp_skipped_by_dst_is_an_error(tmp_path, write_scenario):
    (tmp_path / "p.csv").write_text("timestamp,price\n2024-03-31T01:00,1\n"
                                    "2024-03-31T02:00,2\n2024-03-31T03:00,3\n")
    data = inline_scenario()
    data["time"].update(date="2024-03-31", timezone=TZ)
    data["grid"]["prices"] = {"series": {"csv": "p.csv", "column": "price", "unit": "EUR/kWh"}}
    with pytest.raises(ScenarioError, match=r"p.csv row 2: '2024-03-31T02:00' does not exist"):
        load_scenario(str(write_scenario(data)))


@pytest.mark.parametrize("column, rule", [
    ("load_kw", r"site.csv column 'load_kw' row 42: gap between 2024-06-03T07:45:00\+00:00 and "
                r"2024-06-03T08:15:00\+00:00 \(rule: values every 0 days 00:15:00"),
    ("price", r"site.csv column 'price' row 45: gap between 2024-06-03T07:00:00\+00:00 and "
              r"2024-06-03T09:00:00\+00:00 \(rule: values every 0 days 01:00:00"),
])
def test_gap_in_a_series_is_an_error_naming_file_row_rule(tmp_path, write_scenario, column,
                                                          rule):
    path = site_csv(tmp_path / "site.csv")
    frame = pd.read_csv(path)
    frame.loc[40, column] = np.nan  # 10:00 local: an empty cell is a missing value
    frame.to_csv(path, index=False)
    with pytest.raises(ScenarioError, match=rule):
        load_scenario(str(write_scenario(series_scenario())))


def test_day_missing_from_a_series_is_an_error(tmp_path, write_scenario):
    site_csv(tmp_path / "site.csv")
    with pytest.raises(ScenarioError, match=r"row 192: ends at .* before the horizon end .* "
                                            r"\(rule: the series covers the whole day\)"):
        load_scenario(str(write_scenario(series_scenario())), date="2024-06-05")
    with pytest.raises(ScenarioError, match=r"row 1: starts at .* after the horizon start"):
        load_scenario(str(write_scenario(series_scenario())), date="2024-06-02")


@pytest.mark.parametrize("cell, rule", [
    ("2024-06-03T25:00:00+02:00", r"site.csv row 5: '2024-06-03T25:00:00\+02:00' in "
                                  r"'timestamp' is not an ISO 8601 timestamp"),
    ("yesterday", r"row 5: 'yesterday' .* is not an ISO 8601 timestamp"),
    ("2024-06-03T01:00:00", r"row 5: .* mixes naive and UTC-offset timestamps"),
    ("2024-06-03T00:45:00+02:00", r"row 5: timestamp .* is not after the previous value"),
])
def test_bad_timestamps_are_errors_naming_the_row(tmp_path, write_scenario, cell, rule):
    path = site_csv(tmp_path / "site.csv")
    frame = pd.read_csv(path)
    frame.loc[4, "timestamp"] = cell
    frame.to_csv(path, index=False)
    with pytest.raises(ScenarioError, match=rule):
        load_scenario(str(write_scenario(series_scenario())))


def test_value_that_is_not_a_number_names_the_row(tmp_path, write_scenario):
    path = site_csv(tmp_path / "site.csv")
    frame = pd.read_csv(path)
    frame["load_kw"] = frame["load_kw"].astype(object)
    frame.loc[6, "load_kw"] = "n/a kW"
    frame.to_csv(path, index=False)
    with pytest.raises(ScenarioError, match=r"row 7: column 'load_kw' must be a number"):
        load_scenario(str(write_scenario(series_scenario())))


def test_date_override_reaches_sessions_and_time(tmp_path, write_scenario):
    caltech = load_scenario("caltech", date="2019-10-29")
    assert caltech.date == "2019-10-29" and caltech.fleet.n == load_scenario("caltech").fleet.n
    with pytest.raises(ScenarioError, match="no session of .* arrives in the horizon"):
        load_scenario("caltech", date="2019-10-30")


def test_tou_network_fee_must_cover_every_month(tmp_path, write_scenario):
    site_csv(tmp_path / "site.csv")
    data = series_scenario()
    data["grid"]["tariff"]["network_fee"] = [
        {"hours": [[0, 24]], "fee": 0.01, "months": [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]},
    ]
    with pytest.raises(ScenarioError, match=r"network_fee: periods must cover every day; "
                                            r"month 12 at 00:00 is in no period"):
        load_scenario(str(write_scenario(data)))


def test_sweep_dates_are_a_grid_axis(tmp_path):
    days = parse_dates("2024-02-27..2024-03-01,2024-06-01")
    assert days == ["2024-02-27", "2024-02-28", "2024-02-29", "2024-03-01", "2024-06-01"]
    tasks = make_config(scenarios=["eva"], dates=days, evals=[10]).tasks(tmp_path)
    assert [t["date"] for t in tasks] == days
    assert "2024-02-29" in tasks[2]["run"]  # one run directory per day
    assert len({t["run"] for t in tasks}) == len(days)
    for bad in ("2024-03-01..2024-02-01", "2024-02-30", "2024-01-01,2024-01-01"):
        with pytest.raises(ValueError, match="--dates"):
            parse_dates(bad)


def test_eva_preset_keeps_sell_below_buy_all_year():
    sc = load_scenario("eva")
    assert sc.currency == "EUR" and sc.date == "2024-04-14"
    assert sc.grid.price_sell.min() < 0  # the default day has negative hours
    for day, (high, peak) in (("2024-01-15", (0.0610, 0.1495)), ("2024-06-03", (0.0389, 0.0744))):
        g = load_scenario("eva", date=day).grid
        # fee = buy / (1 + vat) - tax - spot, with spot = sell + sell_fee.
        fee = g.price_buy / 1.25 - 0.0013 - (g.price_sell + 0.004)  # [96]
        # Slot t starts at 13:00 + t/4 h: 13-17 h high, 17-21 h peak, 00-06 h low.
        np.testing.assert_allclose(fee[0:16], high, atol=1e-12)
        np.testing.assert_allclose(fee[16:32], peak, atol=1e-12)
        np.testing.assert_allclose(fee[44:68], 0.0315, atol=1e-12)

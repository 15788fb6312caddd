"""Scenario model on hand-computed cases, presets, sessions groups, PV and run directories."""

from __future__ import annotations

import os
import sys

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from models.errors import ScenarioError
from models.fleet import stay_slots
from models.scenario import build_scenario, list_presets
from tests.conftest import PRESETS
from tests.problems.conftest import capped_fleet

# --- effective targets and slots ----------------------------------------------------------


def test_effective_target_caps_unreachable_targets():
    f = capped_fleet()
    # v1: 0.2 + 0.9 * 5 kW * 3 h / 50 kWh = 0.47 < 0.8; v2: capped at soc_max 0.9
    np.testing.assert_allclose(f.effective_target(1.0), [0.8, 0.47, 0.9], rtol=1e-12)
    assert f.unreachable(1.0).tolist() == [False, True, True]


@pytest.mark.parametrize(
    ("start", "arrival_h", "departure_h", "a", "d"),
    [
        (0.0, 8.2, 17.6, 8, 18),  # rounded to the nearest slot boundary
        (0.0, 18.0, 7.0, 18, 24),  # overnight in a midnight horizon: runs past the end
        (0.0, 10.1, 10.2, 10, 11),  # shorter than a slot: still one slot
        (0.0, 23.9, 23.95, 23, 24),  # arrival rounding to T stays inside the horizon
        (12.0, 18.0, 7.25, 6, 19),  # noon horizon: overnight stay inside it
        (12.0, 18.0, 13.0, 6, 24),  # departure after the horizon end
        (12.0, 12.0, 12.0, 0, 24),  # whole day
    ],
)
def test_stay_slots_mapping(start, arrival_h, departure_h, a, d):
    got_a, got_d = stay_slots(np.array([arrival_h]), np.array([departure_h]), start, 24)
    assert (int(got_a[0]), int(got_d[0])) == (a, d)


def test_stay_slots_on_a_coarse_grid():
    a, d = stay_slots(np.array([18.4, 19.2]), np.array([7.5, 6.9]), 12.0, 12)
    assert a.tolist() == [3, 4] and d.tolist() == [10, 9]  # 2 h slots from noon


# --- presets ------------------------------------------------------------------------------


def test_list_presets_has_the_five_studies():
    listed = list_presets()
    assert set(PRESETS) <= set(listed)
    assert all(listed[name] for name in PRESETS)
    assert "judgements" not in listed  # a TOML without a fleet is not a scenario


def test_preset_numbers_from_the_seeds(presets):
    q = presets["qingdao"]
    assert q.fleet.n == 500 and q.slots == 12 and q.currency == "CNY"
    assert q.grid.base_load_kw.max() == pytest.approx(3715.0, rel=1e-5)  # IEEE 33-bus
    # Table 3 reproduced slot by slot (horizon from 12:00: 12-14 h is the 14 h period).
    np.testing.assert_allclose(q.grid.base_load_kw[0] / q.grid.base_load_kw.max(), 4358 / 6698)
    i = presets["iov"]
    assert i.fleet.n == 1000 and i.slots == 96
    assert np.all(i.fleet.eta_charge == 0.9) and np.all(i.fleet.eta_discharge == 0.92)
    evening = (i.grid.clock_hour >= 19) & (i.grid.clock_hour < 21)
    assert i.grid.base_load_kw.argmax() in np.flatnonzero(evening)
    c = presets["crisscross"]
    assert c.fleet.n == 1800  # the 200 non-dispatchable cars are in the base load
    assert c.notes["non_dispatchable_ev_kwh"] > 0
    assert np.all(c.fleet.capacity_kwh == 22.0) and np.all(c.fleet.p_charge_max_kw == 5.6)
    np.testing.assert_allclose(c.fleet.soc_init, 0.9 - 20 * 0.15 / 22, atol=1e-4)


def test_price_of_a_slot_straddling_a_boundary_is_the_time_average(presets):
    q = presets["qingdao"]
    slot = int(np.flatnonzero(q.grid.clock_hour == 20.0)[0])  # 20-22 h, valley from 21 h
    assert q.grid.price_buy[slot] == pytest.approx((0.68 + 0.35) / 2, rel=1e-12)
    assert q.grid.price_sell[slot] == pytest.approx((0.55 + 0.28) / 2, rel=1e-12)
    peak = int(np.flatnonzero(q.grid.clock_hour == 8.0)[0])
    assert q.grid.price_buy[peak] == 1.18  # a slot inside one period: the exact price


def test_step_average_with_an_off_grid_boundary(minimal):
    minimal["time"] = {"slots_per_day": 12}
    minimal["grid"]["prices"] = [
        {"name": "day", "hours": [[6.5, 21.5]], "buy": 0.4, "sell": 0.2},
        {"name": "night", "hours": [[21.5, 6.5]], "buy": 0.2, "sell": 0.0},
    ]
    sc = build_scenario(minimal)
    # slot 20-22 h: 1.5 h at 0.4 and 0.5 h at 0.2; slot 6-8 h: 0.5 h at 0.2, 1.5 h at 0.4
    assert sc.grid.price_buy[10] == pytest.approx(0.75 * 0.4 + 0.25 * 0.2, rel=1e-12)
    assert sc.grid.price_buy[3] == pytest.approx(0.25 * 0.2 + 0.75 * 0.4, rel=1e-12)
    assert sc.grid.price_sell[10] == pytest.approx(0.15, rel=1e-12)


def test_base_load_is_interpolated_periodically_at_slot_mid_points(minimal):
    minimal["grid"]["base_load"] = {"hours": [0, 12], "kw": [100.0, 300.0]}
    sc = build_scenario(minimal)
    # slot 23-24 h: mid-point 23.5 h between 300 at 12 h and 100 at 24 h
    assert sc.grid.base_load_kw[23] == pytest.approx(300 - 200 * 11.5 / 12, rel=1e-12)
    assert sc.grid.base_load_kw[0] == pytest.approx(100 + 200 * 0.5 / 12, rel=1e-12)


# --- PV -----------------------------------------------------------------------------------


def test_clear_sky_pv_is_zero_at_night_and_peaks_at_midday(presets):
    g = presets["building"].grid  # half-sine 06-19 h, 100 kW
    mid = g.clock_hour + 0.125
    assert np.all(g.pv_kw[(mid < 6.0) | (mid > 19.0)] == 0.0)
    assert g.pv_kw.max() <= 100.0 and g.pv_kw.max() > 99.0
    assert abs(mid[g.pv_kw.argmax()] - 12.5) <= 0.125


def test_pvlib_clear_sky_is_a_plausible_day_curve(presets):
    g = presets["caltech"].grid  # Pasadena, 2019-10-29, 150 kW, 20 deg south
    mid = g.clock_hour + 0.125
    assert np.all(g.pv_kw[(mid < 6.5) | (mid > 18.5)] == 0.0)  # sunrise ~07:10, sunset ~18:05
    assert np.all(g.pv_kw[(mid > 9.0) & (mid < 16.0)] > 30.0)
    assert 11.5 <= mid[g.pv_kw.argmax()] <= 13.5  # solar noon ~12:40 PDT
    assert 0.6 * 150.0 <= g.pv_kw.max() <= 1.1 * 150.0
    # Morning and afternoon mirror each other around solar noon.
    assert g.pv_kw[mid == 10.125][0] == pytest.approx(g.pv_kw[mid == 15.125][0], rel=0.15)


def pvlib_scenario(minimal, **pv) -> dict:
    minimal["grid"]["pv"] = {
        "model": "pvlib",
        "latitude": 34.14,
        "longitude": -118.13,
        "date": "2019-06-21",
        "timezone": "America/Los_Angeles",
        "peak_kw": 100.0,
        "tilt_deg": 0.0,
        "azimuth_deg": 180.0,
        **pv,
    }
    return minimal


def test_pvlib_horizontal_array_at_summer_solstice(minimal):
    sc = build_scenario(pvlib_scenario(minimal))
    pv = sc.grid.pv_kw  # hourly slot averages
    # Clear-sky GHI at noon in Pasadena in June is ~1000 W/m^2; the hourly average is a bit less.
    assert 85.0 <= pv.max() <= 105.0
    assert pv[0] == 0.0 and pv[23] == 0.0
    assert pv.sum() == pytest.approx(sc.summary()["pv_kwh"])


def test_pvlib_not_importable_gives_the_reinstall_hint(minimal, monkeypatch):
    monkeypatch.setitem(sys.modules, "pvlib", None)  # import pvlib -> ImportError
    with pytest.raises(ScenarioError, match=r"reinstall v2g-pareto"):
        build_scenario(pvlib_scenario(minimal))


# --- sessions groups ----------------------------------------------------------------------

SESSIONS_CSV = """arrival,departure,kwh
2019-10-29 07:50:00-07:00,2019-10-29 17:10:00-07:00,20.0
2019-10-29 09:00:00-07:00,2019-10-30 08:00:00-07:00,0.0
2019-10-29 12:00:00-07:00,2019-10-29 13:00:00-07:00,100.0
2019-10-30 08:00:00-07:00,2019-10-30 17:00:00-07:00,5.0
"""


def sessions_scenario(minimal, tmp_path, **sessions) -> dict:
    (tmp_path / "s.csv").write_text(SESSIONS_CSV)
    minimal["fleet"]["groups"] = [
        {
            "sessions": {"csv": "s.csv", "energy_column": "kwh", **sessions},
            "capacity_kwh": 50.0,
            "p_charge_max_kw": 10.0,
            "eta_charge": 0.9,
            "soc_min": 0.2,
            "soc_max": 0.95,
            "soc_target": 0.9,
            "v2g_share": 1.0,
        }
    ]
    return minimal


def test_sessions_group_slots_and_initial_soc(minimal, tmp_path):
    data = sessions_scenario(minimal, tmp_path, date="2019-10-29")
    f = build_scenario(data, base_dir=tmp_path).fleet
    assert f.n == 3  # the 2019-10-30 arrival is not in the horizon
    assert f.arrival_slot.tolist() == [8, 9, 12]  # 07:50 rounds to 08:00
    assert f.departure_slot.tolist() == [17, 24, 13]  # next-day departure: d = T
    # soc_init = max(soc_min, soc_target - eta_c * E / capacity)
    np.testing.assert_allclose(f.soc_init, [0.9 - 0.9 * 20 / 50, 0.9, 0.2], rtol=1e-12)
    assert np.all(f.p_discharge_max_kw == 10.0)  # "charge" by default, all V2G capable


def test_sessions_without_date_must_hold_one_day(minimal, tmp_path):
    data = sessions_scenario(minimal, tmp_path)
    with pytest.raises(ScenarioError, match=r"fleet\.groups\[0\]\.sessions\.date: is required"):
        build_scenario(data, base_dir=tmp_path)


def test_sessions_time_zone_conversion_and_horizon_start(minimal, tmp_path):
    data = sessions_scenario(minimal, tmp_path, date="2019-10-29", timezone="America/New_York")
    data["time"] = {"slots_per_day": 24, "start_hour": 6}
    f = build_scenario(data, base_dir=tmp_path).fleet
    # New York is 3 h ahead: 07:50 PDT = 10:50 EDT, slot 5 of a horizon from 06:00.
    # The 08:00 PDT arrival of the next day is 11:00 EDT on 10-30: outside the horizon.
    assert f.n == 3
    assert f.arrival_slot.tolist() == [5, 6, 9]
    assert f.departure_slot.tolist() == [14, 24, 10]


def test_sessions_with_mixed_utc_offsets_need_a_time_zone(minimal, tmp_path):
    data = sessions_scenario(minimal, tmp_path, date="2019-11-04")
    csv = "arrival,departure,kwh\n2019-11-02 09:00-07:00,2019-11-02 17:00-07:00,5\n"
    csv += "2019-11-04 09:00-08:00,2019-11-04 17:00-08:00,5\n"
    (tmp_path / "s.csv").write_text(csv)
    with pytest.raises(ScenarioError, match=r"arrival_column: timestamps carry different UTC"):
        build_scenario(data, base_dir=tmp_path)
    data["fleet"]["groups"][0]["sessions"]["timezone"] = "America/Los_Angeles"
    f = build_scenario(data, base_dir=tmp_path).fleet
    assert f.arrival_slot.tolist() == [9] and f.departure_slot.tolist() == [17]


def test_caltech_preset_follows_its_csv(presets):
    sc = presets["caltech"]
    raw = pd.read_csv(os.path.join(os.path.dirname(sc.source), "data", "caltech_2019-10-29.csv"))
    assert sc.fleet.n == len(raw) == 50
    arrival = pd.to_datetime(raw["arrival"], utc=True).dt.tz_convert("America/Los_Angeles")
    departure = pd.to_datetime(raw["departure"], utc=True).dt.tz_convert("America/Los_Angeles")
    overnight = (departure.dt.date != arrival.dt.date).to_numpy()
    assert np.all(sc.fleet.departure_slot[overnight] == 96)
    hours = (arrival.dt.hour + arrival.dt.minute / 60 + arrival.dt.second / 3600).to_numpy()
    np.testing.assert_array_equal(sc.fleet.arrival_slot, np.rint(hours * 4).astype(int))
    f = sc.fleet
    expected = np.maximum(0.1, 0.9 - 0.95 * raw["requested_energy (kWh)"] / f.capacity_kwh)
    np.testing.assert_allclose(f.soc_init, expected, rtol=1e-12)
    assert 0 < (f.p_discharge_max_kw > 0).sum() < 50  # v2g_share 0.5


def test_sessions_date_may_be_a_toml_date(minimal, tmp_path):
    import datetime

    as_text = build_scenario(
        sessions_scenario(minimal, tmp_path, date="2019-10-29"), base_dir=tmp_path
    )
    minimal["fleet"]["groups"][0]["sessions"]["date"] = datetime.date(2019, 10, 29)
    as_date = build_scenario(minimal, base_dir=tmp_path)
    assert as_date.fleet.arrival_slot.tolist() == as_text.fleet.arrival_slot.tolist()


@settings(max_examples=40, deadline=None)
@given(
    energy=st.lists(st.floats(0.0, 200.0), min_size=1, max_size=6),
    capacity=st.floats(5.0, 120.0),
    soc_min=st.floats(0.0, 0.5),
    soc_target=st.floats(0.0, 1.0),
    eta=st.floats(0.5, 1.0),
)
def test_sessions_soc_init_rule_stays_in_range(energy, capacity, soc_min, soc_target, eta):
    import tempfile
    from pathlib import Path

    rows = "".join(f"2019-10-29 08:00,2019-10-29 17:00,{e!r}\n" for e in energy)
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "s.csv").write_text("arrival,departure,kwh\n" + rows)
        data = {
            "time": {"slots_per_day": 24},
            "grid": {"base_load": {"kw": [100.0]}, "prices": [{"hours": [[0, 24]], "buy": 0.2}]},
            "fleet": {
                "groups": [
                    {
                        "sessions": {"csv": "s.csv", "energy_column": "kwh"},
                        "capacity_kwh": capacity,
                        "p_charge_max_kw": 7.0,
                        "eta_charge": eta,
                        "soc_min": soc_min,
                        "soc_max": 1.0,
                        "soc_target": soc_target,
                    }
                ]
            },
        }
        f = build_scenario(data, base_dir=Path(tmp)).fleet
    e = np.asarray(energy)
    assert np.all((f.soc_init >= 0.0) & (f.soc_init <= 1.0))
    np.testing.assert_allclose(f.soc_init, np.maximum(soc_min, soc_target - eta * e / capacity))
    # The battery gains exactly the request unless the SOC window caps it.
    gained_kwh = (np.maximum(soc_target, soc_min) - f.soc_init) * capacity
    assert np.all(gained_kwh <= eta * e + 1e-9)
    uncapped = soc_target - eta * e / capacity >= soc_min
    np.testing.assert_allclose(gained_kwh[uncapped], eta * e[uncapped], atol=1e-9)

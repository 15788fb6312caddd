"""Scenario model: presets, the half-sine PV, sessions groups and run directories."""

from __future__ import annotations

import os

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from models.errors import ScenarioError
from models.scenario import build_scenario, list_presets
from tests.conftest import PRESETS

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


# --- PV -----------------------------------------------------------------------------------


def test_clear_sky_pv_is_zero_at_night_and_peaks_at_midday(presets):
    g = presets["building"].grid  # half-sine 06-19 h, 100 kW
    mid = g.clock_hour + 0.125
    assert np.all(g.pv_kw[(mid < 6.0) | (mid > 19.0)] == 0.0)
    assert g.pv_kw.max() <= 100.0 and g.pv_kw.max() > 99.0
    assert abs(mid[g.pv_kw.argmax()] - 12.5) <= 0.125


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

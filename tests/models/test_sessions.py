"""Session and station ids and the dated horizon, carried from a sessions CSV to a run."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from models.errors import ScenarioError
from models.fleet import Fleet
from models.scenario import Scenario, build_scenario

CSV = (
    "session_id,station_id,arrival,departure,kwh\n"
    "s-1,CA-1,2019-10-29 08:00-07:00,2019-10-29 17:00-07:00,10\n"
    "s-2,,2019-10-29 09:00-07:00,2019-10-29 12:00-07:00,4\n"
    "s-3,CA-3,2019-10-30 08:00-07:00,2019-10-30 17:00-07:00,5\n"
)


def sessions_data(minimal, tmp_path, **sessions) -> dict:
    (tmp_path / "s.csv").write_text(CSV)
    minimal["fleet"]["groups"].append(
        {
            "sessions": {"csv": "s.csv", "energy_column": "kwh", "date": "2019-10-29", **sessions},
            "capacity_kwh": 50.0,
            "p_charge_max_kw": 7.0,
        }
    )
    return minimal


def test_ids_and_day_reach_the_fleet_and_the_run_tables(minimal, tmp_path):
    sc = build_scenario(
        sessions_data(minimal, tmp_path, timezone="America/Los_Angeles"), base_dir=tmp_path
    )
    # 3 sampled vehicles first (no ids), then the two sessions arriving on 2019-10-29.
    assert sc.fleet.session_id.tolist() == ["", "", "", "s-1", "s-2"]
    assert sc.fleet.station_id.tolist() == ["", "", "", "CA-1", ""]
    assert (sc.date, sc.timezone) == ("2019-10-29", "America/Los_Angeles")

    frame = sc.fleet.to_frame()
    frame.to_csv(tmp_path / "fleet.csv", index=False)
    back = Scenario.from_meta(sc.to_meta(), pd.read_csv(tmp_path / "fleet.csv"), sc.grid.to_frame())
    assert back.fleet.session_id.tolist() == sc.fleet.session_id.tolist()
    assert back.fleet.station_id.tolist() == sc.fleet.station_id.tolist()
    assert (back.date, back.timezone) == ("2019-10-29", "America/Los_Angeles")


def test_sampled_fleet_has_no_id_columns_and_no_day(minimal):
    sc = build_scenario(minimal)
    assert sc.fleet.session_id is None and sc.date is None
    assert "session_id" not in sc.fleet.to_frame().columns


def test_a_named_id_column_the_csv_lacks_is_an_error(minimal, tmp_path):
    data = sessions_data(minimal, tmp_path, station_column="charger")
    with pytest.raises(ScenarioError, match=r"sessions\.station_column: no column 'charger'"):
        build_scenario(data, base_dir=tmp_path)


def test_two_sessions_groups_on_different_days_are_refused(minimal, tmp_path):
    data = sessions_data(minimal, tmp_path)
    second = dict(data["fleet"]["groups"][1])
    second["sessions"] = {**second["sessions"], "date": "2019-10-30"}
    data["fleet"]["groups"].append(second)
    with pytest.raises(ScenarioError, match=r"groups\[2\]\.sessions: day 2019-10-30"):
        build_scenario(data, base_dir=tmp_path)


def test_fleet_ids_must_match_the_fleet_size():
    one = np.ones(2)
    with pytest.raises(ScenarioError, match=r"fleet\.station_id: shape \(1,\)"):
        Fleet(np.zeros(2, int), np.full(2, 3), one, one, one, one, one, one * 0.5, one * 0.9,
              one * 0.1, one * 0.95, 4, station_id=np.array(["a"]))

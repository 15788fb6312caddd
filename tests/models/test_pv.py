"""PV from pvlib (models.pv): a clear-sky day curve for a site and a date."""

from __future__ import annotations

import sys

import numpy as np
import pytest

from models.errors import ScenarioError
from models.scenario import build_scenario


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

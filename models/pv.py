"""Clear-sky PV output of a site from pvlib (``[grid.pv] model = "pvlib"``).

Keys of the ``[grid.pv]`` table::

    model = "pvlib"
    latitude = 34.1377            # degrees north
    longitude = -118.1253         # degrees east
    date = "2019-10-29"           # the day of the horizon (string or TOML date)
    timezone = "America/Los_Angeles"
    peak_kw = 150.0               # array rating at 1000 W/m² in the plane of array
    tilt_deg = 20.0               # 0 = horizontal
    azimuth_deg = 180.0           # compass bearing the array faces; 180 = south
    altitude_m = 263.0            # optional; default: pvlib's shipped altitude map

Model: Ineichen–Perez clear-sky irradiance with the Linke turbidity climatology that ships
with pvlib (no network access), transposed to the plane of array with the isotropic sky
model (ground albedo 0.25). Output ``pv_kw = peak_kw * POA / 1000 W/m²``: a linear
array at the standard-test-condition rating, without temperature or inverter losses, so a
clear-day maximum is ``peak_kw`` times the peak plane-of-array irradiance in kW/m² (about
0.8–1.0 for a tilted array at mid-latitudes).

Time: the horizon starts at ``start_hour`` local clock time on ``date`` and lasts 24 h of
elapsed time (`models.series.horizon_bounds`, also on DST days);
each slot's value is the average of one-minute samples (at the minute mid-points) over the
slot, so the slot energy is right even on coarse grids.

pvlib is a core dependency, imported on first use (it adds about a second to start-up).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from models.errors import ScenarioError
from models.grid import TimeGrid
from models.schema import Table
from models.series import horizon_bounds
from models.sessions import read_date, read_timezone

STC_IRRADIANCE_W_M2 = 1000.0
MISSING_PVLIB = "grid.pv.model: 'pvlib' cannot be imported: reinstall v2g-pareto"


def pvlib_clear_sky(tbl: Table, time: TimeGrid) -> np.ndarray:  # [T] kW
    """Slot-average clear-sky PV power of a fixed-tilt array (see the module docstring)."""
    latitude = tbl.number("latitude", ge=-90, le=90)
    longitude = tbl.number("longitude", ge=-180, le=180)
    date = read_date(tbl, "date")
    if date is None:
        raise tbl.error("date", "is required")
    tz = read_timezone(tbl, "timezone")
    if tz is None:
        raise tbl.error("timezone", "is required")
    peak_kw = tbl.number("peak_kw", ge=0)
    tilt_deg = tbl.number("tilt_deg", ge=0, le=90)
    azimuth_deg = tbl.number("azimuth_deg", ge=0, lt=360)
    altitude_m = tbl.number("altitude_m", None, ge=-500, le=9000)
    tbl.done()
    try:
        import pvlib
    except ImportError:
        raise ScenarioError(MISSING_PVLIB) from None

    minutes_per_slot = max(1, round(time.dt_h * 60))
    sub_h = time.dt_h / minutes_per_slot
    offsets_h = (np.arange(time.slots_per_day * minutes_per_slot) + 0.5) * sub_h
    start = horizon_bounds(time, date, tz)[0]  # start_hour local, then elapsed time
    times = start + pd.to_timedelta(offsets_h, unit="h")

    with warnings.catch_warnings():
        # pvlib's own use of pandas APIs that newer pandas deprecates; nothing a user can act on.
        warnings.filterwarnings("ignore", category=DeprecationWarning, module=r"pvlib\.")
        site = pvlib.location.Location(latitude, longitude, tz=tz, altitude=altitude_m)
        sky = site.get_clearsky(times, model="ineichen")
        sun = site.get_solarposition(times)
        poa = pvlib.irradiance.get_total_irradiance(
            surface_tilt=tilt_deg,
            surface_azimuth=azimuth_deg,
            solar_zenith=sun["apparent_zenith"],
            solar_azimuth=sun["azimuth"],
            dni=sky["dni"],
            ghi=sky["ghi"],
            dhi=sky["dhi"],
            model="isotropic",
        )["poa_global"]
    poa_w_m2 = np.nan_to_num(poa.to_numpy(float), nan=0.0).clip(min=0.0)
    per_slot = poa_w_m2.reshape(time.slots_per_day, minutes_per_slot).mean(axis=1)
    return peak_kw * per_slot / STC_IRRADIANCE_W_M2

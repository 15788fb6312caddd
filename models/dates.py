"""The one reader of a calendar day a user gives: ``--date``, ``export --date``, the days of a
sweep (``--dates`` and its config's ``dates``), and a scenario file's ``[time] date`` (and the
``date`` of a sessions table or of pvlib PV).

A day is ``"YYYY-MM-DD"`` (exactly that form: no week dates, no ``20240414``) or a TOML date
literal (``date = 2024-04-14``, a `datetime.date`); a date-time is refused, since a scenario
is one day whose clock is ``[time] start_hour``.

Allowed range: ``FIRST_DAY`` 1678-01-01 to ``LAST_DAY`` 2261-12-31, the whole years whose
horizons pandas can hold. Every time axis of the tool is a pandas nanosecond timestamp
(1677-09-21 to 2262-04-11), and a day's horizon reaches up to 48 h past its midnight plus a
time-zone offset; a day outside that range would fail deep inside pandas, so it is refused
here with the range in the message; so is a timestamp of a data file (a series or sessions
CSV, `first_outside`) on a day outside it. Whether the scenario's *data* cover a day in range (a
price series, a sessions CSV) is checked by the reader of that data, which names the day
the data lack (`models.series`, `models.sessions`).
"""

from __future__ import annotations

import datetime as dt
import re

import numpy as np
import pandas as pd

from models.errors import InputError

FIRST_DAY = dt.date(1678, 1, 1)
LAST_DAY = dt.date(2261, 12, 31)
DAYS = f"from {FIRST_DAY} to {LAST_DAY}"
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def parse_day(value, where: str) -> dt.date:
    """The day ``value`` (``"YYYY-MM-DD"`` or a `datetime.date`) names; an `InputError`
    naming ``where`` (an option or a key path) and the allowed range otherwise."""
    day = None
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        day = value
    elif isinstance(value, str) and _DAY.fullmatch(value):
        try:
            day = dt.date.fromisoformat(value)
        except ValueError:
            pass
    if day is None or not FIRST_DAY <= day <= LAST_DAY:
        raise InputError(f"{where}: must be a day YYYY-MM-DD {DAYS}, got {_shown(value)}")
    return day


def parse_day_range(text, where: str) -> tuple[dt.date, dt.date]:
    """The inclusive range ``"FIRST..LAST"`` (or one day ``"D"``: D..D), each end read by
    `parse_day`; an `InputError` naming ``where`` when it is not a range or LAST < FIRST."""
    ends = str(text).strip().split("..")
    if len(ends) > 2:
        raise InputError(f"{where}: {text!r} must be FIRST..LAST")
    first, last = (parse_day(e.strip(), where) for e in (ends[0], ends[-1]))
    if last < first:
        raise InputError(f"{where}: {text!r} ends ({last}) before it starts ({first})")
    return first, last


def first_outside(times: pd.DatetimeIndex) -> int | None:
    """Position of the first timestamp whose day (its own wall clock) is outside the allowed
    range, or None; missing timestamps (NaT) are left to the caller."""
    wall = times.tz_localize(None) if times.tz is not None else times
    days = wall.normalize()
    bad = np.flatnonzero(((days < pd.Timestamp(FIRST_DAY)) | (days > pd.Timestamp(LAST_DAY)))
                         & ~wall.isna())
    return int(bad[0]) if bad.size else None


def _shown(value) -> str:
    if isinstance(value, dt.date):
        return value.isoformat()
    return repr(value) if isinstance(value, str) else f"{value!r} ({type(value).__name__})"

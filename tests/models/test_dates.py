"""Calendar days a user gives (models.dates): one form, one range, ranges of days."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from models.dates import FIRST_DAY, LAST_DAY, first_outside, parse_day, parse_day_range
from models.errors import InputError


def test_parse_day_reads_iso_days_and_toml_dates_only():
    assert parse_day("2024-04-14", "--date") == dt.date(2024, 4, 14)
    assert parse_day(dt.date(2024, 4, 14), "--date") == dt.date(2024, 4, 14)
    assert parse_day(LAST_DAY.isoformat(), "--date") == LAST_DAY
    for bad in ("20240414", "2024-W15-7", "2024-02-30", dt.datetime(2024, 4, 14), 20240414,
                "1677-12-31"):
        with pytest.raises(InputError, match=r"^--date: must be a day YYYY-MM-DD from 1678"):
            parse_day(bad, "--date")


def test_parse_day_range_is_inclusive_and_ordered():
    assert parse_day_range("2024-01-30..2024-02-02", "--dates") == (
        dt.date(2024, 1, 30), dt.date(2024, 2, 2))
    assert parse_day_range(" 2024-03-01 ", "--dates") == (dt.date(2024, 3, 1),) * 2
    with pytest.raises(InputError, match=r"ends \(2024-01-01\) before it starts \(2024-01-02\)"):
        parse_day_range("2024-01-02..2024-01-01", "--dates")
    with pytest.raises(InputError, match="must be FIRST..LAST"):
        parse_day_range("2024-01-01..2024-01-02..2024-01-03", "--dates")


def test_first_outside_uses_the_wall_clock_day_and_skips_missing_times():
    inside = pd.DatetimeIndex(["2024-01-01 10:00", pd.NaT, FIRST_DAY.isoformat()])
    assert first_outside(inside) is None
    # 2261-12-31 23:30 at UTC-5 is still the last allowed day on its own wall clock
    late = pd.DatetimeIndex(["2261-12-31 23:30"]).tz_localize("Etc/GMT+5")
    assert first_outside(late) is None
    assert first_outside(pd.DatetimeIndex(["2024-01-01", "2262-01-01", "1677-12-31"])) == 1

"""Daily savings of a dated sweep (plots.days): points in %, a weekly median, the spread."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from models.errors import InputError
from plots.days import daily_savings


def sweep_table() -> pd.DataFrame:
    dates = pd.date_range("2024-01-01", periods=5).strftime("%Y-%m-%d")
    return pd.DataFrame({"date": dates[::-1],  # unsorted: the figure sorts by day
                         "economy_saving_vs_uncoordinated": [0.1, 0.2, 0.3, 0.4, 0.5],
                         "economy_saving_vs_ordered": [0.05, np.nan, -0.1, 0.0, 0.02]})


def test_daily_savings_in_percent_over_the_days_and_a_box_per_baseline():
    ax, box = daily_savings(sweep_table(), "a year").axes
    unc, _, ordered, _ = ax.get_lines()[:4]
    np.testing.assert_allclose(unc.get_ydata(), [50.0, 40.0, 30.0, 20.0, 10.0])  # by date
    np.testing.assert_allclose(ordered.get_ydata(), [2.0, 0.0, -10.0, np.nan, 5.0])
    assert [t.get_text() for t in box.get_xticklabels()] == ["uncoordinated", "ordered"]
    levels = {tuple(ln.get_ydata()) for ln in box.get_lines() if len(ln.get_ydata()) == 2}
    assert (30.0, 30.0) in levels and (1.0, 1.0) in levels  # medians; NaN day left out
    assert "7-day median" in ax.get_legend().get_texts()[0].get_text()


def test_a_sweep_without_dates_is_an_input_error():
    with pytest.raises(InputError, match="no column 'date'"):
        daily_savings(sweep_table().drop(columns="date"))

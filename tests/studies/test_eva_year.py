"""The year-of-days summary of a dated sweep: hand-computed savings, figure and files."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from models.errors import InputError
from plots.days import daily_savings
from studies.eva_year import summarize_days, write_year


def table() -> pd.DataFrame:
    economy = np.array([80.0, 50.0, 120.0, 90.0])
    unc = np.array([100.0, 100.0, 100.0, 100.0])
    ordered = np.array([90.0, 60.0, 100.0, 100.0])
    return pd.DataFrame({
        "date": ["2024-01-03", "2024-01-01", "2024-01-02", "2024-01-04"],
        "economy_cost": economy, "uncoordinated_cost": unc, "ordered_cost": ordered,
        "economy_saving_vs_uncoordinated": (unc - economy) / unc,
        "economy_saving_vs_ordered": (ordered - economy) / ordered,
        "n_evals": 1000, "wall_time_s": 8.0,
    })


def test_summary_by_hand():
    s = summarize_days(table()).set_index("baseline")
    # vs uncoordinated: savings 20, 50, -20, 10 %.
    assert s.loc["uncoordinated", "mean_pct"] == pytest.approx(15.0)
    assert s.loc["uncoordinated", "median_pct"] == pytest.approx(15.0)
    assert s.loc["uncoordinated", "days_with_saving_pct"] == pytest.approx(75.0)
    # Summed: 340 vs 400 -> 15 %; vs ordered 340 vs 350 -> 2.857 %.
    assert s.loc["uncoordinated", "year_saving_pct"] == pytest.approx(15.0)
    assert s.loc["ordered", "year_saving_pct"] == pytest.approx(100 * 10 / 350)


def test_write_year_files(tmp_path):
    csv = tmp_path / "results.csv"
    table().to_csv(csv, index=False)
    paths = write_year(csv, tmp_path / "out", "v2g-pareto sweep ...")
    assert [p.name for p in paths] == ["year-savings.png", "year-days.csv", "year.md"]
    days = pd.read_csv(paths[1])
    assert days["date"].tolist() == ["2024-01-01", "2024-01-02", "2024-01-03", "2024-01-04"]
    md = paths[2].read_text()
    assert "| uncoordinated | 4 | 15.0 | 15.0 |" in md and "v2g-pareto sweep ..." in md


def test_figure_needs_a_dated_sweep():
    assert len(daily_savings(table()).axes) == 2
    with pytest.raises(InputError, match="run the sweep with --dates"):
        daily_savings(table().drop(columns="date"))

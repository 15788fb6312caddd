"""Daily savings of a year-of-days sweep (`v2g-pareto sweep --dates`): time series and spread.

One row of the sweep table per day, with ``economy_saving_vs_uncoordinated`` and
``economy_saving_vs_ordered`` (fractions of the baseline's cost). The left panel draws them
over the year, the right one their distribution (box plots: median, quartiles, 1.5 IQR
whiskers, the days beyond as points).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from models.errors import InputError
from plots.style import CYCLE, GRID, WIDE, new_figure, styled

BASELINES = {"uncoordinated": "vs uncoordinated charging", "ordered": "vs ordered charging"}


@styled
def daily_savings(table: pd.DataFrame, title: str = "") -> Figure:
    """The Economy pick's saving on each day against both baselines, in % of their cost."""
    cols = [f"economy_saving_vs_{b}" for b in BASELINES]
    missing = [c for c in ["date", *cols] if c not in table.columns]
    if missing:
        raise InputError(f"sweep table: no column {missing[0]!r} (run the sweep with --dates)")
    days = table.sort_values("date")
    when = pd.to_datetime(days["date"])
    fig = new_figure((WIDE[0] * 1.25, WIDE[1]))
    ax, box = fig.subplots(1, 2, width_ratios=(3, 1), sharey=True)
    data = []
    for label, col, colour in zip(BASELINES.values(), cols, CYCLE, strict=False):
        pct = days[col].to_numpy(float) * 100.0  # [days]
        data.append(pct[np.isfinite(pct)])
        ax.plot(when, pct, ".", markersize=3, color=colour, alpha=0.6)
        weekly = pd.Series(pct, index=when).rolling("7D", center=True).median()
        ax.plot(weekly.index, weekly.to_numpy(), "-", color=colour, linewidth=1.5,
                label=f"{label} (7-day median)")
    ax.axhline(0.0, color="0.3", linewidth=0.8)
    ax.set_ylabel("Saving of the Economy pick [% of the baseline's cost]")
    ax.set_xlabel("Day of the horizon start")
    ax.legend(loc="lower left", fontsize=8)
    ax.grid(True, **GRID)
    box.boxplot(data, tick_labels=list(BASELINES), widths=0.6, flierprops={"markersize": 3})
    box.set_xlabel("Baseline")
    box.grid(True, axis="y", **GRID)
    if title:
        fig.suptitle(title)
    return fig

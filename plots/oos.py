"""Figures of an out-of-sample comparison of fronts (`studies.acn_out_of_sample`): per real
day, the realised weighted objective of each front's pick against the wait-and-see value;
and the realised mean objectives of every solution of each front."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

PICK_COLOURS = {"deterministic": "tab:blue", "risk": "tab:orange", "wait-and-see": "tab:green"}


def pick_days(days: pd.DataFrame, path: Path) -> Path:
    """Per (site, mode) panel, one group of bars per day: the realised weighted objective of
    each front's pick (columns ``deterministic``, ``risk`` where present) and the day's
    wait-and-see value (``wait_and_see``), all in the site's common normalisation."""
    panels = list(days.groupby(["site", "mode"], sort=True))
    fig = Figure(figsize=(11, 2.5 * len(panels)))
    axes = fig.subplots(len(panels), 1, squeeze=False)
    for ax, ((site, mode), sub) in zip(axes[:, 0], panels, strict=True):
        sub = sub.sort_values("day")
        cols = [c for c in ("deterministic", "risk") if c in sub and sub[c].notna().any()]
        bars = [*cols, "wait_and_see"]
        width = 0.8 / len(bars)
        x = np.arange(len(sub))
        for k, col in enumerate(bars):
            label = "wait-and-see" if col == "wait_and_see" else f"{col} pick"
            ax.bar(x + (k - (len(bars) - 1) / 2) * width, sub[col], width, label=label,
                   color=PICK_COLOURS["wait-and-see" if col == "wait_and_see" else col])
        ax.axhline(0.0, color="k", lw=0.6)
        ax.set_xticks(x, [d[5:] for d in sub["day"]], rotation=90, fontsize=7)
        ax.set_ylabel("weighted objective")
        ax.set_title(f"{site}, {mode}: realised score per real day (lower is better)",
                     fontsize=9)
        ax.legend(fontsize=7, loc="upper right", ncol=len(bars))
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    return path


def realised_fronts(means: pd.DataFrame, picks: pd.DataFrame, currency: str,
                    path: Path) -> Path:
    """Per site, the realised mean objectives of every solution of each front (cost with
    the imbalance cost against the std of the net load, coloured by front), the picks
    ringed. ``means``: site, front, solution, total_cost, variance, peak_valley; ``picks``:
    site, mode, front, solution."""
    sites = sorted(means["site"].unique())
    fig = Figure(figsize=(5.2 * len(sites), 4.2))
    axes = fig.subplots(1, len(sites), squeeze=False)
    for ax, site in zip(axes[0], sites, strict=True):
        sub = means[means["site"] == site]
        for front, g in sub.groupby("front", sort=True):
            colour = PICK_COLOURS.get(front, "tab:grey")
            sc = ax.scatter(g["total_cost"], np.sqrt(g["variance"]), s=14, color=colour,
                            alpha=0.7, label=f"{front} front ({len(g)})")
            chosen = picks[(picks["site"] == site) & (picks["front"] == front)]
            for row in chosen.itertuples():
                p = g[g["solution"] == row.solution].iloc[0]
                ax.scatter([p["total_cost"]], [np.sqrt(p["variance"])], s=90,
                           facecolors="none", edgecolors=sc.get_facecolor()[0], lw=1.5)
                ax.annotate(row.mode, (p["total_cost"], np.sqrt(p["variance"])),
                            fontsize=7, xytext=(4, 4), textcoords="offset points")
        ax.set_xlabel(f"realised mean cost + imbalance [{currency}]")
        ax.set_ylabel("√(realised mean variance) of net load [kW]")
        ax.set_title(f"{site}: realised means over the Nov-Dec weekdays", fontsize=9)
        ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    return path

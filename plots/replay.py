"""Figures of replayed days (`studies.replay_month`): per-day gaps between the policies, and
one day's net load under each policy."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure


def day_gaps(days: pd.DataFrame, path: Path) -> Path:
    """Per day and mode, bars of the price of not knowing (mpc − perfect) and the value of
    re-planning (plan − mpc) in the mode's weighted objective, one panel per site."""
    wide = days.pivot_table(index=["site", "mode", "day"], columns="policy", values="weighted")
    sites = sorted(days["site"].unique())
    modes = sorted(days["mode"].unique())
    fig = Figure(figsize=(11, 2.6 * len(sites) * len(modes)))
    axes = fig.subplots(len(sites) * len(modes), 1, squeeze=False)
    for k, (site, mode) in enumerate((s, m) for s in sites for m in modes):
        ax = axes[k, 0]
        sub = wide.loc[(site, mode)]
        x = np.arange(len(sub))
        ax.bar(x - 0.2, sub["mpc"] - sub["perfect"], 0.4, label="mpc − perfect")
        ax.bar(x + 0.2, sub["plan"] - sub["mpc"], 0.4, label="plan − mpc")
        ax.axhline(0.0, color="k", lw=0.6)
        ax.set_xticks(x, [d[5:] for d in sub.index], rotation=90, fontsize=7)
        ax.set_ylabel("weighted objective")
        ax.set_title(f"{site}, {mode}", fontsize=9)
        ax.legend(fontsize=7, loc="upper right")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    return path


def day_net_load(net_kw: dict[str, np.ndarray], dt_h: float, title: str, path: Path) -> Path:
    """Net load [kW] of one day under each policy (``net_kw``: policy → [T])."""
    fig = Figure(figsize=(8, 3.2))
    ax = fig.subplots()
    for policy, net in net_kw.items():
        ax.step(np.arange(len(net)) * dt_h, net, where="post", label=policy)
    ax.set_xlabel("hour of the horizon")
    ax.set_ylabel("net load [kW]")
    ax.set_title(title, fontsize=9)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    return path

"""Parallel coordinates of a front: one polyline per solution across the three objectives.

Each vertical axis is normalised to [0, 1] over the front and the marked points together
(so baselines off the front still fit), and labelled with the real values at five ticks.
Lower is better on every axis.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure

from moo.util.normalization import Normalization
from plots.front import FrontLike, currency_of, front_label, objectives_of
from plots.points import OperatingPoint
from plots.style import OBJECTIVES, WIDE, format_value, look, new_figure, objective_label, styled

TICKS = np.linspace(0.0, 1.0, 5)


@styled
def parallel_coordinates(
    front: FrontLike,
    *,
    points: Sequence[OperatingPoint] = (),
    currency: str | None = None,
) -> Figure:
    """The front in parallel coordinates, marked points drawn bold on top."""
    f = objectives_of(front)  # [S, 3]
    cur = currency_of(front, currency)
    every = np.vstack([f, *(p.objectives for p in points)])
    box = Normalization.of_front(every)
    norm, lo, hi = box.apply, box.ideal, box.nadir

    x = np.arange(len(OBJECTIVES), dtype=float)
    fig = new_figure(WIDE)
    ax = fig.add_subplot()
    segments = [np.column_stack([x, row]) for row in norm(f)]
    ax.add_collection(
        LineCollection(
            segments,
            colors=look("front").color,
            linewidths=0.8,
            alpha=0.45,
            label=front_label(front),
        )
    )
    for p in points:
        lk = look(p.key)
        ax.plot(
            x,
            norm(p.objectives),
            color=lk.color,
            linestyle=lk.linestyle,
            marker=lk.marker,
            markersize=9,
            markeredgecolor="black",
            markeredgewidth=0.6,
            linewidth=2.4,
            label=p.label,
            zorder=5,
        )
    for k in range(len(OBJECTIVES)):
        ax.axvline(k, color="0.3", linewidth=1.0, zorder=1)
        ax.hlines(TICKS, k - 0.012, k, color="0.3", linewidth=0.8)
        for t in TICKS:
            value = lo[k] + t * (hi[k] - lo[k])
            ax.text(
                k - 0.02,
                t,
                format_value(value),
                ha="right",
                va="center",
                fontsize=8,
                color="0.2",
                zorder=7,
                bbox={
                    "boxstyle": "round,pad=0.15",
                    "facecolor": "white",
                    "alpha": 0.8,
                    "linewidth": 0,
                },
            )
    ax.set_xlim(-0.3, len(OBJECTIVES) - 0.9)
    ax.set_ylim(-0.04, 1.04)
    ax.set_xticks(x, [objective_label(name, cur).replace(" [", "\n[") for name in OBJECTIVES])
    ax.set_yticks([])
    ax.set_ylabel("Normalised value (0 = best on the axis) [–]")
    for side in ("left", "bottom"):
        ax.spines[side].set_visible(False)
    ax.tick_params(axis="x", length=0)
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8.5, frameon=False)
    ax.set_title("Parallel coordinates of the front (lower is better)")
    return fig

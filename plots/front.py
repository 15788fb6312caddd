"""The Pareto front in 3-D and as its three pairwise projections, with marked points.

A front is a `moo.rundir.Run`, a DataFrame with the objective columns, or an array [S, 3]
(cost, variance, peak_valley). Optionally drawn with it: a reference front (e.g. the exact
one, docs/model.md §10) and `OperatingPoint`s (baselines, AHP choices), each marked and labelled.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.transforms import offset_copy
from mpl_toolkits.mplot3d import proj3d

from models.errors import InputError
from moo.rundir import Run
from plots.points import OperatingPoint
from plots.style import (
    GRID,
    OBJECTIVES,
    TALL,
    look,
    new_figure,
    objective_label,
    styled,
    thousands,
)

FrontLike = Run | pd.DataFrame | np.ndarray
PAIRS = ((0, 1), (0, 2), (1, 2))  # cost–variance, cost–peak-valley, variance–peak-valley
LABEL_SIZE = 8  # points
# Label positions tried around a marked point, in points: right-above first.
_OFFSETS = (
    (7, 5, "left", "bottom"),
    (7, -5, "left", "top"),
    (-7, 5, "right", "bottom"),
    (-7, -5, "right", "top"),
    (0, 12, "center", "bottom"),
    (0, -12, "center", "top"),
)


def objectives_of(front: FrontLike) -> np.ndarray:  # [S, 3]
    """The objective matrix of a run, a front DataFrame or an array."""
    if isinstance(front, Run):
        return front.objectives
    if isinstance(front, pd.DataFrame):
        return front[list(OBJECTIVES)].to_numpy(float)
    f = np.asarray(front, dtype=float)
    if f.ndim != 2 or f.shape[1] != 3:
        raise InputError(f"a front must be [S, 3] (cost, variance, peak_valley), got {f.shape}")
    return f


def currency_of(front: FrontLike, currency: str | None) -> str:
    """The currency for cost labels: the one given, else the run's, else none."""
    if currency is not None:
        return currency
    return front.meta.get("currency", "") if isinstance(front, Run) else ""


def front_label(front: FrontLike) -> str:
    """Legend entry of a front: its algorithm (for a run) and size."""
    n = len(objectives_of(front))
    if isinstance(front, Run):
        return f"Front ({front.meta.get('algorithm', '?')}, {n} solutions)"
    return f"Front ({n} solutions)"


def reference_label(reference: FrontLike, label: str | None) -> str:
    """Legend entry of a reference front: the label given, else "Exact front" or the algorithm."""
    if label is not None:
        return label
    if isinstance(reference, Run):
        algorithm = reference.meta.get("algorithm", "?")
        return "Exact front" if algorithm == "exact" else f"Reference front ({algorithm})"
    return look("reference").label


def _label_offsets(ax: Axes, xy_px: np.ndarray, labels: Sequence[str]) -> list[tuple]:
    """An offset (dx, dy, ha, va) per point label so labels do not overlap (greedy).

    ``xy_px`` [P, 2] are the points in display pixels; label sizes are estimated from the
    character count, which is enough to keep neighbouring labels apart.
    """
    px = ax.figure.dpi / 72.0
    placed: list[tuple[float, float, float, float]] = []
    chosen = []
    for (x, y), text in zip(xy_px, labels, strict=True):
        w, h = 0.6 * LABEL_SIZE * len(text) * px, 1.3 * LABEL_SIZE * px
        for dx, dy, ha, va in _OFFSETS:
            x0 = x + dx * px - {"left": 0.0, "center": w / 2, "right": w}[ha]
            y0 = y + dy * px - (h if va == "top" else 0.0)
            box = (x0, y0, x0 + w, y0 + h)
            if not any(
                box[0] < b[2] and b[0] < box[2] and box[1] < b[3] and b[1] < box[3] for b in placed
            ):
                break
        placed.append(box)
        chosen.append((dx, dy, ha, va))
    return chosen


@styled
def front_3d(
    front: FrontLike,
    *,
    points: Sequence[OperatingPoint] = (),
    reference: FrontLike | None = None,
    reference_name: str | None = None,
    currency: str | None = None,
) -> Figure:
    """The front as a 3-D scatter of cost, variance and peak-to-valley."""
    f = objectives_of(front)
    cur = currency_of(front, currency)
    fig = new_figure(TALL)
    ax = fig.add_subplot(projection="3d")
    ax.scatter(
        f[:, 0],
        f[:, 1],
        f[:, 2],
        s=14,
        color=look("front").color,
        alpha=0.8,
        label=front_label(front),
        depthshade=False,
    )
    if reference is not None:
        r = objectives_of(reference)
        ax.scatter(
            r[:, 0],
            r[:, 1],
            r[:, 2],
            s=22,
            marker=look("reference").marker,
            color=look("reference").color,
            linewidths=0.9,
            label=reference_label(reference, reference_name),
            depthshade=False,
        )
    for p in points:
        lk = look(p.key)
        ax.scatter(
            *p.objectives,
            s=130,
            marker=lk.marker,
            color=lk.color,
            edgecolors="black",
            linewidths=0.7,
            label=p.label,
            depthshade=False,
        )
    if points:
        xyz = np.array([p.objectives for p in points])  # [P, 3]
        x2, y2, _ = proj3d.proj_transform(*xyz.T, ax.get_proj())
        xy_px = ax.transData.transform(np.column_stack([x2, y2]))
        offsets = _label_offsets(ax, xy_px, [p.label for p in points])
        for p, (dx, dy, ha, va) in zip(points, offsets, strict=True):
            ax.text(
                *p.objectives,
                p.label,
                fontsize=LABEL_SIZE,
                ha=ha,
                va=va,
                zorder=10,
                transform=offset_copy(ax.transData, fig=fig, x=dx, y=dy, units="points"),
            )
    for k, setter in enumerate((ax.set_xlabel, ax.set_ylabel, ax.set_zlabel)):
        setter(objective_label(OBJECTIVES[k], cur), labelpad=12)
    every = np.vstack([f, *(p.objectives for p in points)])
    for k, axis in enumerate((ax.xaxis, ax.yaxis, ax.zaxis)):
        thousands(axis, every[:, k])
    ax.view_init(elev=22, azim=-58)
    ax.set_box_aspect(None, zoom=0.88)
    ax.set_title("Pareto front: cost, net-load variance, peak-to-valley (all minimised)")
    ax.legend(loc="upper left", fontsize=8)
    return fig


@styled
def front_projections(
    front: FrontLike,
    *,
    points: Sequence[OperatingPoint] = (),
    reference: FrontLike | None = None,
    reference_name: str | None = None,
    currency: str | None = None,
) -> Figure:
    """The front projected onto each pair of objectives, with a shared legend panel."""
    f = objectives_of(front)
    cur = currency_of(front, currency)
    fig = new_figure((9.0, 7.5))
    axes = fig.subplots(2, 2).ravel()
    every = np.vstack([f, *(p.objectives for p in points)])
    for ax, (i, j) in zip(axes, PAIRS, strict=False):
        ax.scatter(
            f[:, i], f[:, j], s=12, color=look("front").color, alpha=0.8, label=front_label(front)
        )
        if reference is not None:
            r = objectives_of(reference)
            ax.scatter(
                r[:, i],
                r[:, j],
                s=20,
                marker=look("reference").marker,
                color=look("reference").color,
                linewidths=0.9,
                label=reference_label(reference, reference_name),
            )
        for p in points:
            lk = look(p.key)
            ax.scatter(
                p.objectives[i],
                p.objectives[j],
                s=110,
                marker=lk.marker,
                color=lk.color,
                edgecolors="black",
                linewidths=0.7,
                zorder=5,
                label=p.label,
            )
        if points:
            ax.autoscale_view()
            xy = np.array([(p.objectives[i], p.objectives[j]) for p in points])  # [P, 2]
            offsets = _label_offsets(ax, ax.transData.transform(xy), [p.label for p in points])
            for p, (x, y), (dx, dy, ha, va) in zip(points, xy, offsets, strict=True):
                ax.annotate(
                    p.label,
                    (x, y),
                    xytext=(dx, dy),
                    textcoords="offset points",
                    ha=ha,
                    va=va,
                    fontsize=LABEL_SIZE,
                    zorder=6,
                )
        ax.set_xlabel(objective_label(OBJECTIVES[i], cur))
        ax.set_ylabel(objective_label(OBJECTIVES[j], cur))
        thousands(ax.xaxis, every[:, i])
        thousands(ax.yaxis, every[:, j])
        ax.grid(**GRID)
    legend_ax = axes[3]
    legend_ax.axis("off")
    handles, labels = axes[0].get_legend_handles_labels()
    legend_ax.legend(
        handles,
        labels,
        loc="center",
        fontsize=9,
        frameon=False,
        title="All objectives minimised",
        title_fontsize=9,
    )
    fig.suptitle("Pareto front: pairwise projections")
    return fig

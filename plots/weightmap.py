"""The AHP weight map: which front point every weight vector picks, on a ternary diagram.

Input is a selection file's ``sensitivity`` object (`moo.decision.sensitivity`): the weight
vectors of a simplex lattice and the ``solution`` each picks, the experts' own weights and
the nearest weight vector at which the pick changes. Each lattice point is coloured by the
solution it selects (neighbouring regions get different colours from a qualitative cycle;
a colour names a region, not a value); the mode's weights are a star, the kept experts
circles, the nearest flip a cross. Vertex ``k`` of the triangle is all weight on objective
``k``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
from matplotlib import colormaps
from matplotlib.figure import Figure

from models.errors import InputError
from plots.style import TALL, new_figure, styled

_NAMES = {"cost": "cost", "variance": "variance", "peak_valley": "peak-to-valley"}


def ternary_xy(weights) -> np.ndarray:  # [G, 2]
    """Plane coordinates of weight vectors [G, 3]: vertices (0, 0), (1, 0), (1/2, sqrt3/2)."""
    w = np.atleast_2d(np.asarray(weights, float))
    return np.column_stack([w[:, 1] + 0.5 * w[:, 2], (np.sqrt(3.0) / 2.0) * w[:, 2]])


def _vector(named: Mapping[str, float], order) -> np.ndarray:
    return np.array([float(named[k]) for k in order])


@styled
def weight_map(selection: Mapping[str, Any]) -> Figure:
    """Ternary map of the picks of a selection's weight lattice, mode and experts marked."""
    sens = selection.get("sensitivity")
    if not isinstance(sens, Mapping) or "weight_map" not in sens:
        raise InputError("selection has no weight map (run `v2g-pareto select` again)")
    wmap = sens["weight_map"]
    order = list(wmap["objectives"])
    grid = np.asarray(wmap["weights"], float)  # [G, 3]
    picks = np.asarray(wmap["solution"])  # [G]
    fig = new_figure(TALL)
    ax = fig.add_subplot()
    # Regions in order of first appearance along the lattice, so colours are stable.
    ids, first = np.unique(picks, return_index=True)
    region = {int(s): k for k, s in enumerate(ids[np.argsort(first)])}
    cmap = colormaps["tab20"]
    colours = [cmap(region[int(s)] % cmap.N) for s in picks]
    xy = ternary_xy(grid)
    ax.scatter(xy[:, 0], xy[:, 1], c=colours, s=9, marker="h", linewidths=0)
    ax.plot([0, 1, 0.5, 0], [0, 0, np.sqrt(3) / 2, 0], color="0.3", linewidth=0.8)
    for (x, y), name, align in zip(
        ternary_xy(np.eye(3)),
        order,
        (("right", "top"), ("left", "top"), ("center", "bottom")),
        strict=True,
    ):
        ax.annotate(
            f"all {_NAMES.get(name, name)}",
            (x, y),
            ha=align[0],
            va=align[1],
            fontsize=9,
            xytext=(0, -4 if align[1] == "top" else 4),
            textcoords="offset points",
        )
    mode_xy = ternary_xy(_vector(selection["weights"], order))[0]
    ax.scatter(
        *mode_xy,
        marker="*",
        s=260,
        color="black",
        edgecolors="white",
        zorder=5,
        label=f"{selection.get('mode', 'mode')} weights -> solution {_solution_id(selection)}",
    )
    for e in sens.get("experts", []):
        exy = ternary_xy(_vector(e["weights"], order))[0]
        ax.scatter(*exy, marker="o", s=50, facecolors="white", edgecolors="black", zorder=4)
        ax.annotate(e["name"], exy, xytext=(5, 3), textcoords="offset points", fontsize=8)
    if sens.get("flip_weights"):
        fxy = ternary_xy(_vector(sens["flip_weights"], order))[0]
        ax.scatter(
            *fxy,
            marker="X",
            s=70,
            color="black",
            zorder=4,
            label=f"nearest change (L1 {sens['min_l1_change']:.3g}) -> solution "
            f"{sens['flip_solution']}",
        )
    ax.scatter(
        [],
        [],
        marker="o",
        s=50,
        facecolors="white",
        edgecolors="black",
        label="kept experts' own weights",
    )
    ax.set_aspect("equal")
    ax.set_xlim(-0.08, 1.08)
    ax.set_ylim(-0.1, 0.95)
    ax.axis("off")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, 0.0), frameon=False)
    ax.set_title(
        f"Weight map ({selection.get('method', 'weighted-sum')}): {len(ids)} distinct picks "
        f"over {len(grid)} weight vectors, step {wmap.get('step')}"
    )
    return fig


def _solution_id(selection: Mapping[str, Any]):
    sol = selection.get("solution")
    return sol.get("solution") if isinstance(sol, Mapping) else sol

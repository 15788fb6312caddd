"""24-h net-load curves of several schedules over the ToU price bands, with base load and PV.

Always drawn: the base load, the base load minus PV (the net load with no EVs and an idle
BESS) and the PV output as a filled area; then one step curve per schedule given. The
background is shaded by buy-price level (legend on the left, or a price axis when the
prices are not a few ToU levels).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from matplotlib.figure import Figure

from models.scenario import Scenario
from plots.points import OperatingPoint
from plots.style import GRID, look, new_figure, styled
from plots.timeaxis import clock_axis, price_bands, slot_edges_h, step

Curves = Sequence[OperatingPoint] | Mapping[str, np.ndarray]


def _curves(schedules: Curves) -> list[tuple[str, str, np.ndarray]]:
    """(look key, label, net load [T]) of each schedule; a mapping's keys are both."""
    if isinstance(schedules, Mapping):
        return [(k, look(k).label, np.asarray(v, dtype=float)) for k, v in schedules.items()]
    missing = [p.label for p in schedules if not p.has_schedule]
    if missing:
        raise ValueError(f"no net load known for {', '.join(missing)}")
    return [(p.key, p.label, p.net_load_kw) for p in schedules]


@styled
def net_load(scenario: Scenario, schedules: Curves = (), *, title: str | None = None) -> Figure:
    """Net load of each schedule over the day, on the scenario's price bands."""
    g = scenario.grid
    fig = new_figure((8.0, 5.6))
    ax = fig.add_subplot()
    bands = price_bands(ax, scenario)
    edges = slot_edges_h(scenario)
    pv = look("pv")
    ax.fill_between(
        edges,
        np.append(g.pv_kw, g.pv_kw[-1]),
        step="post",
        color=pv.color,
        alpha=0.55,
        linewidth=0,
        label=pv.label,
        zorder=1,
    )
    for key in ("base_load", "net_base"):
        lk = look(key)
        values = g.base_load_kw if key == "base_load" else g.net_base_kw
        step(
            ax,
            scenario,
            values,
            color=lk.color,
            linestyle=lk.linestyle,
            linewidth=1.3,
            label=lk.label,
            zorder=2,
        )
    for key, label, values in _curves(schedules):
        if values.shape != (scenario.slots,):
            raise ValueError(
                f"{label}: net load has shape {values.shape}, expected ({scenario.slots},)"
            )
        lk = look(key)
        step(
            ax,
            scenario,
            values,
            color=lk.color,
            linestyle=lk.linestyle,
            linewidth=1.9,
            label=label,
            zorder=3,
        )
    clock_axis(ax, scenario)
    ax.axhline(0.0, color="0.4", linewidth=0.6, zorder=1)
    ax.set_ylabel("Power at the grid connection [kW]")
    ax.grid(axis="y", **GRID)
    handles, labels = ax.get_legend_handles_labels()
    order = [1, 2, 0, *range(3, len(handles))]  # base load, base load − PV, PV, schedules
    fig.legend(
        [handles[k] for k in order],
        [labels[k] for k in order],
        loc="outside lower center",
        ncols=4,
        frameon=False,
    )
    if bands:
        ax.legend(handles=bands, title="Buy price", loc="upper left", framealpha=0.9)
    ax.set_title(title or f"Net load over the day — {scenario.name}")
    return fig

"""The 24-h time axis of a scenario: clock-time ticks, per-slot steps and ToU price bands.

The x coordinate of every time plot is hours since the horizon start (0 .. 24), so a day
that starts at ``start_hour`` != 0 still reads left to right; the tick labels show clock
time. Slot values (powers, prices) are averages over the slot and are drawn as steps.
"""

from __future__ import annotations

import numpy as np
from matplotlib.axes import Axes
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from models.scenario import Scenario

MAX_PRICE_BANDS = 6  # more distinct prices than this are drawn as a price curve instead
TICK_STEP_H = 3


def slot_edges_h(scenario: Scenario) -> np.ndarray:  # [T+1] h since the horizon start
    return np.arange(scenario.slots + 1) * scenario.dt_h


def step(ax: Axes, scenario: Scenario, values: np.ndarray, **kwargs) -> Line2D:
    """Draw per-slot values [T] as a step curve over the slots."""
    values = np.asarray(values, dtype=float)
    (line,) = ax.step(slot_edges_h(scenario), np.append(values, values[-1]), where="post", **kwargs)
    return line


def clock_axis(ax: Axes, scenario: Scenario) -> None:
    """X axis over the 24-h horizon with clock-time ticks every few hours."""
    start = scenario.time.start_hour
    first = (-start) % TICK_STEP_H
    ticks = np.arange(first, 24.0 + 1e-9, TICK_STEP_H)
    ax.set_xlim(0.0, 24.0)
    ax.set_xticks(ticks, [f"{round(start + x) % 24:02d}:00" for x in ticks])
    ax.set_xlabel("Time of day [h]")


def _runs(values: np.ndarray) -> list[tuple[int, int]]:
    """Maximal runs ``[start, end)`` of equal consecutive values."""
    cuts = np.flatnonzero(np.diff(values) != 0) + 1
    bounds = np.concatenate([[0], cuts, [len(values)]])
    return list(zip(bounds[:-1].tolist(), bounds[1:].tolist(), strict=True))


def price_bands(ax: Axes, scenario: Scenario) -> list[Patch]:
    """Shade the background by buy-price level, darker for dearer; returns legend handles.

    With more than `MAX_PRICE_BANDS` distinct prices (e.g. real-time prices) the bands get a
    continuous grey scale and the price is drawn on a twin axis instead of a legend; the
    returned list is then empty.
    """
    price = np.round(scenario.grid.price_buy, 9)  # [T] currency/kWh
    levels = np.unique(price)
    rank = np.searchsorted(levels, price)
    span = max(len(levels) - 1, 1)
    shades = [str(0.95 - 0.15 * k / span) for k in range(len(levels))]  # grey levels
    edges = slot_edges_h(scenario)
    for a, b in _runs(rank):
        ax.axvspan(edges[a], edges[b], color=shades[rank[a]], linewidth=0, zorder=0)
    unit = f"{scenario.currency}/kWh" if scenario.currency else "currency/kWh"
    if len(levels) > MAX_PRICE_BANDS:
        twin = ax.twinx()
        step(twin, scenario, scenario.grid.price_buy, color="0.35", linewidth=1.0)
        twin.set_ylabel(f"Buy price [{unit}]")
        twin.spines["right"].set_visible(True)
        return []
    return [
        Patch(facecolor=shades[k], edgecolor="0.6", linewidth=0.5, label=f"{p:.2f} {unit}")
        for k, p in reversed(list(enumerate(levels)))
    ]

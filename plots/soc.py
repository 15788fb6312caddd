"""State of charge over the day for one schedule: the fleet (mean, 10–90 % band, a few
vehicles) and the BESS.

Energies are recomputed from the powers with `moo.problems.feasibility.energy_trajectory`
(docs/model.md §4 dynamics), so the figure shows what the schedule does, not what an
optimiser believed. A vehicle's SOC is drawn only while it is plugged in, from its arrival
to its departure instant; the statistics at an instant are over the vehicles plugged in then.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from matplotlib.figure import Figure

from models.scenario import Scenario
from moo.problems.feasibility import energy_trajectory
from plots.style import GRID, TALL, WIDE, look, new_figure, styled
from plots.timeaxis import clock_axis, slot_edges_h

EXAMPLE_STYLES = ("--", ":", "-.", (0, (5, 1, 1, 1, 1, 1)))
EXAMPLE_COLORS = ("0.15", "0.35", "0.5", "0.25")


def fleet_soc(scenario: Scenario, ev_power_kw: np.ndarray) -> np.ndarray:  # [N, T+1]
    """SOC of each vehicle at each slot boundary, NaN outside its stay (before arrival and
    after departure)."""
    f = scenario.fleet
    energy = energy_trajectory(
        f.soc_init * f.capacity_kwh,
        np.asarray(ev_power_kw, float),
        f.eta_charge,
        f.eta_discharge,
        scenario.dt_h,
    )  # [N, T+1] kWh
    soc = energy / f.capacity_kwh[:, None]
    k = np.arange(scenario.slots + 1)
    present = (k >= f.arrival_slot[:, None]) & (k <= f.departure_slot[:, None])
    return np.where(present, soc, np.nan)


def bess_soc(scenario: Scenario, bess_power_kw: np.ndarray | None) -> np.ndarray:  # [T+1]
    """SOC of the BESS at each slot boundary (an idle BESS when no power is given)."""
    b = scenario.bess
    power = np.zeros(scenario.slots) if bess_power_kw is None else np.asarray(bess_power_kw)
    energy = energy_trajectory(
        np.array(b.soc_init * b.capacity_kwh),
        power,
        np.array(b.eta_charge),
        np.array(b.eta_discharge),
        scenario.dt_h,
    )
    return energy / b.capacity_kwh


def example_vehicles(scenario: Scenario, count: int = 4) -> np.ndarray:
    """A few vehicles spread over the arrival order: early, middle and late arrivals."""
    order = np.argsort(scenario.fleet.arrival_slot, kind="stable")
    picks = np.unique(np.linspace(0, len(order) - 1, min(count, len(order))).round())
    return order[picks.astype(int)]


def _clock(scenario: Scenario, slot: int) -> str:
    """Clock time ``HH:MM`` of a slot boundary."""
    minutes = round((scenario.time.start_hour + slot * scenario.dt_h) * 60) % (24 * 60)
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


@styled
def soc(
    scenario: Scenario,
    ev_power_kw: np.ndarray,
    bess_power_kw: np.ndarray | None = None,
    *,
    label: str = "",
    vehicles: Sequence[int] | None = None,
) -> Figure:
    """Fleet SOC (mean and 10–90 % band over plugged vehicles, a few vehicles) and BESS SOC.

    ``ev_power_kw`` is [N, T], ``bess_power_kw`` [T]; ``vehicles`` picks the individual
    vehicles drawn (default: four spread over the arrival order).
    """
    f = scenario.fleet
    soc_pct = 100.0 * fleet_soc(scenario, ev_power_kw)  # [N, T+1]
    edges = slot_edges_h(scenario)
    has_bess = scenario.bess is not None
    fig = new_figure(TALL if has_bess else WIDE)
    if has_bess:
        ax, ax_b = fig.subplots(2, 1, sharex=True, height_ratios=(2.2, 1.0))
    else:
        ax, ax_b = fig.add_subplot(), None

    seen = (~np.isnan(soc_pct)).any(axis=0)  # [T+1] some vehicle plugged in
    lo, hi, mean = (np.full(len(edges), np.nan) for _ in range(3))
    lo[seen], hi[seen] = np.nanpercentile(soc_pct[:, seen], [10, 90], axis=0)
    mean[seen] = np.nanmean(soc_pct[:, seen], axis=0)
    ev = look("ev_soc")
    ax.fill_between(
        edges, lo, hi, color=ev.color, alpha=0.2, linewidth=0, label="10–90 % of plugged EVs"
    )
    ax.plot(edges, mean, color=ev.color, linewidth=2.2, label="Mean of plugged EVs")
    picks = example_vehicles(scenario) if vehicles is None else np.asarray(vehicles, int)
    for n, i in enumerate(picks):
        style = EXAMPLE_STYLES[n % len(EXAMPLE_STYLES)]
        color = EXAMPLE_COLORS[n % len(EXAMPLE_COLORS)]
        a, d = int(f.arrival_slot[i]), int(f.departure_slot[i])
        ax.plot(
            edges,
            soc_pct[i],
            color=color,
            linestyle=style,
            linewidth=1.2,
            label=f"EV {i} ({_clock(scenario, a)}–{_clock(scenario, d)})",
        )
        ax.plot(edges[d], soc_pct[i, d], marker="o", markersize=4, color=color)
    target = 100.0 * np.median(f.soc_target)
    ax.axhline(
        target,
        color="0.3",
        linewidth=0.8,
        linestyle=(0, (2, 2)),
        label=f"Median target ({target:.0f} %)",
    )
    ax.set_ylim(0, 100)
    ax.set_ylabel("EV state of charge [%]")
    ax.grid(**GRID)
    ax.legend(loc="lower right", fontsize=8, ncols=2, framealpha=0.9)
    ax.set_title(f"State of charge — {label}" if label else "State of charge")

    if ax_b is not None:
        b = scenario.bess
        bl = look("bess_soc")
        ax_b.plot(
            edges,
            100.0 * bess_soc(scenario, bess_power_kw),
            color=bl.color,
            linewidth=2.0,
            label=bl.label,
        )
        ax_b.axhspan(
            100 * b.soc_min,
            100 * b.soc_max,
            color=bl.color,
            alpha=0.08,
            linewidth=0,
            label=f"Allowed ({100 * b.soc_min:.0f}–{100 * b.soc_max:.0f} %)",
        )
        ax_b.set_ylim(0, 100)
        ax_b.set_ylabel("BESS SOC [%]")
        ax_b.grid(**GRID)
        ax_b.legend(loc="lower right", fontsize=8, framealpha=0.9)
    clock_axis(ax_b if ax_b is not None else ax, scenario)
    return fig

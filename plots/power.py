"""Charge and discharge power per slot for one schedule: the EV fleet, and the BESS apart.

Bars are grid-side power summed over the fleet, charging upwards and discharging (V2G)
downwards, so a slot where some vehicles charge while others discharge shows both; the
line is the fleet's net power. The BESS gets its own panel on the same scale. The
background is shaded by buy-price level, as in the net-load figure.
"""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from models.scenario import Scenario
from plots.style import GRID, TALL, WIDE, look, new_figure, styled
from plots.timeaxis import clock_axis, price_bands, slot_edges_h, step


def _bars(
    ax, scenario: Scenario, charge_kw: np.ndarray, discharge_kw: np.ndarray, keys: tuple[str, str]
) -> None:
    """Charge bars [T] upwards and discharge bars [T] (>= 0) downwards, one per slot."""
    left = slot_edges_h(scenario)[:-1]
    for key, values in zip(keys, (charge_kw, -discharge_kw), strict=True):
        lk = look(key)
        ax.bar(
            left,
            values,
            width=scenario.dt_h,
            align="edge",
            color=lk.color,
            edgecolor="none",
            label=lk.label,
            zorder=2,
        )
    ax.axhline(0.0, color="0.3", linewidth=0.7, zorder=3)


@styled
def power(
    scenario: Scenario,
    ev_power_kw: np.ndarray,
    bess_power_kw: np.ndarray | None = None,
    *,
    label: str = "",
) -> Figure:
    """EV charge/discharge power stacked per slot (``ev_power_kw`` [N, T]); BESS [T] below."""
    ev = np.asarray(ev_power_kw, dtype=float)
    has_bess = scenario.bess is not None
    fig = new_figure(TALL if has_bess else WIDE)
    if has_bess:
        ax, ax_b = fig.subplots(2, 1, sharex=True, sharey=True, height_ratios=(1.6, 1.0))
    else:
        ax, ax_b = fig.add_subplot(), None

    bands = price_bands(ax, scenario)
    _bars(
        ax,
        scenario,
        np.maximum(ev, 0.0).sum(axis=0),
        np.maximum(-ev, 0.0).sum(axis=0),
        ("ev_charge", "ev_discharge"),
    )
    step(ax, scenario, ev.sum(axis=0), color="black", linewidth=1.0, label="EV net", zorder=4)
    ax.set_ylabel("EV power [kW]\n(+ charge, − discharge)")
    ax.grid(axis="y", **GRID)
    handles, labels = ax.get_legend_handles_labels()
    ax.legend(
        handles + bands,
        labels + [f"Buy {p.get_label()}" for p in bands],
        loc="upper left",
        bbox_to_anchor=(1.0, 1.0),
        fontsize=8,
        frameon=False,
    )
    title = "EV and BESS power per slot" if has_bess else "EV power per slot"
    ax.set_title(f"{title} — {label}" if label else title)

    if ax_b is not None:
        price_bands(ax_b, scenario)
        bess = np.zeros(scenario.slots) if bess_power_kw is None else np.asarray(bess_power_kw)
        _bars(
            ax_b,
            scenario,
            np.maximum(bess, 0.0),
            np.maximum(-bess, 0.0),
            ("bess_charge", "bess_discharge"),
        )
        ax_b.set_ylabel("BESS power [kW]\n(+ charge, − discharge)")
        ax_b.grid(axis="y", **GRID)
        ax_b.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8, frameon=False)
    clock_axis(ax_b if ax_b is not None else ax, scenario)
    return fig

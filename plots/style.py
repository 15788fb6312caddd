"""The look shared by every figure: palette, per-schedule colours and labels, units, sizes.

Colours come from the Okabe–Ito palette (safe for the common colour-vision deficiencies),
and every schedule keeps its colour, line style and marker across figures: uncoordinated
charging is always vermillion, the Economy point always blue, and so on. Line styles and
markers differ as well, so the figures also read in grey scale.

Figures are built as bare `matplotlib.figure.Figure` objects on an Agg canvas: nothing here
touches pyplot or needs a display, and callers compose or save the figures as they like.
"""

from __future__ import annotations

import functools
import zlib
from dataclasses import dataclass

import matplotlib as mpl
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import StrMethodFormatter

OKABE_ITO = {
    "black": "#000000",
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "purple": "#CC79A7",
    "grey": "#999999",
}
_C = OKABE_ITO


@dataclass(frozen=True)
class Look:
    """How one schedule or series is drawn: colour, legend label, line style and marker."""

    color: str
    label: str
    linestyle: str = "-"
    marker: str = "o"


LOOKS: dict[str, Look] = {
    # the site without EVs
    "base_load": Look(_C["grey"], "Base load", ":", ""),
    "net_base": Look(_C["black"], "Base load − PV", "-", ""),
    "pv": Look(_C["yellow"], "PV", "-", ""),
    # schedules
    "uncoordinated": Look(_C["vermillion"], "Uncoordinated", "-", "s"),
    "ordered": Look(_C["purple"], "Ordered", "--", "D"),
    "economy": Look(_C["blue"], "Economy (AHP)", "-", "*"),
    "response": Look(_C["green"], "Response (AHP)", "-.", "P"),
    "min-cost": Look(_C["blue"], "Min cost", "-", "v"),
    "min-variance": Look(_C["green"], "Min variance", "-.", "^"),
    "solution": Look(_C["blue"], "Solution", "-", "o"),
    # fronts
    "front": Look(_C["sky_blue"], "Front", "", "o"),
    "reference": Look(_C["black"], "Reference front", "", "x"),
    # power flows and storage
    "ev_charge": Look(_C["blue"], "EV charging", "-", ""),
    "ev_discharge": Look(_C["vermillion"], "EV discharging (V2G)", "-", ""),
    "bess_charge": Look(_C["sky_blue"], "BESS charging", "-", ""),
    "bess_discharge": Look(_C["orange"], "BESS discharging", "-", ""),
    "ev_soc": Look(_C["blue"], "EV SOC", "-", ""),
    "bess_soc": Look(_C["orange"], "BESS SOC", "-", ""),
}

# Colours for series without an entry above (other AHP modes, other algorithms), and the
# order in which convergence curves of several runs take their colours.
CYCLE = (
    _C["blue"],
    _C["vermillion"],
    _C["green"],
    _C["orange"],
    _C["purple"],
    _C["sky_blue"],
    _C["black"],
    _C["grey"],
)
_OTHER_STYLES = ("-", "--", "-.", ":")
_OTHER_MARKERS = ("o", "h", "p", "X")


def look(key: str) -> Look:
    """The look of a series; an unknown key gets a stable colour derived from its name."""
    if key in LOOKS:
        return LOOKS[key]
    h = zlib.crc32(key.encode())
    return Look(
        CYCLE[h % len(CYCLE)],
        key,
        _OTHER_STYLES[h % len(_OTHER_STYLES)],
        _OTHER_MARKERS[h % len(_OTHER_MARKERS)],
    )


OBJECTIVES = ("cost", "variance", "peak_valley")
_OBJECTIVE_NAMES = {
    "cost": "Cost",
    "variance": "Net-load variance",
    "peak_valley": "Peak-to-valley",
}


def objective_unit(name: str, currency: str) -> str:
    """Unit of an objective: the currency, kW² or kW."""
    return {"cost": currency or "currency", "variance": "kW²", "peak_valley": "kW"}[name]


def objective_label(name: str, currency: str) -> str:
    """Axis label of an objective with its unit, e.g. ``Cost [USD]``."""
    return f"{_OBJECTIVE_NAMES[name]} [{objective_unit(name, currency)}]"


def thousands(ax_axis, values: np.ndarray) -> None:
    """Thousands separators on an axis whose values reach 1000 (variances, costs)."""
    values = np.asarray(values, dtype=float)
    if values.size and np.nanmax(np.abs(values)) >= 1000:
        ax_axis.set_major_formatter(StrMethodFormatter("{x:,.0f}"))


def format_value(value: float) -> str:
    """A tick or annotation number: separators for large values, 3 significant digits else."""
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.3g}"


DPI = 110  # 8 x 5 in -> 880 x 550 px: readable at 100 % zoom, small PNGs
WIDE = (8.0, 5.0)
TALL = (8.0, 6.5)
TICK_SIZE = 9
GRID = {"alpha": 0.3, "linewidth": 0.6}

RC = {
    "font.size": 10,
    "axes.titlesize": 11,
    "axes.labelsize": 10,
    "legend.fontsize": 8.5,
    "legend.title_fontsize": 8.5,
    "xtick.labelsize": TICK_SIZE,
    "ytick.labelsize": TICK_SIZE,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "lines.linewidth": 1.6,
    "figure.dpi": DPI,
    "savefig.dpi": DPI,
}


def new_figure(size: tuple[float, float] = WIDE) -> Figure:
    """An empty figure on an Agg canvas with constrained layout (no pyplot, no display)."""
    fig = Figure(figsize=size, dpi=DPI, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def styled(build):
    """Build a figure under the package's rc settings (fonts, line widths, spines)."""

    @functools.wraps(build)
    def wrapper(*args, **kwargs) -> Figure:
        with mpl.rc_context(RC):
            fig = build(*args, **kwargs)
            # Ticks are created lazily at draw time, after the rc context has closed.
            for ax in fig.axes:
                ax.tick_params(labelsize=TICK_SIZE)
        return fig

    return wrapper

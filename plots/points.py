"""The named operating points a figure marks or draws: baselines, AHP choices, front extremes.

An `OperatingPoint` carries the three objectives and, when the run directory it came from
holds them, the schedule (EV and BESS powers, net load). Where they come from:

- baselines: baseline run directories (``meta["algorithm"]`` ``uncoordinated`` or
  ``ordered``), else the objective values a front run keeps in ``meta["baselines"]``
  (points only, no schedule);
- kept decisions: the ``selection-<name>.json`` files `v2g-pareto select` writes into a
  front run (AHP modes, and the picks kept with ``--save``), read by the strict reader
  (`moo.rundir.selection`): a selection of another run, or whose objectives do not match
  its front row any more, is an error, not silently a different point;
- without selections, the front's minimum-cost and minimum-variance solutions.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from moo.rundir import Run
from moo.rundir.selection import Saved
from moo.rundir.selection import read_selections as read_saved
from plots.style import OBJECTIVES, look

BASELINES = ("uncoordinated", "ordered")
MODE_ORDER = ("economy", "response")  # other modes follow in name order


@dataclass(frozen=True, eq=False)
class OperatingPoint:
    """A named schedule: its objectives and, if known, its powers and net load."""

    key: str  # look key in `plots.style.LOOKS` (or any name: it then gets its own colour)
    label: str
    objectives: np.ndarray  # [3] cost, variance, peak_valley
    net_load_kw: np.ndarray | None = None  # [T]
    ev_power_kw: np.ndarray | None = None  # [N, T]
    bess_power_kw: np.ndarray | None = None  # [T]
    solution: int | None = None  # the ``solution`` id in the run's front.csv

    @property
    def has_schedule(self) -> bool:
        return self.net_load_kw is not None


def solution_point(run: Run, row: int, key: str, label: str | None = None) -> OperatingPoint:
    """Row ``row`` of a run's front with its schedule."""
    sched = run.schedules
    bess = sched.get("bess_power")
    return OperatingPoint(
        key=key,
        label=look(key).label if label is None else label,
        objectives=run.objectives[row],
        net_load_kw=sched["net_load"][row],
        ev_power_kw=run.ev_power(row),
        bess_power_kw=None if bess is None else bess[row],
        solution=int(run.front["solution"].iloc[row]),
    )


def baseline_points(run: Run | None, baselines: Sequence[Run] = ()) -> list[OperatingPoint]:
    """Baselines from baseline runs, else from ``run.meta["baselines"]`` (objectives only)."""
    points = [solution_point(b, 0, b.meta["algorithm"]) for b in baselines]
    if points or run is None:
        return points
    stored = run.meta.get("baselines")
    if not isinstance(stored, dict):
        return []
    for key in BASELINES:
        values = stored.get(key)
        if isinstance(values, dict) and all(k in values for k in OBJECTIVES):
            objectives = np.array([float(values[k]) for k in OBJECTIVES])
            points.append(OperatingPoint(key, look(key).label, objectives))
    return points


def read_selections(run: Run) -> dict[str, Saved]:
    """The kept decisions of a run (`moo.rundir.selection`), Economy and Response first."""
    found = read_saved(run)
    order = [m for m in MODE_ORDER if m in found] + sorted(set(found) - set(MODE_ORDER))
    return {m: found[m] for m in order}


def selected_points(run: Run) -> list[OperatingPoint]:
    """The kept decisions of a front run as points (empty when nothing was selected)."""
    points = []
    for name, saved in read_selections(run).items():
        if name in MODE_ORDER:
            label = look(name).label
        elif saved.decision == "ahp":
            label = f"{name.capitalize()} (AHP)"
        else:
            label = f"{name} ({saved.decision})"
        points.append(solution_point(run, saved.row, name, label))
    return points


def extreme_points(run: Run) -> list[OperatingPoint]:
    """The minimum-cost and minimum-variance solutions of a front."""
    f = run.objectives
    return [
        solution_point(run, int(np.argmin(f[:, 0])), "min-cost"),
        solution_point(run, int(np.argmin(f[:, 1])), "min-variance"),
    ]


def same_site(run: Run, other: Run) -> bool:
    """True when two runs schedule the same fleet on the same grid (same scenario arrays)."""
    a, b = run.scenario, other.scenario
    pairs = ((a.grid.to_frame(), b.grid.to_frame()), (a.fleet.to_frame(), b.fleet.to_frame()))
    return all(_same_table(x, y) for x, y in pairs)


def _same_table(x, y) -> bool:
    """Same columns; numbers equal to 1e-9 relative, anything else (session ids) exactly."""
    if list(x.columns) != list(y.columns) or x.shape != y.shape:
        return False
    numeric = list(x.select_dtypes("number").columns)
    other = [c for c in x.columns if c not in numeric]
    return np.allclose(x[numeric].to_numpy(float), y[numeric].to_numpy(float), rtol=1e-9) and (
        x[other].astype(str).equals(y[other].astype(str))
    )

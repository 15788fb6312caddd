"""Out-of-sample evaluation: every plan of a front on N realised days (docs/model.md §12).

Realisations are drawn one at a time and forgotten once their measures are taken, so the
memory held is the result table (S·N rows) plus one realised day; `evaluate_chunk` is the
unit of work a Dask task runs (`moo.uncertainty.distributed`).

Risk summary per solution, for each of `RISK_MEASURES`: the mean, the sample standard
deviation (ddof = 1; 0 for one realisation) and CVaR at level α — the mean of the worst
(1 − α) share of the realisations, worst = largest (every measure is minimised). With
m = (1 − α)·N not an integer, the boundary realisation counts with weight m − ⌊m⌋
(Rockafellar & Uryasev's CVaR of the empirical distribution): for 10 values 1..10 and
α = 0.75, m = 2.5 and CVaR = (10 + 9 + 0.5·8) / 2.5 = 9.2. Besides: P(unmet > 0) (the share
of realisations in which some vehicle leaves short of the target its actual stay could
reach), the mean unmet energy, the mean satisfaction and the mean imbalance energy.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from models.errors import InfeasibleScheduleError, InputError
from models.scenario import Scenario
from models.uncertainty import EVALUATION, Realisation, realise
from moo.problems.feasibility import check
from moo.uncertainty.plan import Plans
from moo.uncertainty.recourse import MEASURES, realise_plans, realised_schedules
from moo.util.spec import Spec

RISK_MEASURES = ("cost", "variance", "peak_valley", "imbalance_cost", "total_cost")
DEFAULT_ALPHA = 0.9
# Per-vehicle floats held at once when schedules are kept for the checker (as the writer's
# 2·10⁷ of docs/model.md §9).
CHECK_FLOATS = 20_000_000


@dataclass(frozen=True)
class Draw(Spec):
    """Which realised days, and how they are held: the realisation ``stream``
    (`models.uncertainty.EVALUATION` or ``TRAINING``); ``by_day``: realisation k is the k-th
    day of the scenario's session history (`models.uncertainty.history_dates`) instead of a
    drawn one, so indices 0 .. D-1 evaluate every real day once (ratings are still drawn
    from the stream); ``check_schedules``: every realised schedule is also kept, a bounded
    chunk at a time, and held to `moo.problems.feasibility.check` against the actual
    sessions (`Realisation.checked_scenario`; a violation raises `InfeasibleScheduleError`)."""

    stream: int = EVALUATION
    by_day: bool = False
    check_schedules: bool = False

    def __post_init__(self):
        if isinstance(self.stream, bool) or not isinstance(self.stream, int) or self.stream < 0:
            raise InputError(f"realisation stream must be an integer >= 0, got {self.stream!r}")
        for name in ("by_day", "check_schedules"):
            if not isinstance(getattr(self, name), bool):
                raise InputError(f"{name} must be true or false, got {getattr(self, name)!r}")

    def realise(self, scenario: Scenario, index: int) -> Realisation:
        """Realisation ``index`` of this draw (the day ``index`` of the history when
        ``by_day``)."""
        return realise(scenario, int(index), self.stream, day=int(index) if self.by_day else None)


OUT_OF_SAMPLE = Draw()  # drawn days of the evaluation stream, not checked


@dataclass(frozen=True, eq=False)
class Evaluation:
    """Measures of S plans on N realisations and their per-solution summary."""

    table: pd.DataFrame  # S·N rows: solution, realisation, day, then MEASURES
    summary: pd.DataFrame  # S rows: solution, then `summarise`'s columns
    alpha: float
    draw: Draw


def cvar(values: np.ndarray, alpha: float, axis: int = -1) -> np.ndarray:
    """CVaR_α of samples along ``axis``: the mean of the worst (largest) (1 − α) share, the
    boundary sample weighted (see the module docstring). α in [0, 1); α = 0 is the mean."""
    if not 0.0 <= alpha < 1.0:
        raise InputError(f"CVaR level alpha must be in [0, 1), got {alpha}")
    x = -np.sort(-np.moveaxis(np.asarray(values, float), axis, -1), axis=-1)  # descending
    n = x.shape[-1]
    if n == 0:
        raise InputError("CVaR of no samples")
    m = (1.0 - alpha) * n
    whole = math.floor(m + 1e-12)
    w = np.zeros(n)
    w[:whole] = 1.0
    if whole < n:
        w[whole] = m - whole
    return (x * w).sum(axis=-1) / m


def summarise(table: pd.DataFrame, alpha: float = DEFAULT_ALPHA) -> pd.DataFrame:
    """Per-solution risk summary of a measures table (module docstring)."""
    rows = []
    for sol, g in table.groupby("solution", sort=True):
        row = {"solution": sol, "realisations": len(g)}
        for m in RISK_MEASURES:
            v = g[m].to_numpy()
            row[f"{m}_mean"] = v.mean()
            row[f"{m}_std"] = v.std(ddof=1) if len(v) > 1 else 0.0
            row[f"{m}_cvar"] = float(cvar(v, alpha))
        row["p_unmet"] = float((g["unmet_vehicles"] > 0).mean())
        row["unmet_kwh_mean"] = g["unmet_kwh"].mean()
        row["unmet_request_kwh_mean"] = g["unmet_request_kwh"].mean()
        row["satisfaction_mean"] = g["satisfaction"].mean()
        row["imbalance_kwh_mean"] = g["imbalance_kwh"].mean()
        rows.append(row)
    return pd.DataFrame(rows)


def evaluate_chunk(
    scenario: Scenario, plans: Plans, indices: Sequence[int], draw: Draw = OUT_OF_SAMPLE
) -> pd.DataFrame:
    """Measures of every plan on realisations ``indices`` (`Draw`): a table of
    S·len(indices) rows."""
    parts = []
    for index in indices:
        r = draw.realise(scenario, index)
        values = realise_plans(plans, r)
        if draw.check_schedules:
            _check(plans, r)
        part = pd.DataFrame(values, columns=list(MEASURES))
        part.insert(0, "day", r.day or "")
        part.insert(0, "realisation", int(index))
        part.insert(0, "solution", plans.solutions)
        parts.append(part)
    if not parts:
        return pd.DataFrame(columns=["solution", "realisation", "day", *MEASURES])
    return pd.concat(parts, ignore_index=True)


def _check(plans: Plans, r) -> None:
    n, t = r.scenario.fleet.n, r.scenario.slots
    step = max(1, CHECK_FLOATS // max(n * t, 1))
    checked = r.checked_scenario()
    for k in range(0, plans.n, step):
        part = plans.take(np.arange(k, min(k + step, plans.n)))
        ev, bess, values = realised_schedules(part, r)
        held = values[:, MEASURES.index("limit_excess_kw")] == 0.0
        for rows, limit in ((held, True), (~held, False)):
            if rows.any():
                rep = check(checked, ev[rows], None if bess is None else bess[rows],
                            import_limit=limit)
                if not rep.ok:
                    raise InfeasibleScheduleError(
                        f"realisation {r.index} (stream {r.stream}): realised schedule "
                        f"infeasible: {'; '.join(rep.violations)}")


def evaluate_plans(
    scenario: Scenario,
    plans: Plans,
    realisations: int | Sequence[int],
    *,
    draw: Draw = OUT_OF_SAMPLE,
    alpha: float = DEFAULT_ALPHA,
    report: Callable[[int, int], None] | None = None,
) -> Evaluation:
    """Every plan on realisations ``0 .. N-1`` (an int N) or the given indices (`Draw`), in
    this process; ``report(done, total)`` after each realisation."""
    indices = realisation_indices(realisations)
    cvar(np.zeros(1), alpha)  # validates alpha before the work
    parts = []
    for k, index in enumerate(indices):
        parts.append(evaluate_chunk(scenario, plans, [index], draw))
        if report is not None:
            report(k + 1, len(indices))
    table = pd.concat(parts, ignore_index=True)
    return Evaluation(table, summarise(table, alpha), alpha, draw)


def realisation_indices(realisations: int | Sequence[int]) -> list[int]:
    """Realisations ``0 .. N-1`` for an int N, else the given indices (validated)."""
    if isinstance(realisations, int | np.integer):
        if realisations < 1:
            raise InputError(f"realisations must be >= 1, got {realisations}")
        return list(range(int(realisations)))
    indices = [int(i) for i in realisations]
    if not indices or min(indices) < 0:
        raise InputError("realisation indices must be a non-empty list of integers >= 0")
    return indices

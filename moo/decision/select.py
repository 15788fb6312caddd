"""Pick one operating point from a Pareto front with AHP weights (docs/model.md §7).

The front's objectives are min-max normalised over the front itself (ideal = column minimum,
nadir = column maximum; a column that does not vary normalises to 0), and the solution that
minimises a weighted scalarisation of the normalised objectives is chosen:

- ``"weighted-sum"`` (default, docs/model.md §7): ``score = sum_k w_k * F~_k``;
- ``"tchebycheff"``: the weighted Tchebycheff distance to the ideal, ``max_k w_k * F~_k``,
  which can also reach points in non-convex parts of a front.

Weights are scaled to sum 1. Ties are broken deterministically: scores within 1e-12 of the
best (they live on the normalised [0, 1] scale) count as equal; among those the lowest
weighted sum wins, then the lowest row index. So duplicate points always give the first row.

A run directory (docs/model.md §9) provides ``front.csv`` (one row per solution: ``solution``, the
objective columns, the KPI columns) and ``meta.json``; ``meta["baselines"]["uncoordinated"]``,
where present, holds the same KPIs for the uncoordinated baseline, printed beside the choice.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from models.errors import InputError
from moo.decision.ahp import GroupPriority, Judgements
from moo.problems.objectives import KPI_COLUMNS
from moo.rundir import Run
from moo.util.normalization import Normalization, objective_matrix

SCALARISATIONS = ("weighted-sum", "tchebycheff")

# Scores are compared on the normalised scale, where 1e-12 is far below any real difference
# but above the rounding noise of summing three products.
_TIE_TOL = 1e-12


@dataclass(frozen=True, eq=False)
class Selection:
    """The chosen solution of a front and everything needed to recompute its score."""

    index: int  # row of the front
    objectives: np.ndarray  # [K], raw
    normalized: np.ndarray  # [K], in [0, 1]
    score: float
    method: str
    weights: np.ndarray  # [K], sums to 1
    normalization: Normalization

    def score_of(self, objectives) -> float:
        """The score of any point [K] (raw objectives) under this selection's weights, method
        and normalisation: what it would have to beat to be chosen instead."""
        f_norm = self.normalization.apply(np.asarray(objectives, dtype=float)[None])  # [1, K]
        return float(scalarize(f_norm, self.weights, self.method)[0])


def scalarize(f_norm: np.ndarray, weights: np.ndarray, method: str) -> np.ndarray:  # [S]
    """The scalarisation ``method`` of normalised points [S, K] under weights [K] (sum 1)."""
    if method == "weighted-sum":
        return f_norm @ weights
    return (f_norm * weights).max(axis=1)


def _weight_vector(weights: Sequence[float], k: int) -> np.ndarray:  # [K]
    w = np.asarray(weights, dtype=float)
    if w.shape != (k,):
        raise InputError(f"need {k} weights, one per objective, got {w.tolist()}")
    if not np.isfinite(w).all() or (w < 0).any() or w.sum() <= 0:
        raise InputError(f"weights must be finite, >= 0 and not all 0, got {w.tolist()}")
    return w / w.sum()


def select(
    objectives: np.ndarray, weights: Sequence[float], method: str = "weighted-sum",
    normalization: Normalization | None = None,
) -> Selection:
    """Choose the solution of a front [S, K] minimising the weighted scalarisation, in
    ``normalization`` (default: the front's own)."""
    if method not in SCALARISATIONS:
        raise InputError(f"unknown selection method {method!r}: use {', '.join(SCALARISATIONS)}")
    f = objective_matrix(objectives)
    w = _weight_vector(weights, f.shape[1])
    norm = Normalization.of_front(f) if normalization is None else normalization
    f_norm = norm.apply(f)  # [S, K]
    weighted_sum = f_norm @ w  # [S]
    score = scalarize(f_norm, w, method)
    candidates = np.flatnonzero(score <= score.min() + _TIE_TOL)
    sums = weighted_sum[candidates]
    candidates = candidates[sums <= sums.min() + _TIE_TOL]
    best = int(candidates[0])
    return Selection(
        index=best,
        objectives=f[best],
        normalized=f_norm[best],
        score=float(score[best]),
        method=method,
        weights=w,
        normalization=norm,
    )


@dataclass(frozen=True)
class ModeSelection:
    """A mode's AHP weights, the solution they pick from a run, and the baseline beside it."""

    mode: str
    objectives: tuple[str, ...]
    group: GroupPriority
    selection: Selection
    solution: int  # the ``solution`` id of the chosen front.csv row
    kpis: Mapping[str, float]  # the chosen row of front.csv
    baseline: Mapping[str, float] | None  # meta["baselines"]["uncoordinated"], if any

    def to_dict(self) -> dict[str, Any]:
        """The ``selection-<mode>.json`` object (also ``select --json``)."""
        s = self.selection

        def named(values: np.ndarray) -> dict[str, float]:
            return {name: float(v) for name, v in zip(self.objectives, values, strict=True)}

        return {
            "mode": self.mode,
            "weights": named(self.group.weights),
            "method": s.method,
            "solution": self.solution,
            "objectives": named(s.objectives),
            "normalized": named(s.normalized),
            "score": s.score,
            "normalization": {
                "ideal": named(s.normalization.ideal),
                "nadir": named(s.normalization.nadir),
            },
            "experts": [
                {"name": e.name, "cr": e.priority.cr, "consistent": e.consistent}
                for e in self.group.experts
            ],
        }

    def comparison(self) -> pd.DataFrame:
        """Objectives and KPIs of the choice next to the uncoordinated baseline (if known)."""
        rows = [c for c in (*self.objectives, *KPI_COLUMNS) if c in self.kpis]
        table = pd.DataFrame({"chosen": [self.kpis[c] for c in rows]}, index=rows)
        if self.baseline is not None:
            base = [_number(self.baseline.get(c)) for c in rows]
            table["uncoordinated"] = base
            base = table["uncoordinated"]
            table["change_pct"] = (100.0 * (table["chosen"] - base) / base.abs()).where(base != 0)
        return table


def _number(value: Any) -> float:
    """A KPI value as float; anything that is not a real number (or a bool) becomes NaN."""
    if isinstance(value, numbers.Real) and not isinstance(value, bool | np.bool_):
        return float(value)
    return math.nan


def select_mode(
    run: Run,
    judgements: Judgements,
    mode: str,
    method: str = "weighted-sum",
) -> ModeSelection:
    """Weights of `mode` from `judgements`, applied to the front of a run."""
    group = judgements.weights(mode)
    front, meta = run.front, run.meta
    missing = [c for c in judgements.objectives if c not in front.columns]
    if missing:
        raise InputError(
            f"{run.path / 'front.csv'}: no column for objective(s) {', '.join(missing)} "
            f"of the judgements ({judgements.source or 'given'})"
        )
    try:
        selection = select(front[list(judgements.objectives)].to_numpy(), group.weights, method)
    except InputError as exc:
        raise InputError(f"{run.path / 'front.csv'}: {exc}") from None
    row = front.iloc[selection.index]
    kpis = {c: _number(row[c]) for c in front.columns if c != "solution"}
    baselines = meta.get("baselines")
    baseline = baselines.get("uncoordinated") if isinstance(baselines, dict) else None
    return ModeSelection(
        mode=mode,
        objectives=judgements.objectives,
        group=group,
        selection=selection,
        solution=int(row["solution"]),
        kpis=kpis,
        baseline=baseline if isinstance(baseline, dict) else None,
    )


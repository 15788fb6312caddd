"""Fronts compared on the days that happen (docs/model.md §12.5, issue 22 item 5).

Two fronts of one scenario — say the deterministic one, planned on the nominal day, and a
risk-aware one — are evaluated on the same N out-of-sample realisations
(`moo.uncertainty.evaluate.evaluate_plans`). Each solution then has realised mean
objectives: `REALISED_OBJECTIVES`, the cost with the imbalance the operator pays for
leaving its plan (``total_cost``), the variance and the peak-to-valley. The hypervolume of
each front's realised means is measured in **one** normalisation: ideal and nadir are the
componentwise minimum and maximum over the points of all the fronts compared (reference
point 1.1, `moo.util.normalization`), so the numbers compare; a front whose realised points
are all dominated by the other's scores less.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from models.errors import InputError
from moo.util.normalization import Normalization, objective_matrix

REALISED_OBJECTIVES = ("total_cost_mean", "variance_mean", "peak_valley_mean")


@dataclass(frozen=True, eq=False)
class RealisedHypervolume:
    """Each front's hypervolume in the shared normalisation."""

    hypervolume: dict[str, float]  # front name -> HV (reference point 1.1)
    normalization: Normalization  # ideal / nadir over all the fronts' points
    columns: tuple[str, ...]


def realised_hypervolume(
    summaries: Mapping[str, pd.DataFrame], columns: Sequence[str] = REALISED_OBJECTIVES
) -> RealisedHypervolume:
    """HV of each front's realised objectives (``columns`` of its per-solution summary,
    `moo.uncertainty.evaluate.Evaluation.summary`) in one normalisation over all of them."""
    if not summaries:
        raise InputError("realised hypervolume: no fronts to compare")
    points = {}
    for name, summary in summaries.items():
        missing = [c for c in columns if c not in summary.columns]
        if missing:
            raise InputError(f"realised hypervolume: front {name!r} lacks {', '.join(missing)}")
        points[name] = objective_matrix(summary[list(columns)].to_numpy())
    norm = Normalization.of_front(np.vstack(list(points.values())))
    hv = {name: norm.hypervolume(f) for name, f in points.items()}
    return RealisedHypervolume(hv, norm, tuple(columns))

"""Exact epsilon-constraint and reference-point (ASF) problems as one Clarabel QP each.

Both reuse `ExactModel` (docs/model.md §10) with rows appended, and its convex-concave rounds
for batteries, so the result is a schedule that passes the feasibility checker.

- Epsilon-constraint: minimise ``F_m / span_m + RHO * sum_{j != m} F_j / span_j`` subject to
  ``F_k <= bound_k``. The RHO term makes the optimum Pareto optimal rather than only weakly
  (ties in F_m go to the better rest). Only upper bounds are convex in the model: ``F_k >=
  bound`` on the variance is non-convex, and on cost or peak-to-valley the model's epigraph
  variables (import/export, peak/valley) could satisfy it without the schedule doing so.
- ASF (Wierzbicki): minimise ``t + RHO * sum_k F_k / span_k`` subject to ``(F_k - z_k) /
  span_k <= t`` for every objective with an aspiration ``z_k``; the variance row is the
  rotated cone ``||y||^2 <= T (z + span t)`` written as a second-order cone. ``t`` is one
  extra column after the model's.

``span`` is the front's min-max range (`moo.util.normalization.Normalization`); a
coordinate with zero range has no row and no augmentation term.
"""

from __future__ import annotations

from collections.abc import Sequence

import clarabel
import numpy as np
from scipy import sparse

from models.errors import InputError
from moo.exact.front import ExactModel, Solution
from moo.util.normalization import Normalization

RHO = 1e-4  # augmentation weight on the normalised objectives (also used on the front)


def _augmented(norm: Normalization, main: int | None) -> np.ndarray:  # [3]
    """``RHO / span_k`` for every varying objective, ``1 / span_m`` for the minimised one."""
    coef = norm.coefficients(np.full(3, RHO))
    if main is not None:
        coef[main] = 1.0 / norm.span[main]
    return coef


def solve_epsilon(
    model: ExactModel, minimise: int, bounds: Sequence[tuple[int, float]], norm: Normalization
) -> Solution:
    """Minimise objective ``minimise`` subject to ``F_k <= bound`` for each ``(k, bound)``."""
    blocks = [model._cap_rows(k, bound) for k, bound in bounds]
    if not blocks:
        return model.solve(_augmented(norm, minimise))
    rows = (
        sparse.vstack([a for a, _, _ in blocks]).tocsc(),
        np.concatenate([b for _, b, _ in blocks]),
        [c for _, _, cones in blocks for c in cones],
    )
    return model.solve_extended(_augmented(norm, minimise), rows)


def asf_value(objectives, aspiration, norm: Normalization) -> float:
    """The augmented ASF ``max_k (F_k - z_k)/span_k + RHO sum_k F_k/span_k`` (named k in
    the max; the constant ``-RHO sum ideal/span`` left out, as in the QP)."""
    f = np.asarray(objectives, float)
    named = ~np.isnan(aspiration) & norm.varies
    gap = (f - np.nan_to_num(aspiration)) / norm.span
    return float(gap[named].max() + _augmented(norm, None) @ f)


def solve_asf(model: ExactModel, aspiration, norm: Normalization) -> Solution:
    """Project aspiration levels ``z`` [3] (NaN: no aspiration) onto the Pareto front."""
    z = np.asarray(aspiration, float)
    named = np.flatnonzero(~np.isnan(z) & norm.varies)
    if named.size == 0:
        raise InputError("the reference point names no objective that varies on the front")
    n, t_col = model.n_vars + 1, model.n_vars
    mats, rhs, cones = [], [], []
    for k in named:
        span = norm.span[k]
        if k == 1:
            # ||y||^2 <= s with s = T (z + span t):  ||(2y, s - 1)|| <= s + 1.
            t_n = len(model.y)
            rows = np.r_[0, 1, np.arange(2, t_n + 2)]
            cols = np.r_[t_col, t_col, model.y]
            vals = np.r_[-t_n * span, -t_n * span, np.full(t_n, -2.0)]
            mats.append(sparse.coo_matrix((vals, (rows, cols)), shape=(t_n + 2, n)))
            rhs.append(np.r_[t_n * z[k] + 1.0, t_n * z[k] - 1.0, np.zeros(t_n)])
            cones.append(clarabel.SecondOrderConeT(t_n + 2))
        else:
            # F_k - span t <= z_k, F_k linear in x.
            row = np.append(model.q_cost if k == 0 else model.q_pv, -span)
            mats.append(sparse.csc_matrix(row[None, :]))
            rhs.append(np.array([z[k]]))
            cones.append(clarabel.NonnegativeConeT(1))
    rows = (sparse.vstack(mats).tocsc(), np.concatenate(rhs), cones)
    return model.solve_extended(
        _augmented(norm, None),
        rows,
        extra_q=[1.0],
        score=lambda f: asf_value(f, z, norm),
    )

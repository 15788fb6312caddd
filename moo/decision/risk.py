"""A mode's AHP pick on the realised objectives of a front: deciding knowing that the day
is not known (docs/decision.md, "Risk-aware picks").

The front was evaluated out of sample (`moo.uncertainty.realised`: every solution's plan on
N realised days). Each solution gets one realised objective vector — per objective, the
mean or the CVaR_α over the realisations (`risk`, "mean" or "cvar[:ALPHA]"; ALPHA default
the evaluation's) of:

- ``total_cost``: the realised cost plus the imbalance cost (what the operator pays for
  the plan it committed to and the day it got);
- ``variance`` and ``peak_valley`` of the realised net load.

The mode's AHP weights are applied to these vectors normalised in the **front's**
normalisation (ideal and nadir of its planned objectives, as `select --mode` uses), so a
risk pick and a deterministic pick are scored on one scale; the scalarisation is the
mode's (`moo.decision.select.select`, weighted sum or Tchebycheff). The answer also gives
the deterministic pick (the same weights on the planned front) with its realised vector:
the difference is the in-sample value of deciding on the risk measure.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from models.errors import InputError
from moo.decision.ahp import Judgements
from moo.decision.decide import Decision, _currency, _row, check_runs, fmt_point, tradeoffs_at
from moo.decision.select import select, select_mode
from moo.problems.objectives import OBJECTIVES
from moo.rundir import Run
from moo.uncertainty.realised import RISKS, Realised
from moo.uncertainty.risk import OBJECTIVE_MEASURES
from moo.util.normalization import Normalization


@dataclass(frozen=True)
class RiskMeasure:
    """How realised objectives are summarised: ``kind`` "mean" or "cvar" at ``alpha``
    (None: the evaluation's own level)."""

    kind: str
    alpha: float | None = None

    @classmethod
    def parse(cls, text: str) -> RiskMeasure:
        """``mean``, ``cvar`` or ``cvar:ALPHA`` (ALPHA in [0, 1))."""
        kind, _, level = str(text).strip().partition(":")
        if kind not in RISKS or (kind == "mean" and level):
            raise InputError(f"--risk {text!r}: use mean, cvar or cvar:ALPHA (e.g. cvar:0.9)")
        if not level:
            return cls(kind)
        try:
            alpha = float(level)
        except ValueError:
            alpha = math.nan
        if not (math.isfinite(alpha) and 0.0 <= alpha < 1.0):
            raise InputError(f"--risk {text!r}: the CVaR level must be in [0, 1)")
        return cls(kind, alpha)

    def label(self, realised: Realised) -> str:
        if self.kind == "mean":
            return "mean"
        return f"CVaR_{realised.alpha if self.alpha is None else self.alpha:g}"


def realised_objectives(realised: Realised, risk: RiskMeasure) -> np.ndarray:  # [S, 3]
    """Per front row, the risk measure of each objective over the realisations."""
    return np.column_stack([realised.risk(m, risk.kind, risk.alpha)
                            for m in OBJECTIVE_MEASURES])


def decide_risk(run: Run, realised: Realised, judgements: Judgements, mode: str,
                risk: RiskMeasure, method: str = "weighted-sum") -> Decision:
    """`select --mode M --risk R --realised DIR`: the mode's pick on the realised objectives
    (module docstring), beside the deterministic pick."""
    check_runs(run, None)
    realised.require_of(run)
    deterministic = select_mode(run, judgements, mode, method)
    if tuple(judgements.objectives) != OBJECTIVES:
        raise InputError(f"--risk: the judgements must weigh {', '.join(OBJECTIVES)} in this "
                         f"order (got {', '.join(judgements.objectives)})")
    f = run.objectives
    norm = Normalization.of_front(f)
    r = realised_objectives(realised, risk)
    weights = deterministic.group.weights
    pick = select(r, weights, method, norm)
    index, det = pick.index, deterministic.selection.index
    ids = run.front["solution"].to_numpy()
    label = risk.label(realised)
    cur = _currency(run.meta)

    def named(values) -> dict[str, float]:
        return {n: float(v) for n, v in zip(OBJECTIVES, values, strict=True)}

    score_det = pick.score_of(r[det])
    query = {
        "mode": mode,
        "weights": named(weights),
        "method": method,
        "risk": risk.kind,
        "alpha": realised.alpha if risk.alpha is None else risk.alpha,
        "realised_dir": str(realised.path),
        "realised_meta_sha256": realised.meta_sha256,
        "realisations": realised.realisations,
        "realised_objectives": named(r[index]),
        "score": pick.score,
        "deterministic": {"solution": int(ids[det]), "realised_objectives": named(r[det]),
                          "score": score_det},
    }
    lines = [
        f"mode {mode}: weights " + ", ".join(f"{n} {w:.3f}" for n, w in
                                             zip(OBJECTIVES, weights, strict=True))
        + f"; {label} over {realised.realisations} realisations ({realised.path}), cost = "
        "realised cost + imbalance cost, normalised as the front",
        f"chosen: solution {int(ids[index])} ({method} score {pick.score:.4f})",
        f"  planned   {fmt_point(f[index], cur)}",
        f"  {label:<9} {fmt_point(r[index], cur)}",
        f"deterministic pick: solution {int(ids[det])} (score on {label} {score_det:.4f})",
        f"  planned   {fmt_point(f[det], cur)}",
        f"  {label:<9} {fmt_point(r[det], cur)}",
    ]
    return Decision("risk", cur, _row(run.front, index), query,
                    tradeoffs_at(f, index, None, ids), lines=lines, normalization=norm)

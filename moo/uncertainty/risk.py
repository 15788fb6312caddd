"""A risk-aware front: plans judged on K training realisations (docs/model.md §12.5).

The decision is the aggregate encoding's (`moo.problems.encodings.AggregateProblem`): a
request per departure cluster and slot plus the BESS power per slot. A decision vector is
first dispatched on the nominal day; what the dispatcher realised there is the solution's
**plan** (`moo.uncertainty.plan.Plans`: the cluster requests, the BESS schedule and the
net import planned for) — the same plan `plans_from_run` reads back from the written
schedule, so an out-of-sample evaluation of the written front judges what was optimised.
The plan is then re-dispatched on each of K realisations of the TRAINING stream
(`models.uncertainty.realise(scenario, k, TRAINING)`, k = 0 .. K-1; the evaluation stream
is disjoint) with the recourse of `moo.uncertainty.recourse` (the numba
`realise_days`, all K days in one parallel region; each day's dispatcher arrays are built
once, `RealisedDays`).

Objectives, per plan, over the K realised values:

- cost = realised grid cost + degradation + **imbalance cost** (`total_cost`): the
  imbalance is what the operator pays for deviating from the net import it planned for,
  so it belongs to the money the plan costs; a constraint would need a tolerance nobody
  states, and would make every plan infeasible on some day of a wide enough sample;
- net-load variance and peak-to-valley of the realised day;

each reduced by the risk measure: the sample **mean**, or **CVaR_α** (the mean of the
worst (1 − α) share, `moo.uncertainty.evaluate.cvar`). The constraint (import limit) is
the nominal day's: must-charge power above the limit on a realised day is the day's, not
the plan's (docs/model.md §12.3 reports it).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from models.errors import InputError, ScenarioError
from models.scenario import Scenario
from models.uncertainty import TRAINING, realise
from moo.kernels.data import DEFAULT_DISPATCH, DISPATCH_RULES
from moo.problems.encodings import AggregateProblem
from moo.problems.objectives import OBJECTIVES
from moo.uncertainty.evaluate import cvar
from moo.uncertainty.plan import Plans
from moo.uncertainty.recourse import MEASURES, RealisedDay, RealisedDays
from moo.util.spec import Spec

RISK_MEASURES = ("mean", "cvar")
# The realised measure behind each objective (cost includes the imbalance cost).
OBJECTIVE_MEASURES = ("total_cost", "variance", "peak_valley")
_COLUMNS = [MEASURES.index(m) for m in OBJECTIVE_MEASURES]
_IMBALANCE = MEASURES.index("imbalance_cost")
_IMBALANCE_KWH = MEASURES.index("imbalance_kwh")
_UNMET = MEASURES.index("unmet_kwh")
_UNMET_VEHICLES = MEASURES.index("unmet_vehicles")
# Columns `RiskProblem.table` adds to the risk values (means over the training days).
DETAIL_COLUMNS = ("imbalance_cost_mean", "imbalance_kwh_mean", "unmet_kwh_mean", "p_unmet")


@dataclass(frozen=True)
class Risk(Spec):
    """How a plan's K realised objective values become one: ``measure`` ``mean`` or
    ``cvar`` at level ``alpha`` in (0, 1) (None for the mean), over ``realisations`` K >= 1
    training realisations."""

    realisations: int
    measure: str = "mean"
    alpha: float | None = None

    def __post_init__(self):
        k = self.realisations
        if isinstance(k, bool) or not isinstance(k, int) or k < 1:
            raise InputError(f"realisations: must be a whole number >= 1, got {k!r}")
        if self.measure not in RISK_MEASURES:
            raise InputError(f"risk: use mean or cvar:ALPHA, got {self.measure!r}")
        a = self.alpha
        if self.measure == "mean":
            if a is not None:
                raise InputError(f"risk: the mean takes no level, got alpha {a!r}")
        elif (isinstance(a, bool) or not isinstance(a, int | float) or not math.isfinite(a)
              or not 0.0 < a < 1.0):
            raise InputError(f"risk: cvar:ALPHA needs ALPHA in (0, 1), got {a!r}")

    @classmethod
    def parse(cls, text: str, realisations: int) -> Risk:
        """``mean`` or ``cvar:ALPHA`` (e.g. ``cvar:0.9``)."""
        name, _, level = str(text).strip().partition(":")
        if name == "cvar":
            try:
                alpha = float(level)
            except ValueError:
                raise InputError(f"risk: cvar:ALPHA needs a number ALPHA in (0, 1), got "
                                 f"{text!r}") from None
            return cls(realisations, "cvar", alpha)
        if name != "mean" or level:
            raise InputError(f"risk: use mean or cvar:ALPHA, got {text!r}")
        return cls(realisations)

    @property
    def label(self) -> str:
        return "mean" if self.measure == "mean" else f"cvar:{self.alpha:g}"

    def reduce(self, values: np.ndarray) -> np.ndarray:
        """values [K, ...] -> [...]: the mean or CVaR over the realisations (axis 0)."""
        if self.measure == "mean":
            return np.mean(values, axis=0)
        return cvar(values, self.alpha, axis=0)

    def to_meta(self) -> dict:
        """meta.json's ``risk`` entry."""
        return {"measure": self.measure, "alpha": self.alpha, "realisations": self.realisations,
                "stream": "training"}


class RiskProblem(AggregateProblem):
    """The aggregate encoding with each objective the risk measure of its realised values
    over K training realisations (module docstring). ``out["report"]`` stays the nominal
    day's report vector (the schedule a front run writes); ``out["F"]`` is the risk.
    ``dispatch``: the rule of the nominal dispatch and of every realised day's."""

    def __init__(self, scenario: Scenario, clusters: int, risk: Risk,
                 dispatch: str = DEFAULT_DISPATCH):
        if scenario.uncertainty is None:
            raise ScenarioError(f"{scenario.name}: a risk-aware front needs realisations, and "
                                "the scenario has no [uncertainty] table (docs/model.md §12.1)")
        super().__init__(scenario, clusters, dispatch)
        self.risk = risk
        self.days = RealisedDays.of(RealisedDay.of(realise(scenario, k, TRAINING), clusters)
                                    for k in range(risk.realisations))

    def plans(self, x: np.ndarray) -> tuple[Plans, np.ndarray, np.ndarray]:
        """The plans of decision vectors x [S, n_var] (what the nominal dispatch realised),
        with the nominal report [S, N_OUT] and import-limit excess [S]."""
        _, b_out, realised, report, excess = self.dispatch(x, store=False)
        s, k, t = len(realised), self.kdata.n_clusters, self.t_count
        request = realised.reshape(s, k, t)
        net = self.kdata.base_net + request.sum(axis=1) + b_out
        plans = Plans(request, b_out, net, np.arange(s), DISPATCH_RULES[self.kdata.rule])
        return plans, report, excess

    def realised(self, plans: Plans) -> np.ndarray:  # [K, S, len(MEASURES)]
        """Every plan's measures on every training realisation."""
        return self.days.measures(plans)

    def _evaluate(self, x, out, *args, **kwargs):
        self._memo.clear()  # the nominal dispatch is redone: the plan needs its net import
        plans, report, excess = self.plans(np.ascontiguousarray(x, dtype=np.float64))
        values = self.realised(plans)
        self._outputs(out, report, excess)
        out["F"] = self.risk.reduce(values[:, :, _COLUMNS])

    def table(self, x: np.ndarray) -> pd.DataFrame:
        """Per decision vector: the three risk values (named as `OBJECTIVES`) and the
        training means of `DETAIL_COLUMNS` (p_unmet: the share of days with a vehicle short
        of the target its actual stay could reach)."""
        plans, _, _ = self.plans(np.atleast_2d(np.asarray(x, dtype=np.float64)))
        values = self.realised(plans)
        F = self.risk.reduce(values[:, :, _COLUMNS])
        frame = pd.DataFrame(F, columns=list(OBJECTIVES))
        frame["imbalance_cost_mean"] = values[:, :, _IMBALANCE].mean(axis=0)
        frame["imbalance_kwh_mean"] = values[:, :, _IMBALANCE_KWH].mean(axis=0)
        frame["unmet_kwh_mean"] = values[:, :, _UNMET].mean(axis=0)
        frame["p_unmet"] = (values[:, :, _UNMET_VEHICLES] > 0).mean(axis=0)
        return frame

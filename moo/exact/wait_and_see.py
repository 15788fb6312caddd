"""What knowing the day is worth: the wait-and-see reference of a mode's weights on the
realised days a front was evaluated on (docs/model.md §12.6).

For weights ``w`` and a normalisation (the front's ideal and nadir), the score of a
schedule is ``Σ_k w_k F̃_k``. A committed plan, re-dispatched on realisation r, scores
``Σ_k w_k F̃_k(realised)`` with the cost objective the realised cost plus the imbalance
cost (`realised_scores`). The **wait-and-see** value of r is the lowest score any schedule
of that day reaches when the day is known in advance: the weighted optimum over the day's
actual sessions (arrival, actual departure, energy), its realised base load and PV, with
the targets the recourse guarantees (`Realisation.checked_scenario`: the effective target
of the stated stay, less what a car leaving early could not be given). Every realised
schedule of every plan is a schedule of that problem (it passes the checker against those
targets), so the wait-and-see value is never above a realised score; and those targets are
never above the targets of the actual stays, so it is a lower estimate of the true
wait-and-see optimum and ``realised − wait-and-see`` an **upper** estimate of the value
of perfect information. Where must-charge power alone exceeds the import limit on a
realised day the limit is dropped for that day (as the realised schedule's check does) and
the day is flagged.

How the optimum is found (``method``):

- ``"exact"``: the exact QP of the day (`moo.exact.front.ExactModel`), where it fits
  (default up to `EXACT_MAX_VEHICLE_SLOTS` plugged vehicle-slots): ``value`` is the score of
  its schedule, ``lower`` the relaxed optimum (equal, to the solver's 1e-9 tolerance, where
  the relaxation is exact; below it after convex-concave rounds);
- ``"bound"``: the lower-bound relaxation (`moo.exact.bound.BoundModel`) at any size: a
  certified lower bound, no schedule (``value`` = ``lower``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from models.errors import InputError
from models.scenario import Scenario
from moo.exact.bound import DEFAULT_GROUPS, BoundModel
from moo.exact.front import ExactModel
from moo.problems.objectives import OBJECTIVES
from moo.uncertainty.evaluate import OUT_OF_SAMPLE, Draw, realisation_indices
from moo.uncertainty.risk import OBJECTIVE_MEASURES
from moo.util.normalization import Normalization

METHODS = ("auto", "exact", "bound")
EXACT_MAX_VEHICLE_SLOTS = 20_000  # building: ~2,500 (0.1-0.3 s per QP); iov: ~50,000 (10-25 s)


@dataclass(frozen=True, eq=False)
class WaitAndSee:
    """The wait-and-see reference on N realisations, for one weight vector."""

    realisations: np.ndarray  # [N] realisation indices
    days: tuple[str, ...]  # [N] history day of each ("" for a drawn day)
    method: np.ndarray  # [N] "exact" or "bound"
    objectives: np.ndarray  # [N, 3] of the optimum found (bound: of the relaxed point)
    value: np.ndarray  # [N] its score Σ w F̃ (bound: the lower bound)
    lower: np.ndarray  # [N] a lower bound on the day's optimal score
    import_limit_dropped: np.ndarray  # [N] bool

    def table(self) -> pd.DataFrame:
        """One row per realisation."""
        frame = pd.DataFrame({"realisation": self.realisations, "day": list(self.days),
                              "method": self.method, "value": self.value, "lower": self.lower,
                              "import_limit_dropped": self.import_limit_dropped})
        for k, name in enumerate(OBJECTIVES):
            frame[name] = self.objectives[:, k]
        return frame


def realised_scores(table: pd.DataFrame, weights: Sequence[float],
                    normalization: Normalization) -> pd.DataFrame:
    """``Σ_k w_k F̃_k`` of every (solution, realisation) of an evaluation table (the cost
    objective: realised cost + imbalance cost): solutions as rows, realisations as columns."""
    f = table[list(OBJECTIVE_MEASURES)].to_numpy(float)
    score = normalization.scalarized(f, np.asarray(weights, float))[0]
    frame = table[["solution", "realisation"]].assign(score=score)
    return frame.pivot(index="solution", columns="realisation", values="score")


def without_import_limit(day: Scenario) -> Scenario:
    """A hindsight day without its import limit: how a day on which no schedule holds the
    limit (must-charge power alone exceeds it) is solved, as its realised schedules are
    checked without it (`jobs.replay_record.check_applied`); here and in the replay's
    ``perfect`` policy (`moo.operate.replay`)."""
    return dataclasses.replace(day, grid=dataclasses.replace(day.grid, import_limit_kw=None))


def _solve(scenario: Scenario, coef: np.ndarray, method: str, groups: int):
    """(objectives [3], value, lower) of ``min coef · F`` on one day (raw, no constant)."""
    if method == "exact":
        sol = ExactModel(scenario).solve(coef)
        if not sol.feasible:
            raise RuntimeError("wait-and-see QP: " + "; ".join(sol.violations))
        return sol.objectives, sol.value, sol.value - sol.relaxation_gap
    value, objectives = BoundModel(scenario, groups).minimise(coef)
    return objectives, value, value


def wait_and_see(
    scenario: Scenario,
    weights: Sequence[float],
    normalization: Normalization,
    realisations: int | Sequence[int],
    *,
    draw: Draw = OUT_OF_SAMPLE,
    method: str = "auto",
    groups: int = DEFAULT_GROUPS,
) -> WaitAndSee:
    """The wait-and-see reference of ``weights`` on the realisations an evaluation used
    (same scenario, seed, ``draw`` and indices; module docstring)."""
    if method not in METHODS:
        raise InputError(f"wait-and-see method {method!r}: use {', '.join(METHODS)}")
    w = np.asarray(weights, float)
    if w.shape != (len(OBJECTIVES),) or not np.isfinite(w).all() or (w < 0).any():
        raise InputError(f"weights must be {len(OBJECTIVES)} finite numbers >= 0, got {w}")
    coef = normalization.coefficients(w)
    offset = float(coef @ normalization.ideal)  # Σ w F̃ = coef · F − offset
    indices = realisation_indices(realisations)
    rows = []
    for index in indices:
        r = draw.realise(scenario, index)
        day = r.checked_scenario()
        how = method
        if how == "auto":
            fits = day.fleet.plugged_slots() <= EXACT_MAX_VEHICLE_SLOTS
            how = "exact" if fits else "bound"
        dropped = False
        try:
            objectives, value, lower = _solve(day, coef, how, groups)
        except InputError:
            if day.grid.import_limit_kw is None:
                raise
            dropped = True
            day = without_import_limit(day)
            objectives, value, lower = _solve(day, coef, how, groups)
        rows.append((index, r.day or "", how, objectives, value - offset, lower - offset,
                     dropped))
    return WaitAndSee(
        realisations=np.array([x[0] for x in rows], np.int64),
        days=tuple(x[1] for x in rows),
        method=np.array([x[2] for x in rows]),
        objectives=np.array([x[3] for x in rows], float).reshape(-1, len(OBJECTIVES)),
        value=np.array([x[4] for x in rows], float),
        lower=np.array([x[5] for x in rows], float),
        import_limit_dropped=np.array([x[6] for x in rows], bool),
    )

"""Plans: what a front solution commits to before the day (docs/model.md §12).

A plan is the aggregate encoding's decision: per slot, the power requested for each
departure cluster of the fleet [kW] and the BESS power [kW], with the net import it plans
for. Every front solution has one:

- from per-vehicle schedules (stored for every solution of most runs): the cluster's
  request is the sum of its vehicles' powers. For an aggregate-encoding front with the
  run's clusters, this is the request the dispatcher realised, so re-dispatching the plan
  on the nominal day gives the front's own schedule. For a vehicle-encoding front the
  default is one cluster per vehicle (K = N; clusters are quantiles of the departure, so
  cluster k holds the k-th vehicle in departure order), which reproduces its schedule on
  the nominal day for the same reason: one vehicle alone in a cluster gets its request,
  which lies within its bounds;
- from the net load and BESS arrays alone (solutions whose per-vehicle powers were not
  stored): the fleet's power per slot, ``net − (base − PV) − BESS``, put at the same
  fraction of every cluster's range (as `moo.problems.encodings.AggregateProblem.fleet_to_x`
  does); exact for one cluster.

A plan is re-dispatched with the rule its run was dispatched with (`Plans.dispatch`, the
run's ``parameters.dispatch``): the same request shared by another rule gives other
per-vehicle energies, and from the next slot on other bounds. A run that does not record
its rule was dispatched by ``priority`` if it used the aggregate encoding (the only rule,
then the default, before runs recorded it); for the vehicle encoding's one vehicle per
cluster every rule gives the vehicle its request (`run_dispatch`).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from models.errors import InputError
from models.scenario import Scenario, list_presets, load_scenario
from moo.kernels.data import (
    DEFAULT_DISPATCH,
    cluster_power_bounds,
    departure_clusters,
    dispatch_rule,
    kernel_data,
)
from moo.rundir.run import Run, scenario_digest


@dataclass(frozen=True, eq=False)
class Plans:
    """S plans for one scenario's time grid."""

    request_kw: np.ndarray  # [S, K, T] fleet power requested per departure cluster
    bess_kw: np.ndarray  # [S, T] BESS power (zeros without a BESS)
    net_kw: np.ndarray  # [S, T] planned net import (the schedule's net load)
    solutions: np.ndarray  # [S] front solution ids
    dispatch: str = DEFAULT_DISPATCH  # the rule sharing a cluster's request (`DISPATCH_RULES`)

    def __post_init__(self):
        dispatch_rule(self.dispatch)
        req = np.ascontiguousarray(self.request_kw, dtype=np.float64)
        s, _, t = req.shape
        for name in ("bess_kw", "net_kw"):
            arr = np.ascontiguousarray(getattr(self, name), dtype=np.float64)
            if arr.shape != (s, t):
                raise InputError(f"plans.{name}: shape {arr.shape}, expected ({s}, {t})")
            object.__setattr__(self, name, arr)
        sol = np.asarray(self.solutions, dtype=np.int64)
        if sol.shape != (s,):
            raise InputError(f"plans.solutions: shape {sol.shape}, expected ({s},)")
        object.__setattr__(self, "request_kw", req)
        object.__setattr__(self, "solutions", sol)

    @property
    def n(self) -> int:
        return self.request_kw.shape[0]

    @property
    def clusters(self) -> int:
        return self.request_kw.shape[1]

    def requests(self) -> np.ndarray:  # [S, K*T]
        """The requests in the dispatcher's layout (cluster-major)."""
        return self.request_kw.reshape(self.n, -1)

    def take(self, rows) -> Plans:
        rows = np.asarray(rows)
        return Plans(self.request_kw[rows], self.bess_kw[rows], self.net_kw[rows],
                     self.solutions[rows], self.dispatch)


def plans_from_schedules(
    scenario: Scenario,
    net_load: np.ndarray,
    bess_power: np.ndarray | None = None,
    ev_power: np.ndarray | None = None,
    ev_solutions: np.ndarray | None = None,
    clusters: int = 1,
    solutions: np.ndarray | None = None,
    dispatch: str = DEFAULT_DISPATCH,
) -> Plans:
    """Plans of S schedules: net_load [S, T] kW, bess_power [S, T] or None, and the
    per-vehicle powers ev_power [R, N, T] of the rows ev_solutions [R] (positions in
    0..S-1; default all S) where they were stored; ``dispatch``: the rule that re-dispatches
    them."""
    net = np.atleast_2d(np.asarray(net_load, dtype=np.float64))
    s, t = net.shape
    if t != scenario.slots:
        raise InputError(f"net_load has {t} slots, the scenario {scenario.slots}")
    if not 1 <= clusters <= max(scenario.fleet.n, 1):
        raise InputError(f"clusters must be in 1..{max(scenario.fleet.n, 1)}, got {clusters}")
    bess = np.zeros((s, t)) if bess_power is None else np.asarray(bess_power, dtype=np.float64)
    request = np.zeros((s, clusters, t))
    done = np.zeros(s, bool)
    if ev_power is not None:
        rows = np.arange(s) if ev_solutions is None else np.asarray(ev_solutions, np.int64)
        cluster = departure_clusters(scenario, clusters)
        for c in range(clusters):
            request[rows, c, :] = np.asarray(ev_power)[:, cluster == c, :].sum(axis=1)
        done[rows] = True
    if not done.all():
        lo, hi = cluster_power_bounds(kernel_data(scenario, clusters), t)
        lo, hi = lo.reshape(clusters, t), hi.reshape(clusters, t)
        fleet_kw = net[~done] - scenario.grid.net_base_kw[None, :] - bess[~done]  # [S', T]
        span = np.where(hi.sum(axis=0) > lo.sum(axis=0), (hi - lo).sum(axis=0), 1.0)
        share = np.clip((fleet_kw - lo.sum(axis=0)) / span, 0.0, 1.0)  # [S', T]
        request[~done] = lo[None] + share[:, None, :] * (hi - lo)[None]
    ids = np.arange(s) if solutions is None else solutions
    return Plans(request, bess, net, ids, dispatch)


def plans_from_run(run: Run, clusters: int | None = None) -> Plans:
    """The plans of every solution of a run (`plans_from_schedules`). ``clusters``: the
    run's own for the aggregate encoding, one per vehicle for the vehicle encoding (see the
    module docstring), unless given; the dispatch rule: the run's (`run_dispatch`)."""
    scenario = run.scenario
    params = run.meta.get("parameters") or {}
    aggregate = params.get("encoding", "aggregate") == "aggregate"
    if clusters is None:
        clusters = int(params.get("clusters") or 1) if aggregate else max(scenario.fleet.n, 1)
    sched = run.schedules
    ids = run.front["solution"].to_numpy()
    ev = sched.get("ev_power")
    rows = None
    if ev is not None and len(ev):
        row_of = {int(sol): k for k, sol in enumerate(ids)}
        rows = np.array([row_of[int(sol)] for sol in sched["ev_solutions"]], dtype=np.int64)
    else:
        ev = None
    return plans_from_schedules(
        scenario, sched["net_load"], sched.get("bess_power"), ev, rows, clusters, ids,
        run_dispatch(run),
    )


def run_dispatch(run: Run) -> str:
    """The rule that re-dispatches a run's plans: its ``parameters.dispatch``; without
    one, ``priority`` for a run of the aggregate encoding (written before runs recorded the
    rule) and the default for any other (the vehicle encoding, module docstring; exact and
    baseline schedules, which no dispatcher made)."""
    params = run.meta.get("parameters") or {}
    if "dispatch" in params:
        return str(params["dispatch"])
    return "priority" if params.get("encoding") == "aggregate" else DEFAULT_DISPATCH


def uncertain_scenario(run: Run, source: str | None = None, *, history: tuple | None = None,
                       seed: int | None = None) -> tuple[Scenario, str]:
    """The run's scenario with its ``[uncertainty]`` table, and its digest.

    A run's meta.json keeps the resolved day, not the ``[uncertainty]`` table, so the
    scenario file is loaded again — ``source`` or the file the run records
    (``meta.scenario.source``; a preset of another installation by its name) — with the
    run's fleet seed, scale and date, and must give the run's own day
    (`moo.rundir.scenario_digest`, the file's path aside). ``history`` = (first, last)
    replaces the range of ``[uncertainty.history]``; ``seed`` the realisations' seed."""
    meta = run.meta["scenario"]
    recorded = str(meta.get("source") or "")
    path = source if source is not None else recorded
    if source is None and not Path(recorded).is_file():
        name = Path(recorded).stem
        if Path(recorded).parent.name == "presets" and name in list_presets():
            path = name
        elif not recorded:
            raise InputError(f"{run.path}: the run does not record its scenario file; give "
                             "it with --scenario")
        else:
            raise InputError(f"{run.path}: its scenario file {recorded} is not there (moved?); "
                             "give it with --scenario")
    notes = meta.get("notes") if isinstance(meta.get("notes"), dict) else {}
    scenario = load_scenario(path, fleet_seed=int(run.meta.get("fleet_seed") or 0),
                             scale=int(notes.get("scale", 1)), date=meta.get("date"),
                             history=history)
    digest = scenario_digest(dataclasses.replace(scenario, source=run.scenario.source))
    if digest != scenario_digest(run.scenario):
        raise InputError(f"{path}: does not give the day of the run {run.path} (with its fleet "
                         "seed, scale and date); the file changed since the run, or it is "
                         "another scenario")
    if scenario.uncertainty is None:
        raise InputError(f"{path}: the scenario has no [uncertainty] table; add one to "
                         "evaluate its plans out of sample (docs/model.md §12.1)")
    if seed is not None:
        if type(seed) is not int or seed < 0:
            raise InputError(f"realisation seed must be an integer >= 0, got {seed!r}")
        scenario = dataclasses.replace(
            scenario, uncertainty=dataclasses.replace(scenario.uncertainty, seed=seed))
    return scenario, digest

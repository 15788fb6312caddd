"""The `replay` command: one realised day played slot by slot under a policy
(`moo.operate`, docs/model.md §13), written as a checked run directory.

Which day (`realised_day`):

- a scenario whose sessions group has a history (``caltech``): ``--date D`` replays the real
  day D of the history file (any day the file holds, not only the history's range), its
  sessions with their stated (``estimated_departure``) and actual departures. The data hold
  no site load: load and PV are the scenario's profiles for D (pvlib PV computed for D),
  without synthetic forecast error, as in the real-day study of §12. Without ``--date``,
  realisation ``--realisation I`` (default 0) of the evaluation stream;
- a scenario with an ``[uncertainty]`` table and sampled groups (``building``): realisation
  ``--realisation I`` (default 0) of the evaluation stream, forecast errors included;
- a scenario without one: its own day (stated = actual departures, nothing unknown).

The forecast the operator plans with is the scenario's own day (the nominal fleet as the
expected arrivals, its load and PV profiles). The mode's weights come from the judgements
(`Judgements.objective_weights`); the normalisation is the front's (column minimum and
maximum, as `select`) when ``--front`` is given, else the payoff table of the forecast day
(`moo.operate.solve.payoff_normalization`). With ``--front`` the mode's pick is also the
day-ahead plan: ``plan`` follows it, and every policy's imbalance is measured against its
net import.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import tomllib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from jobs.replay_record import write_replay
from models.errors import InputError, ScenarioError
from models.scenario import Scenario, build_scenario, load_scenario, resolve_scenario_path
from models.uncertainty import EVALUATION, Realisation, history_dates, nominal, realise
from moo.decision.ahp import load_default_judgements, load_judgements
from moo.decision.select import select
from moo.operate.ocpp import ProfileLog
from moo.operate.replay import POLICIES, Replay, ReplayOptions, Weighted, replay
from moo.operate.solve import DEFAULT_TIME_CAP_S, payoff_normalization
from moo.problems.feasibility import check_import_limit
from moo.problems.objectives import OBJECTIVES
from moo.rundir import OutputDir, read_run
from moo.rundir.export import horizon
from moo.uncertainty.plan import Plans, plans_from_run
from moo.util.normalization import Normalization
from moo.util.spec import Spec

AGGREGATE_ALGORITHMS = ("nsga2", "nsga3", "mlgcso", "cso")


@dataclass(frozen=True)
class ReplaySpec(Spec):
    """Options of `replay` (module docstring)."""

    scenario: str
    policy: str
    out: str
    mode: str = "economy"
    front: str | None = None
    date: str | None = None
    realisation: int | None = None
    replan_every: int = 4
    arrivals: str = "nominal"
    step_time_cap_s: float = DEFAULT_TIME_CAP_S
    hindsight: str = "floor"
    ocpp: bool = False
    judgements: str | None = None
    fleet_seed: int | None = None
    scale: int = 1
    overwrite: bool = False

    def __post_init__(self):
        if self.policy not in POLICIES:
            raise InputError(f"--policy {self.policy}: use one of {', '.join(POLICIES)}")
        if self.policy == "plan" and self.front is None:
            raise InputError("--policy plan follows a day-ahead plan: give --front RUN")
        if self.date is not None:
            try:
                dt.date.fromisoformat(self.date)
            except (TypeError, ValueError):
                raise InputError(f"--date {self.date}: not a date YYYY-MM-DD") from None
        if self.realisation is not None and (isinstance(self.realisation, bool) or not
                                             isinstance(self.realisation, int) or
                                             self.realisation < 0):
            raise InputError(f"--realisation must be an integer >= 0, got {self.realisation!r}")
        self.options()  # validates replan_every, arrivals, the time cap

    def options(self) -> ReplayOptions:
        return ReplayOptions(replan_every=self.replan_every, arrivals=self.arrivals,
                             time_cap_s=self.step_time_cap_s, hindsight=self.hindsight)


@dataclass(frozen=True)
class ReplayResult:
    """What `run` returns: the run directory and the replay."""

    path: Path
    replay: Replay
    requests: int

    def text(self) -> str:
        r, m = self.replay, self.replay.measures
        day = r.realisation.day or f"realisation {r.realisation.index}"
        lines = [
            f"{r.policy} on {r.realisation.scenario.name} {day}: solver {r.solver}, "
            f"{len(r.steps)} steps, {r.wall_time_s:.1f} s",
            f"cost {m['cost']:.2f}  variance {m['variance']:.1f}  peak_valley "
            f"{m['peak_valley']:.1f}  weighted {m['weighted']:.4f}",
            f"unmet {m['unmet_kwh']:.2f} kWh ({m['unmet_vehicles']:.0f} vehicles)  "
            f"satisfaction {m['satisfaction']:.3f}  imbalance {m['imbalance_kwh']:.1f} kWh",
        ]
        if not np.isnan(r.bound):
            lines.append(f"lower bound of the hindsight optimum (relaxation) {r.bound:.4f}")
        if self.requests:
            lines.append(f"{self.requests} OCPP 2.1 SetChargingProfile requests validated")
        return "\n".join(lines)


def history_day(scenario: str, date: str, fleet_seed: int | None = None,
                scale: int = 1) -> tuple[Scenario, Realisation]:
    """The real day ``date`` of a scenario's session history, and the scenario as the
    operator forecasts it (its PV computed for that day)."""
    path = resolve_scenario_path(scenario)
    with path.open("rb") as fh:
        data = tomllib.load(fh)
    hist = data["uncertainty"]["history"]
    hist.update({"from": date, "to": date, "days": "all"})
    pv = data.get("grid", {}).get("pv", {})
    if pv.get("model") == "pvlib":
        pv["date"] = date
    try:
        forecast = build_scenario(data, base_dir=path.parent, name=path.stem, source=str(path),
                                  fleet_seed=fleet_seed, scale=scale)
    except ScenarioError as exc:
        raise InputError(f"--date {date}: outside the data ({exc})") from None
    r = realise(forecast, 0, EVALUATION, day=0)
    # The data hold sessions only: the site's load and PV are the forecast's, unperturbed.
    return forecast, Realisation(dataclasses.replace(r.scenario, grid=forecast.grid),
                                 r.stated_departure_slot, r.stream, r.index, r.day)


def realised_day(spec: ReplaySpec) -> tuple[Scenario, Realisation]:
    """(forecast day, realised day) of a spec (module docstring)."""
    base = load_scenario(spec.scenario, spec.fleet_seed, spec.scale)
    if history_dates(base):
        if spec.date is not None and spec.realisation is not None:
            raise InputError("give --date D (a real day of the history) or --realisation I, "
                             "not both")
        if spec.date is not None:
            return history_day(spec.scenario, spec.date, spec.fleet_seed, spec.scale)
        return base, realise(base, spec.realisation or 0)
    sc = base if spec.date is None else load_scenario(spec.scenario, spec.fleet_seed,
                                                      spec.scale, spec.date)
    if sc.uncertainty is None:
        if spec.realisation is not None:
            raise InputError(f"--realisation: scenario {sc.name!r} has no [uncertainty] table; "
                             "its own day is replayed")
        return sc, nominal(sc)
    return sc, realise(sc, spec.realisation or 0)


def day_ahead(front_dir: str, forecast: Scenario, weights: np.ndarray):
    """(normalisation, plan of the mode's pick, its solution id) of a front run."""
    run = read_run(front_dir)
    run.require_schedules("a day-ahead plan")
    if run.scenario.slots != forecast.slots:
        raise InputError(f"--front {front_dir}: {run.scenario.slots} slots, the scenario "
                         f"{forecast.slots}")
    objectives = run.front[list(OBJECTIVES)].to_numpy()
    pick = select(objectives, weights)
    params = run.meta.get("parameters") or {}
    aggregate = (run.meta.get("algorithm") in AGGREGATE_ALGORITHMS
                 and params.get("encoding", "aggregate") == "aggregate")
    plans: Plans = plans_from_run(run, None if aggregate else max(run.scenario.fleet.n, 1))
    return pick.normalization, plans.take([pick.index]), int(plans.solutions[pick.index])


def run(spec: ReplaySpec, *, report=None) -> ReplayResult:
    """Resolve the day, the weights and the plan, replay, check and write (module docstring)."""
    with OutputDir(spec.out, overwrite=spec.overwrite) as target:
        forecast, realisation = realised_day(spec)
        check_import_limit(forecast)
        judgements = (load_default_judgements() if spec.judgements is None
                      else load_judgements(spec.judgements))
        weights = judgements.objective_weights(spec.mode)
        plan, solution, normalization = None, None, None
        if spec.front is not None:
            normalization, plan, solution = day_ahead(spec.front, forecast, weights)
        else:
            normalization = payoff_normalization(forecast)
        weighted = Weighted(weights, normalization)
        log = None
        if spec.ocpp:
            day = realisation.day or spec.date
            if day is None and realisation.scenario.date is None:
                raise InputError(f"--ocpp: scenario {realisation.scenario.name!r} is undated: "
                                 "give --date YYYY-MM-DD to anchor the requests (UTC)")
            dated = dataclasses.replace(realisation.scenario, date=day or
                                        realisation.scenario.date)
            log = ProfileLog(realisation.scenario, horizon(dated, None, None if
                                                           dated.timezone else "UTC"))
        result = replay(spec.policy, realisation, weighted, plan=plan, forecast=forecast,
                        options=spec.options(), on_step=log)
        parameters = {k: v for k, v in spec.to_dict().items() if k not in ("out", "overwrite")}
        extra = {
            "mode": spec.mode,
            "weights": dict(zip(OBJECTIVES, weighted.weights.tolist(), strict=True)),
            "normalization": _named(normalization),
            "front": spec.front,
            "plan_solution": solution,
        }
        path = write_replay(target, result, parameters=parameters, extra_meta=extra,
                            ocpp_jsonl=None if log is None else log.jsonl())
        return ReplayResult(path, result, 0 if log is None else len(log.records))


def _named(n: Normalization) -> dict:
    return {"ideal": dict(zip(OBJECTIVES, n.ideal.tolist(), strict=True)),
            "nadir": dict(zip(OBJECTIVES, n.nadir.tolist(), strict=True))}

"""What knowing the day is worth (issue 22 item 5, docs/model.md §12.5–12.6): fronts of one
nominal day judged on the same out-of-sample realisations, in one normalisation, with each
AHP mode's pick, the wait-and-see reference and the values of the stochastic solution and of
perfect information. The one home of that comparison: the `study` job (`jobs.study`) and the
ACN out-of-sample study (`studies.acn_out_of_sample`) both call `knowing`.

Given fronts ``{label: Run}`` of one nominal day, the scenario with its ``[uncertainty]``
table, realisation indices and a `Draw` (which days, of which stream):

1. every solution's plan (`moo.uncertainty.plan.plans_from_run`) dispatched on each
   realisation: `evaluate_plans` in this process, or `evaluate_on_dask` given a Dask client
   (tasks return tables, no worker touches a file);
2. one normalisation: ideal and nadir of the realised mean objectives (cost + imbalance
   cost, variance, peak-to-valley) over every solution of every front
   (`moo.uncertainty.compare.realised_hypervolume`), and each front's hypervolume in it
   (reference point 1.1 per objective, so at most 1.1³);
3. per AHP mode the pick each front's user makes before the day (`select_mode` on front.csv
   as written: the nominal objectives of a deterministic front, the training risk values of
   a risk-aware one) and its realised measures and score ``Σ w F̃`` per realisation;
4. the wait-and-see value of every realisation for the mode's weights
   (`moo.exact.wait_and_see`: ``method`` ``auto`` = the exact QP where the day fits, else the
   lower bound; ``bound`` = the bound everywhere), in this process or as Dask tasks;
5. `values`: per mode each pick's mean realised score, the **value of the stochastic
   solution** VSS = deterministic pick − risk-aware pick (labels `DETERMINISTIC`, `RISK`;
   > 0: the risk-aware pick does better on the days that happen) and on how many
   realisations the risk-aware pick scores lower, the wait-and-see mean and its certified
   lower bound, and the **upper estimate of the value of perfect information**
   EVPI ≤ best pick − wait-and-see lower bound.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from distributed import Client, as_completed

from models.scenario import Scenario
from moo.decision.ahp import Judgements
from moo.decision.select import select_mode
from moo.exact.wait_and_see import realised_scores, wait_and_see
from moo.rundir import Run, atomic_write_text
from moo.uncertainty.compare import realised_hypervolume
from moo.uncertainty.distributed import evaluate_on_dask
from moo.uncertainty.evaluate import OUT_OF_SAMPLE, Draw, evaluate_plans, realisation_indices
from moo.uncertainty.plan import plans_from_run
from moo.uncertainty.risk import OBJECTIVE_MEASURES
from moo.util.normalization import Normalization

MODES = ("economy", "response")
DETERMINISTIC, RISK = "deterministic", "risk"
# Realised measures kept per pick and realisation (moo.uncertainty.recourse.MEASURES).
KEEP = ("total_cost", "cost", "imbalance_cost", "variance", "peak_valley", "unmet_kwh",
        "unmet_request_kwh", "unmet_vehicles", "satisfaction", "imbalance_kwh")
# The tables `Knowing.write` puts in a folder, one CSV each (name: attribute).
TABLES = {"hv": "hv", "picks": "picks", "value": "value", "days": "days",
          "wait-and-see": "wait_and_see", "means": "means", "scale": "scale"}


@dataclass(frozen=True, eq=False)
class Knowing:
    """The comparison of fronts on one set of realisations (module docstring)."""

    days: pd.DataFrame  # mode, front, solution, realisation, day, score, KEEP: each pick
    wait_and_see: pd.DataFrame  # mode, realisation, day, method, value, lower, objectives
    picks: pd.DataFrame  # mode, front, solution, score and KEEP means, p_unmet
    value: pd.DataFrame  # mode: mean scores per front, VSS, wait-and-see, EVPI estimate
    hv: pd.DataFrame  # front, solutions, hv
    means: pd.DataFrame  # front, solution, realised means of OBJECTIVE_MEASURES
    realised: pd.DataFrame  # front, solution, realisation, day, MEASURES: every plan
    scale: pd.DataFrame  # objective, ideal, nadir, weight_MODE: what a score is made of
    normalization: Normalization
    currency: str

    def fields(self) -> dict:
        """The fields by name, without copying a table (for a result that adds its own)."""
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(Knowing)}

    def write(self, folder: Path) -> list[Path]:
        """`TABLES` as ``folder/NAME.csv`` (every plan's realisations stay out: their
        per-solution means are ``means.csv``)."""
        folder.mkdir(parents=True, exist_ok=True)
        paths = []
        for name, attr in TABLES.items():
            path = folder / f"{name}.csv"
            atomic_write_text(path, getattr(self, attr).to_csv(index=False,
                                                               float_format="%.10g"))
            paths.append(path)
        return paths


def knowing(
    fronts: Mapping[str, Run],
    scenario: Scenario,
    realisations: int | Sequence[int],
    judgements: Judgements,
    *,
    draw: Draw = OUT_OF_SAMPLE,
    client: Client | None = None,
    chunk: int = 6,
    method: str = "auto",
    modes: Sequence[str] = MODES,
    vss: Mapping[str, str] | None = None,
) -> Knowing:
    """Every front's plans on ``realisations`` of ``scenario`` (its ``[uncertainty]`` table;
    the fronts' nominal day), the picks, the wait-and-see reference (``method``) and the
    values (module docstring). ``client``: evaluate and solve on that Dask cluster in chunks
    of ``chunk`` realisations, else in this process. ``vss``: the VSS columns, each a front
    label whose pick is compared with the `RISK` front's (default ``{"vss": DETERMINISTIC}``)."""
    indices = realisation_indices(realisations)
    first = next(iter(fronts.values()))
    tables, summaries = {}, {}
    for label, run in fronts.items():
        if run.scenario.fleet.n != scenario.fleet.n:
            raise ValueError(f"{label}: another nominal day than {first.path}")
        plans = plans_from_run(run)
        if client is None:
            ev = evaluate_plans(scenario, plans, indices, draw=draw)
        else:
            ev = evaluate_on_dask(client, scenario, plans, indices, draw=draw, chunk=chunk)
        tables[label], summaries[label] = ev.table, ev.summary
    shared = realised_hypervolume(summaries)
    norm = shared.normalization
    hv = pd.DataFrame([{"front": label, "solutions": len(summaries[label]), "hv": v}
                       for label, v in shared.hypervolume.items()])
    means = pd.concat([s[["solution", *shared.columns]]
                       .set_axis(["solution", *OBJECTIVE_MEASURES], axis=1).assign(front=label)
                       for label, s in summaries.items()], ignore_index=True)

    weights = {mode: judgements.objective_weights(mode) for mode in modes}
    ws = _wait_and_see(scenario, weights, norm, indices, draw, method, client, chunk)

    days, picks = [], []
    for mode in modes:
        for label, run in fronts.items():
            sel = select_mode(run, judgements, mode)
            sol = int(run.front["solution"].to_numpy()[sel.selection.index])
            table = tables[label]
            scores = realised_scores(table, weights[mode], norm).loc[sol]
            rows = table[table["solution"] == sol][["solution", "realisation", "day",
                                                    *KEEP]]
            rows = rows.assign(mode=mode, front=label,
                               score=scores.loc[rows["realisation"]].to_numpy())
            days.append(rows)
            picks.append({"mode": mode, "front": label, "solution": sol,
                          "score": rows["score"].mean(),
                          **{k: rows[k].mean() for k in KEEP},
                          "p_unmet": float((rows["unmet_vehicles"] > 0).mean())})
    days = pd.concat(days, ignore_index=True)
    picks = pd.DataFrame(picks)
    return Knowing(days, ws, picks, values(picks, days, ws, vss), hv, means,
                   pd.concat([t.assign(front=k) for k, t in tables.items()], ignore_index=True),
                   pd.DataFrame({"objective": OBJECTIVE_MEASURES, "ideal": norm.ideal,
                                 "nadir": norm.nadir,
                                 **{f"weight_{m}": weights[m] for m in modes}}),
                   norm, str(scenario.currency))


def _wait_and_see_task(scenario, weights, ideal, nadir, indices, mode, draw, method):
    norm = Normalization(ideal, nadir)
    return wait_and_see(scenario, weights, norm, indices, draw=draw, method=method).table() \
        .assign(mode=mode)


def _wait_and_see(scenario, weights, norm, indices, draw, method, client, chunk):
    """The wait-and-see table of every mode and realisation, sorted by mode, realisation."""
    if client is None:
        parts = [_wait_and_see_task(scenario, w, norm.ideal, norm.nadir, indices, mode, draw,
                                    method) for mode, w in weights.items()]
    else:
        scenario_f = client.scatter(scenario, broadcast=True, hash=False)
        futures = [client.submit(_wait_and_see_task, scenario_f, w, norm.ideal, norm.nadir,
                                 indices[k:k + chunk], mode, draw, method, pure=False)
                   for mode, w in weights.items() for k in range(0, len(indices), chunk)]
        parts = [f.result() for f in as_completed(futures)]
    ws = pd.concat(parts, ignore_index=True)
    return ws.sort_values(["mode", "realisation"], ignore_index=True)


def values(picks: pd.DataFrame, days: pd.DataFrame, ws: pd.DataFrame,
           vss: Mapping[str, str] | None = None) -> pd.DataFrame:
    """Per mode: each pick's mean realised score (``FRONT_score``), the wait-and-see mean
    (value and certified lower bound, ``method`` exact or bound), with a `RISK` front each
    ``vss`` column (front label − risk, default ``{"vss": DETERMINISTIC}``) and
    ``risk_better_days`` (realisations on which the risk pick scores below the deterministic
    one), the best pick and EVPI ≤ best pick − wait-and-see lower bound."""
    vss = {"vss": DETERMINISTIC} if vss is None else vss
    rows = []
    for mode, g in picks.groupby("mode", sort=False):
        score = dict(zip(g["front"], g["score"], strict=True))
        w = ws[ws["mode"] == mode]
        row = {"mode": mode, "days": len(w), **{f"{k}_score": v for k, v in score.items()},
               "wait_and_see": w["value"].mean(), "wait_and_see_lower": w["lower"].mean(),
               "method": "/".join(sorted(w["method"].unique()))}
        if RISK in score:
            for column, label in vss.items():
                row[column] = score[label] - score[RISK]
            if DETERMINISTIC in score:
                wide = days[days["mode"] == mode].pivot(index="realisation", columns="front",
                                                        values="score")
                row["risk_better_days"] = int((wide[RISK] < wide[DETERMINISTIC]).sum())
        best = min(score, key=score.get)
        row["best_pick"] = best
        row["evpi_upper"] = score[best] - row["wait_and_see_lower"]
        rows.append(row)
    return pd.DataFrame(rows)

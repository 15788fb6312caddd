"""Front and swarm runs as the commands run them: from arguments to a run directory.

Order of work, so that bad input costs nothing and nothing is left half-done: the scenario
is loaded and checked (including an import limit no schedule can respect) before the
output is claimed (`moo.rundir.OutputDir`: checked, locked), and the output is claimed
before the optimiser starts. The arguments are recorded in checkpoints with the SHA-256 of
the resolved scenario, so ``--resume`` refuses a scenario file that changed. A run that
ends without a feasible schedule (too small a budget, an interrupt before the first one)
writes nothing and raises `NoSolutionError`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from models.errors import InputError, NoSolutionError
from models.scenario import Scenario
from moo.decision.ahp import load_default_judgements, load_judgements
from moo.decision.select import select
from moo.problems.baselines import baseline, check_baseline_limit
from moo.problems.encodings import resolve_encoding
from moo.problems.feasibility import check_import_limit, load_checked
from moo.problems.objectives import OBJECTIVES
from moo.rundir import OutputDir, read_run, scenario_digest, write_run
from moo.rundir.checkpoint import CHECKPOINT, FRONT, SWARM, check_scenario, load_checkpoint
from moo.search.nsga import (
    Budget,
    FrontResult,
    Memetic,
    RelaxSeeds,
    SketchSearch,
    default_max_solutions,
    run_front,
)
from moo.search.nsga import write_front as write_front_run
from moo.search.weighted import (
    LocalSearch,
    SwarmBudget,
    SwarmResult,
    minimize_scalar,
    run_swarm,
    scalar_problem,
    write_swarm,
)

Report = Callable[[float, str], None]  # (share of the budget spent, status line)


def _no_solution(scenario: Scenario, interrupted: bool) -> NoSolutionError:
    if interrupted:
        return NoSolutionError("interrupted before the first feasible schedule: nothing written")
    why = "no feasible schedule within the budget"
    if scenario.grid.import_limit_kw is not None:
        why += f" (import_limit_kw {scenario.grid.import_limit_kw:g} may be too tight)"
    return NoSolutionError(f"{why}: nothing written; give a larger budget")


@dataclass
class FrontJob:
    """A finished front run: where it is and what it found."""

    path: Path
    scenario: Scenario
    result: FrontResult
    args: dict

    def _sketch(self) -> str:
        sk = self.result.settings.get("sketch", {})
        if sk.get("factor", 1) <= 1:
            return ""
        return (f", searched on a sketch of {sk['vehicles']:,} vehicles (1 in {sk['factor']}), "
                "front dispatched on the whole fleet")

    def text(self) -> str:
        """What the `front` command prints: size, effort, encoding, objective ranges."""
        res, currency = self.result, self.scenario.currency
        F = res.F
        return (
            f"{len(F)} solutions (archive {res.archive_size}), {res.n_evals} evaluations, "
            f"{res.wall_time_s:.1f} s, {self.args['encoding']} encoding{self._sketch()}\n"
            f"cost {F[:, 0].min():,.2f} .. {F[:, 0].max():,.2f} {currency}; "
            f"std {np.sqrt(F[:, 1].min()):,.1f} .. {np.sqrt(F[:, 1].max()):,.1f} kW; "
            f"peak-valley {F[:, 2].min():,.1f} .. {F[:, 2].max():,.1f} kW"
        )


def front_arguments(
    *,
    scenario: str,
    fleet_seed: int | None = None,
    scale: int = 1,
    date: str | None = None,
    algorithm: str = "nsga2",
    encoding: str = "auto",
    clusters: int = 1,
    pop_size: int = 100,
    budget: Budget | None = None,
    seed: int = 1,
    max_solutions: int | None = None,
    checkpoint_every: int | None = None,
    local_search: str = "auto",
    relax_seeds: str = "auto",
    sketch: str = "auto",
) -> dict:
    """The arguments of a front run, as a checkpoint records them."""
    budget = Budget() if budget is None else budget
    return dict(
        scenario=scenario, fleet_seed=fleet_seed, scale=scale, date=date, algorithm=algorithm,
        encoding=encoding, clusters=clusters, pop_size=pop_size, budget=budget.to_dict(),
        seed=seed, max_solutions=max_solutions, checkpoint_every=checkpoint_every,
        local_search=local_search, relax_seeds=relax_seeds, sketch=sketch,
    )


def front_job(
    args: dict | None,
    out: str | Path | None,
    *,
    resume: str | Path | None = None,
    overwrite: bool = False,
    report: Report | None = None,
) -> FrontJob:
    """Run a front from ``args`` (`front_arguments`) into ``out``, or continue the
    checkpointed run in ``resume``."""
    payload = None
    if resume is not None:
        payload = load_checkpoint(Path(resume) / CHECKPOINT, FRONT)
        args, out = dict(payload["run"]), resume
    elif args is None or out is None:
        raise InputError("give --scenario and --out (or --resume RUN_DIR)")
    budget = Budget(**args["budget"])
    sc = load_checked(args["scenario"], args["fleet_seed"], args["scale"], args.get("date"))
    if payload is not None:
        check_scenario(Path(resume) / CHECKPOINT, args, sc)
    args["encoding"] = resolve_encoding(sc, args["encoding"])
    args["scenario_sha256"] = scenario_digest(sc)
    if args["max_solutions"] is None:
        args["max_solutions"] = default_max_solutions(sc)
    ls = args.get("local_search", "auto")
    memetic = Memetic(enabled=ls != "off", max_vars=None if ls == "on" else Memetic.max_vars)
    relax = RelaxSeeds(args.get("relax_seeds", "auto"))
    relax.check(args["encoding"])
    sketch = SketchSearch(args.get("sketch", "auto"))
    every = args["checkpoint_every"]

    def on_generation(row: dict) -> None:
        if report is not None:
            share = budget.spent(row["generation"], row["n_evals"], row["elapsed_s"])
            report(share, f"gen {row['generation']} front {row['n_nondominated']} "
                          f"HV {row['hypervolume']:.5f}")

    with OutputDir(out, overwrite=overwrite, resume=payload is not None) as target:
        res = run_front(
            sc, args["algorithm"], encoding=args["encoding"], pop_size=args["pop_size"],
            budget=budget, seed=args["seed"], clusters=args["clusters"],
            max_solutions=args["max_solutions"], on_generation=on_generation, resume=payload,
            memetic=memetic, relax=relax, sketch_search=sketch,
            checkpoint=Path(out) / CHECKPOINT if every else None,
            checkpoint_every=every or 0, checkpoint_meta=args,
        )
        if len(res.F) == 0:
            raise _no_solution(sc, res.interrupted)
        path = write_front_run(
            target, sc, res, algorithm=args["algorithm"],
            pop_size=args["pop_size"], clusters=args["clusters"], budget=budget,
            seed=args["seed"],
        )
    return FrontJob(path, sc, res, args)


@dataclass
class SwarmJob:
    """A finished weighted-sum run: where it is, what it found, and its reference."""

    path: Path
    result: SwarmResult
    reference: object  # the reference Run
    args: dict

    def text(self) -> str:
        """What the `mlgcso` command prints: weights, effort, the scalar beside the reference
        front's AHP point, and the written schedule's KPIs."""
        res, ref = self.result, self.reference
        written = read_run(self.path)
        weights = res.problem.weights
        chosen = select(ref.objectives, weights)
        p = res.parameters
        cols = {"cost": f"cost [{ref.scenario.currency}]", "variance": "variance [kW2]",
                "peak_valley": "p-v [kW]", "std_kw": "std [kW]", "peak_valley_pct": "p-v [%]",
                "satisfaction": "satisf."}
        table = written.front[list(cols)].rename(columns=cols)
        return "\n".join([
            f"weights ({self.args['mode']}): "
            + ", ".join(f"{n} {w:.3f}" for n, w in zip(OBJECTIVES, weights, strict=True)),
            f"{res.algorithm}: {res.n_evals:,} evaluations and {res.local_moves:,} "
            f"local-search moves in {res.wall_time_s:.1f} s ({p['encoding']} encoding, "
            f"pop {p['pop_size']}, phi {p['phi']:g}, seed {res.seed}); best scalar "
            f"{written.meta['scalar']:.5f}",
            f"reference front ({len(ref.front)} solutions, {ref.meta['n_evals']:,} "
            f"evaluations): AHP point solution "
            f"{int(ref.front['solution'].iloc[chosen.index])}, scalar {chosen.score:.5f}",
            table.to_string(index=False, float_format=lambda v: f"{v:,.2f}"),
        ])


def swarm_job(
    args: dict | None,
    out: str | Path | None,
    *,
    resume: str | Path | None = None,
    overwrite: bool = False,
    report: Report | None = None,
) -> SwarmJob:
    """Minimise one mode's weighted scalar over the reference front's scenario into ``out``,
    or continue the checkpointed run in ``resume``. ``args``: reference, mode, judgements
    (path or None), algorithm, encoding, local_search, pop_size, phi, evals, time_limit,
    seed, checkpoint_every."""
    if resume is not None:
        payload = load_checkpoint(Path(resume) / CHECKPOINT, SWARM)
        args, out = dict(payload["run"]), resume
        ref = read_run(args["reference"])
        check_scenario(Path(resume) / CHECKPOINT, args, ref.scenario)
        every = args["checkpoint_every"]
        with OutputDir(out, overwrite=overwrite, resume=True) as target:
            res = run_swarm(None, None, None, resume=payload,
                            checkpoint=Path(out) / CHECKPOINT if every else None,
                            checkpoint_every=every or 0, checkpoint_meta=args)
            path = _write_swarm(target, ref, res, args)
        return SwarmJob(path, res, ref, args)
    if args is None or out is None:
        raise InputError("give --reference, --mode and --out (or --resume RUN_DIR)")
    judgements = (load_default_judgements() if args.get("judgements") is None
                  else load_judgements(args["judgements"]))
    budget = SwarmBudget(args.get("evals"), args.get("time_limit"))
    ref = read_run(args["reference"])
    check_import_limit(ref.scenario)
    problem, repair = scalar_problem(
        ref, judgements.objective_weights(args["mode"]), args.get("encoding", "auto")
    )
    record = dict(
        reference=str(Path(args["reference"]).resolve()), mode=args["mode"],
        judgements=judgements.source, algorithm=args["algorithm"],
        checkpoint_every=args.get("checkpoint_every"),
        scenario_sha256=scenario_digest(ref.scenario),
    )
    every = args.get("checkpoint_every")
    with OutputDir(out, overwrite=overwrite) as target:
        res = minimize_scalar(
            problem, ref.scenario, args["algorithm"], pop_size=args.get("pop_size", 100),
            phi=args.get("phi", 0.05), budget=budget, seed=args.get("seed", 1), repair=repair,
            local_search=LocalSearch(enabled=args.get("local_search", True)),
            checkpoint=Path(out) / CHECKPOINT if every else None,
            checkpoint_every=every or 0, checkpoint_meta=record,
            on_generation=None if report is None else _swarm_report(budget, report),
        )
        path = _write_swarm(target, ref, res, record)
    return SwarmJob(path, res, ref, record)


def _swarm_report(budget: SwarmBudget, report: Report):
    def on_generation(row: dict) -> None:
        report(budget.spent(row["n_evals"], row["elapsed_s"]),
               f"gen {row['generation']} best {row['best_scalar']:.5f}")

    return on_generation


def _write_swarm(target: OutputDir, ref, res: SwarmResult, args: dict) -> Path:
    return write_swarm(target, ref.scenario, res, mode=args["mode"],
                       reference_run=args["reference"], judgements_source=args["judgements"])


def baseline_job(
    scenario: str,
    method: str,
    out: str | Path,
    *,
    fleet_seed: int | None = None,
    scale: int = 1,
    date: str | None = None,
    overwrite: bool = False,
) -> Path:
    """A reference schedule (docs/model.md §6) written as a run directory."""
    t0 = time.perf_counter()
    sc = load_checked(scenario, fleet_seed, scale, date)
    check_baseline_limit(sc, method)
    with OutputDir(out, overwrite=overwrite) as target:
        power = baseline(sc, method)
        throttled = sc.grid.import_limit_kw is not None
        return write_run(target, sc, power[None], algorithm=method, n_evals=1,
                         wall_time_s=time.perf_counter() - t0, targets=not throttled)

"""The `mlgcso` command's job: a `SwarmSpec` in, a weighted-sum run directory out.

The swarm (MLGCSO or CSO, `moo.search.weighted`) minimises one mode's AHP-weighted scalar
over a reference front run's scenario, normalised by that front. Bad input (a reference
that is no front, an unknown mode, an import limit no schedule respects) fails before
``--out`` is claimed; the spec is recorded in checkpoints with the SHA-256 of the
reference's scenario, so ``--resume`` refuses a reference whose scenario changed.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from jobs.options import budget, choice, named, whole
from models.errors import InputError
from models.scenario import Scenario
from moo.decision.ahp import Judgements, load_default_judgements, load_judgements
from moo.decision.select import select
from moo.problems.encodings import ENCODINGS
from moo.problems.feasibility import check_import_limit
from moo.problems.objectives import OBJECTIVES, evaluate
from moo.rundir import OutputDir, Run, read_run, scenario_digest, write_run
from moo.rundir.checkpoint import CHECKPOINT, SWARM, check_scenario, load_checkpoint
from moo.search.cso import DEFAULT_PHI
from moo.search.termination import Budget
from moo.search.weighted import (
    ALGORITHMS,
    BOUND_SEED_MODES,
    SWARM_BUDGET,
    BoundSeed,
    LocalSearch,
    SwarmResult,
    minimize_scalar,
    run_swarm,
    scalar_problem,
)
from moo.util.spec import Spec

Report = Callable[[float, str], None]  # (share of the budget spent, status line)
RECORDED = ("judgements_source", "scenario_sha256")  # what a checkpoint adds to the spec


@dataclass(frozen=True)
class SwarmSpec(Spec):
    """The options of a weighted-sum swarm run (the `mlgcso` command's).

    ``judgements``: a judgements TOML file, None for the shipped ones; ``local_search``
    False and ``bound_seed`` ``off`` is the papers' plain swarm (``bound_seed``: the
    bound's optimum for the mode's weights as a seed, `moo.search.weighted.BoundSeed`;
    ``auto``: with the aggregate encoding). The budget is evaluations or wall time, not
    both.
    """

    reference: str
    mode: str
    judgements: str | None = None
    algorithm: str = "mlgcso"
    encoding: str = "auto"
    local_search: bool = True
    bound_seed: str = "auto"
    pop_size: int = 100
    phi: float = DEFAULT_PHI
    budget: Budget = SWARM_BUDGET
    seed: int = 1
    checkpoint_every: int | None = None

    def __post_init__(self):
        named("reference", self.reference)
        named("mode", self.mode)
        if self.budget is None:
            object.__setattr__(self, "budget", SWARM_BUDGET)
        budget(self.budget)
        if self.budget.evals is not None and self.budget.time_limit_s is not None:
            raise InputError("give one of --evals and --time-limit, not both")
        choice("algorithm", self.algorithm, tuple(ALGORITHMS))
        choice("encoding", self.encoding, ENCODINGS)
        choice("local search", self.local_search, (True, False))
        choice("bound seed", self.bound_seed, BOUND_SEED_MODES)
        whole("pop size", self.pop_size, 4)
        whole("seed", self.seed, 0)
        whole("checkpoint every", self.checkpoint_every, optional=True)
        if not isinstance(self.phi, int | float) or isinstance(self.phi, bool) or self.phi < 0:
            raise InputError(f"phi: must be a number >= 0, got {self.phi!r}")


@dataclass
class SwarmJob:
    """A finished weighted-sum run: where it is, what it found, and its reference."""

    path: Path
    result: SwarmResult
    reference: object  # the reference Run
    spec: SwarmSpec

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
        seed = p.get("bound_seed", {})
        bound = [] if not seed.get("active") else [
            f"bound seed: certified lower bound {seed['bound']:.5f}; the relaxed optimum "
            f"rounded by the {seed['dispatch']} dispatch {seed['rounded'][seed['dispatch']]:.5f}, "
            f"polished {seed['polished_scalar']:.5f} ({seed['polish_evals']:,} evaluations); "
            f"the best is at most {written.meta['scalar'] - seed['bound']:.5f} above the optimum"]
        return "\n".join([
            f"weights ({self.spec.mode}): "
            + ", ".join(f"{n} {w:.3f}" for n, w in zip(OBJECTIVES, weights, strict=True)),
            f"{res.algorithm}: {res.n_evals:,} evaluations and {res.local_moves:,} "
            f"local-search moves in {res.wall_time_s:.1f} s ({p['encoding']} encoding, "
            f"pop {p['pop_size']}, phi {p['phi']:g}, seed {res.seed}); best scalar "
            f"{written.meta['scalar']:.5f}",
            *bound,
            f"reference front ({len(ref.front)} solutions, {ref.meta['n_evals']:,} "
            f"evaluations): AHP point solution "
            f"{int(ref.front['solution'].iloc[chosen.index])}, scalar {chosen.score:.5f}",
            table.to_string(index=False, float_format=lambda v: f"{v:,.2f}"),
        ])


def run(
    spec: SwarmSpec | None,
    out: str | Path | None,
    *,
    resume: str | Path | None = None,
    overwrite: bool = False,
    report: Report | None = None,
) -> SwarmJob:
    """Minimise one mode's weighted scalar over the reference front's scenario into ``out``,
    or continue the checkpointed run in ``resume``."""
    on_generation = None
    if report is not None:
        def on_generation(row: dict) -> None:
            report(row["budget_share"], f"gen {row['generation']} best {row['best_scalar']:.5f}")

    if resume is not None:
        payload = load_checkpoint(Path(resume) / CHECKPOINT, SWARM)
        record, out = dict(payload["run"]), resume
        spec = SwarmSpec.from_dict({k: v for k, v in record.items() if k not in RECORDED})
        ref = read_run(spec.reference)
        check_scenario(Path(resume) / CHECKPOINT, record, ref.scenario)
        every = spec.checkpoint_every
        with OutputDir(out, overwrite=overwrite, resume=True) as target:
            res = run_swarm(None, None, None, on_generation, resume=payload,
                            checkpoint=Path(out) / CHECKPOINT if every else None,
                            checkpoint_every=every or 0, checkpoint_meta=record)
            path = write_swarm(target, ref.scenario, res, mode=spec.mode,
                               reference_run=spec.reference,
                               judgements_source=record.get("judgements_source",
                                                            spec.judgements))
        return SwarmJob(path, res, ref, spec)
    if spec is None or out is None:
        raise InputError("give --reference, --mode and --out (or --resume RUN_DIR)")
    judgements = (load_default_judgements() if spec.judgements is None
                  else load_judgements(spec.judgements))
    ref = read_run(spec.reference)
    check_import_limit(ref.scenario)
    prepared = prepare(spec, ref, judgements)
    spec = dataclasses.replace(spec, reference=str(Path(spec.reference).resolve()))
    record = {**spec.to_dict(), "judgements_source": judgements.source,
              "scenario_sha256": scenario_digest(ref.scenario)}
    with OutputDir(out, overwrite=overwrite) as target:
        checkpoint = Path(out) / CHECKPOINT if spec.checkpoint_every else None
        res = search(spec, ref, prepared, on_generation=on_generation, checkpoint=checkpoint,
                     checkpoint_meta=record)
        path = write_swarm(target, ref.scenario, res, mode=spec.mode,
                           reference_run=spec.reference, judgements_source=judgements.source)
    return SwarmJob(path, res, ref, spec)


def prepare(spec: SwarmSpec, reference: Run, judgements: Judgements):
    """The scalar problem and its repair of ``spec`` over the reference front (refused
    before any output is claimed when the reference, the mode or the bound seed does not
    fit)."""
    prepared = scalar_problem(reference, judgements.objective_weights(spec.mode), spec.encoding)
    BoundSeed(spec.bound_seed).check(prepared[0].problem.encoding)
    return prepared


def search(spec: SwarmSpec, reference: Run, prepared, *, on_generation=None,
           checkpoint=None, checkpoint_meta: dict | None = None) -> SwarmResult:
    """`minimize_scalar` with the spec's settings on the `prepare`d problem."""
    problem, repair = prepared
    return minimize_scalar(
        problem, reference.scenario, spec.algorithm, pop_size=spec.pop_size, phi=spec.phi,
        budget=spec.budget, seed=spec.seed, repair=repair,
        local_search=LocalSearch(enabled=spec.local_search),
        bound=BoundSeed(spec.bound_seed), checkpoint=checkpoint,
        checkpoint_every=spec.checkpoint_every or 0, checkpoint_meta=checkpoint_meta,
        on_generation=on_generation,
    )


def write_swarm(
    out, scenario: Scenario, res: SwarmResult, *, mode: str, reference_run, judgements_source: str
) -> Path:
    """Dispatch the best solution into schedules and write the run directory.

    meta.json adds ``mode``, ``weights`` (objective -> weight), ``normalization`` (objective
    names, ideal, nadir), ``scalar`` (recomputable from front.csv with those) and
    ``reference_run``.
    """
    if not res.feasible:
        raise InputError(
            f"no schedule within import_limit_kw found in {res.n_evals} evaluations "
            "(best exceeds it); give a larger budget"
        )
    problem = res.problem
    ev, bess, _ = problem.problem.schedules(res.x[None])
    objectives = evaluate(scenario, ev, bess)[list(OBJECTIVES)].to_numpy()  # as front.csv
    norm = problem.normalization
    return write_run(
        out,
        scenario,
        ev,
        bess,
        algorithm=res.algorithm,
        parameters=res.parameters,
        seed=res.seed,
        n_evals=res.n_evals,
        wall_time_s=res.wall_time_s,
        history=res.history,
        extra_meta={
            "mode": mode,
            "judgements": judgements_source,
            "weights": dict(zip(OBJECTIVES, problem.weights.tolist(), strict=True)),
            "normalization": {
                "objectives": list(OBJECTIVES),
                "ideal": norm.ideal.tolist(),
                "nadir": norm.nadir.tolist(),
                "kind": "reference front: column min / max",
            },
            "scalar": float(problem.scalar(objectives)[0]),
            "reference_run": str(Path(reference_run).resolve()),
            "local_moves": res.local_moves,
            "interrupted": res.interrupted,
        },
    )

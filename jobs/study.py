"""The `study` command's job: the whole study of one preset (a `StudySpec`), within a
wall-time budget: runs, figures and report.md.

Stages, each a run directory under ``OUT``:

1. ``baseline-uncoordinated``, ``baseline-ordered`` (docs/model.md §6);
2. ``bound`` — the lower-bound front (`moo.exact.bound`), always: vehicles are grouped, so
   it stays small whatever the fleet; then ``front`` — NSGA-III for a share of the budget
   (vehicle encoding for small fleets, aggregate from 5,000 plugged vehicle-slots on:
   `moo.problems.encodings.auto_encoding`; the aggregate one seeded from the bound's
   relaxed optima);
   with an ``[uncertainty]`` table (docs/model.md §12.1), ``front-risk`` — the risk-aware
   front (`front --realisations K --risk mean`: NSGA-III on the mean of each objective over
   K training realisations, cost with the imbalance cost), then **what knowing is worth**
   (`jobs.knowing`): both fronts' plans dispatched on the same N realisations of the
   evaluation stream (the days `realise --realisations N` draws: the stream is disjoint from
   the training one by its seed sequence, `models.uncertainty`), the hypervolume of each
   front's realised means in one normalisation, per AHP mode each front's pick realised,
   the wait-and-see value of every realisation (exact QP or lower bound, below), the value
   of the stochastic solution and the upper estimate of the value of perfect information;
   its tables in ``knowing/*.csv``;
3. ``exact`` — the exact reference front, when one timed QP says the lattice fits the
   share of the budget left for it (fewer weight vectors if that is what fits);
4. AHP selection of ``economy`` and ``response`` on the front (shipped judgements);
5. ``mlgcso-economy``, ``mlgcso-response``, ``cso-economy``, ``cso-response`` — the
   weighted-sum route on the same scalar (weights of the mode, normalisation and encoding
   of the front, local-search seeding as the front's, on the aggregate encoding the bound's
   optimum for the mode as a seed: `moo.search.weighted`), equal wall-time shares, so MLGCSO
   and CSO are compared on equal footing;
6. ``figures/``, ``explore.html`` (`plots.explorer`, screenshot ``figures/explorer.png``
   where chromium is installed) and ``report.md`` (`jobs.report`): scenario summary, the
   seed-004-style KPI table, front quality, and the seed's headline claims (`jobs.claims`)
   with our numbers: against the exact front where it was computed, and against the lower
   bound (reached by a schedule of ours, out of reach for every schedule, or open in
   between) in every study; with an ``[uncertainty]`` table, the section "What knowing is
   worth".

The budget is split by fixed shares of what is left when a stage starts (front 40 %,
exact up to 50 % of the rest, the four swarm runs share 70 % of what then remains), so a
stage that finishes early leaves its time to the next. With an ``[uncertainty]`` table the
front gets 25 % and the risk-aware front as many seconds (the two fronts compared on equal
footing), and the presets that have one get 1.5 times the budget they had without
(`DEFAULT_BUDGET_S`), so the deterministic front and the later stages keep about their
time. What knowing is worth has no time limit of its own: it is sized. N = 50 evaluation
realisations and K = 32 training ones (`StudySpec.realisations`, ``training``): 50
re-dispatches of every plan cost about 50 front evaluations (seconds on every preset), and
32 is the issue's benchmark K. The wait-and-see reference needs one solve per realisation
and mode: one exact QP is timed first, and the exact QPs are used (``auto``: where a day
fits `moo.exact.wait_and_see.EXACT_MAX_VEHICLE_SLOTS`) when 2·N of them fit 35 % of what is
left, else the lower bound (a fraction of a second per day at any size; the EVPI estimate
stays an upper one, only looser); the report says which. The evaluation and the QPs run in
this process, as every other stage does (`evaluate_plans`; a day's re-dispatch is a numba
kernel): N = 50 does not need a cluster, and the study starts none; `realise` (on Dask)
is the command for N in the hundreds. The front and swarm stages are the
specs of their commands (`FrontSpec`, `SwarmSpec`) solved and written by those commands'
job code, so each stage's run directory is what the command would write.
"""

from __future__ import annotations

import math
import os
import shutil
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from jobs.baseline import write_baseline
from jobs.bound import write_bound
from jobs.claims import bound_claims, claims_table
from jobs.exact import write_exact
from jobs.explore import ExploreSpec
from jobs.explore import run as explore_job
from jobs.front import FrontSpec, settings, write_front
from jobs.knowing import DETERMINISTIC, MODES, RISK, Knowing, knowing
from jobs.options import named, whole
from jobs.plot import PlotSpec
from jobs.plot import run as plot_job
from jobs.report import bound_section, knowing_section, knowing_summary, quality, render
from jobs.select import save_ahp
from jobs.swarm import SwarmSpec, prepare, write_swarm
from jobs.swarm import search as search_swarm
from models.errors import InputError
from models.scenario import Scenario, load_scenario
from moo.decision.ahp import load_default_judgements
from moo.decision.decide import decide_ahp
from moo.exact.bound import bound_front
from moo.exact.front import DEFAULT_POINTS, ExactModel, exact_front, solve_weighted
from moo.exact.indicators import hv_ratio
from moo.exact.wait_and_see import EXACT_MAX_VEHICLE_SLOTS, wait_and_see
from moo.problems.encodings import auto_encoding
from moo.rundir import OutputDir, atomic_write_text, read_run, tool_version
from moo.rundir.output import STUDY
from moo.search.nsga import run_front
from moo.search.termination import Budget
from moo.util.normalization import Normalization
from moo.util.spec import Spec
from plots.convergence import convergence
from plots.report import save_figure
from plots.screenshot import available, screenshot

DEFAULT_BUDGET_S = {"building": 360.0, "caltech": 270.0, "qingdao": 300.0, "iov": 900.0,
                    "crisscross": 600.0, "eva": 450.0, "jpl": 270.0}
REALISATIONS = 50  # N: evaluation realisations of what knowing is worth
TRAINING = 32  # K: training realisations of the risk-aware front
WAIT_AND_SEE_SHARE = 0.35  # of what is left: the exact wait-and-see QPs, or the bound
SWARMS = ("mlgcso", "cso")
KPI_ROWS = ("uncoordinated", "ordered", "economy", "response", "mlgcso-economy",
            "mlgcso-response", "cso-economy", "cso-response")


@dataclass(frozen=True)
class StudySpec(Spec):
    """The options of a study: the preset (or scenario file), the wall-time budget in seconds
    (None: the preset's `DEFAULT_BUDGET_S`, 300 s for a file), the optimiser seed, the day
    of a dated scenario, and for a scenario with an ``[uncertainty]`` table the evaluation
    realisations N and training realisations K (module docstring; the CLI uses the
    defaults)."""

    scenario: str
    budget_s: float | None = None
    seed: int = 1
    date: str | None = None
    realisations: int = REALISATIONS
    training: int = TRAINING

    def __post_init__(self):
        named("scenario", self.scenario)
        b = self.budget_s
        if b is not None and not (isinstance(b, int | float) and math.isfinite(b) and b > 0):
            raise InputError(f"budget: must be a finite number of seconds > 0, got {b!r}")
        whole("seed", self.seed, 0)
        whole("realisations", self.realisations)
        whole("training realisations", self.training)


@dataclass
class StudyResult:
    """A finished study: where it is (``path``: its report.md) and what it found."""

    out: Path
    kpis: pd.DataFrame
    claims: pd.DataFrame
    hv_ratio: float | None
    timings: dict = field(default_factory=dict)
    figures: list = field(default_factory=list)
    bound_claims: pd.DataFrame | None = None  # the claims against the lower bound
    knowing: Knowing | None = None  # what knowing is worth ([uncertainty] only)

    @property
    def path(self) -> Path:
        return self.out / "report.md"

    def text(self) -> str:
        """What the `study` command prints: the seed claims with our numbers (none: empty)."""
        lines = [] if self.knowing is None else knowing_summary(self.knowing)
        if len(self.claims):
            lines.insert(0, self.claims[["seed", "claim", "seed value", "ours", "met"]]
                         .to_string(index=False))
        return "\n".join(lines)


class _Clock:
    def __init__(self, budget_s: float, progress: Callable[[str], None]):
        self.t0 = time.perf_counter()
        self.budget_s = budget_s
        self.progress = progress
        self.timings: dict[str, float] = {}

    def left(self) -> float:
        return max(self.budget_s - (time.perf_counter() - self.t0), 0.0)

    def stage(self, name: str):
        clock = self

        class _Stage:
            def __enter__(self):
                self.start = time.perf_counter()
                clock.progress(f"[{time.perf_counter() - clock.t0:6.1f} s] {name} ...")

            def __exit__(self, *exc):
                clock.timings[name] = time.perf_counter() - self.start
                return False

        return _Stage()


def run(
    spec: StudySpec,
    out: str | Path,
    *,
    overwrite: bool = False,
    progress: Callable[[str], None] = lambda msg: None,
) -> StudyResult:
    """Run every stage of the study of one preset (or scenario file) into ``out``; a
    ``date`` runs that day of a dated scenario (`models.scenario.load_scenario`). ``out``
    follows the run-directory rules (`moo.rundir.OutputDir`). With ``overwrite`` a previous
    study there is set aside as the hidden sibling ``.NAME.previous-PID`` while the new one
    is written in its place (its runs record where they are, so it is not written elsewhere
    and renamed): deleted when the new study is complete, put back when it fails or is
    interrupted."""
    scenario = load_scenario(spec.scenario, date=spec.date)
    with OutputDir(out, kind=STUDY, overwrite=overwrite) as claim:
        previous = None
        if claim.path.exists():
            previous = claim.aside_path()
            shutil.rmtree(previous, ignore_errors=True)
            os.rename(claim.path, previous)
        try:
            result = _run_study(spec, scenario, claim.path, progress)
        except BaseException:  # a study that did not finish leaves nothing half-written
            shutil.rmtree(claim.path, ignore_errors=True)
            if previous is not None:
                os.rename(previous, claim.path)
            raise
        if previous is not None:
            shutil.rmtree(previous, ignore_errors=True)
        return result


def _run_study(spec: StudySpec, scenario: Scenario, out: Path, progress) -> StudyResult:
    revision = source_revision()  # of the code this process loaded, before anything changes
    preset = Path(scenario.source).stem
    budget_s = spec.budget_s or DEFAULT_BUDGET_S.get(preset, 300.0)
    seed, date = spec.seed, spec.date
    out.mkdir(parents=True, exist_ok=True)
    clock = _Clock(budget_s, progress)
    judgements = load_default_judgements()

    runs: dict[str, Path] = {}
    scalars_ahp: dict[str, float] = {}
    for method in ("uncoordinated", "ordered"):
        with clock.stage(f"baseline {method}"):
            runs[method] = write_baseline(out / f"baseline-{method}", scenario, method)

    with clock.stage("lower bound"):  # before the front, whose relaxed seeds it gives
        relaxed = bound_front(scenario)
        runs["bound"] = write_bound(out / "bound", scenario, relaxed)

    encoding = auto_encoding(scenario)
    uncertain = scenario.uncertainty is not None
    front_s = max((0.25 if uncertain else 0.4) * clock.left(), 1.0)
    with clock.stage(f"front (NSGA-III, {encoding} encoding)"):
        front = FrontSpec(spec.scenario, date=date, algorithm="nsga3", encoding=encoding,
                          budget=Budget(time_limit_s=front_s), seed=seed, max_solutions=200)
        runs["front"] = _front(scenario, front, relaxed, out / "front")

    knowing, ws_note = None, ""
    if uncertain:
        with clock.stage(f"risk-aware front (NSGA-III, mean over K = {spec.training})"):
            risky = FrontSpec(spec.scenario, date=date, algorithm="nsga3",
                              budget=Budget(time_limit_s=front_s), seed=seed,
                              max_solutions=200, realisations=spec.training, risk="mean")
            runs["front-risk"] = _front(scenario, risky, relaxed, out / "front-risk")
        with clock.stage(f"what knowing is worth (N = {spec.realisations})"):
            knowing, ws_note = _knowing(scenario, runs, spec.realisations, judgements,
                                        WAIT_AND_SEE_SHARE * clock.left(), progress)
            knowing.write(out / "knowing")

    with clock.stage("exact reference"):
        runs["exact"] = _exact(scenario, out / "exact", 0.5 * clock.left(), progress)

    picks = {}
    with clock.stage("AHP selection"):
        front, exact = read_run(runs["front"]), runs.get("exact")
        exact = None if exact is None else read_run(exact)
        for mode in MODES:
            chosen, decision = decide_ahp(front, judgements, mode, "weighted-sum",
                                          reference=exact)
            save_ahp(front, chosen, decision)
            picks[mode] = chosen.solution
            scalars_ahp[mode] = float(chosen.selection.score)

    swarm_share = 0.7 * clock.left() / (len(SWARMS) * len(MODES))
    scalars = {}
    for algo in SWARMS:
        for mode in MODES:
            with clock.stage(f"{algo.upper()} {mode}"):
                path, scalar = _swarm(runs["front"], judgements, algo, mode, swarm_share, seed,
                                      out / f"{algo}-{mode}")
                runs[f"{algo}-{mode}"] = path
                scalars[f"{algo}-{mode}"] = scalar

    optima = {}
    if runs.get("exact") is not None:
        with clock.stage("exact weighted-sum optima"):
            optima = _weighted_optima(runs["front"], judgements)

    with clock.stage("figures"):
        figures = _figures(runs, out / "figures")

    with clock.stage("explorer"):
        explorer = _explorer(runs, out, progress)
        figures += explorer[1:]

    kpis = _kpi_table(runs, picks)

    front = read_run(runs["front"])
    exact = read_run(runs["exact"]) if runs.get("exact") else None
    claims = claims_table(preset, kpis, scalars, None if exact is None else exact.front)
    bound = read_run(runs["bound"])
    against_bound = bound_claims(preset, kpis, scalars, bound, _our_schedules(runs))
    hv = None if exact is None else float(hv_ratio(front.objectives, exact.objectives))
    clock.timings["total"] = time.perf_counter() - clock.t0
    scalars.update({f"ahp-{mode}": v for mode, v in scalars_ahp.items()})
    encoding = front.meta["parameters"]["encoding"]
    section = None if knowing is None else knowing_section(
        knowing, spec.training, spec.realisations, ws_note, encoding)
    report = render(scenario, preset, budget_s, seed, date, runs, kpis, claims, scalars,
                    optima, clock.timings, figures, out, revision,
                    quality(front, exact, bound, hv), bound_section(against_bound, bound),
                    encoding, knowing=section)
    atomic_write_text(out / "report.md", report)
    progress(f"[{clock.timings['total']:6.1f} s] wrote {out / 'report.md'}")
    return StudyResult(out, kpis, claims, hv, clock.timings, figures, against_bound, knowing)


def _front(scenario: Scenario, spec: FrontSpec, relaxed, path: Path) -> Path:
    """The front of ``spec`` (deterministic or risk-aware) on the study's scenario, seeded
    from the bound's relaxed optima, written as the `front` command writes it."""
    how = settings(spec, scenario)
    res = run_front(scenario, how, relaxed=relaxed)
    return write_front(path, scenario, res, algorithm=spec.algorithm, pop_size=spec.pop_size,
                       clusters=spec.clusters, budget=spec.budget, seed=spec.seed,
                       risk=how.risk)


def _knowing(scenario: Scenario, runs: dict, n: int, judgements, share_s: float,
             progress) -> tuple[Knowing, str]:
    """Both fronts on N evaluation realisations (`jobs.knowing`), with the wait-and-see
    method that fits ``share_s`` (module docstring), and a sentence saying which and why."""
    fronts = {DETERMINISTIC: read_run(runs["front"]), RISK: read_run(runs["front-risk"])}
    solves = n * len(MODES)
    t0 = time.perf_counter()
    probe = wait_and_see(scenario, judgements.objective_weights(MODES[0]),
                         Normalization.of_front(fronts[DETERMINISTIC].objectives), [0])
    per_s = time.perf_counter() - t0
    if probe.method[0] == "bound":
        method, note = "bound", ("the lower bound: the day is too large for the exact QP "
                                 f"(more than {EXACT_MAX_VEHICLE_SLOTS:,} plugged "
                                 "vehicle-slots)")
    elif per_s * solves <= share_s:
        method, note = "auto", (f"the exact QP of each day (one took {per_s:.2f} s; "
                                f"{solves} fit the {share_s:.0f} s share)")
    else:
        method, note = "bound", (f"the lower bound: {solves} exact QPs at {per_s:.2f} s each "
                                 f"did not fit the {share_s:.0f} s share of the budget")
    progress(f"  wait-and-see: {note}")
    return knowing(fronts, scenario, n, judgements, method=method), note


def _exact(scenario: Scenario, path: Path, share_s: float, progress) -> Path | None:
    """The exact front when a timed QP says it fits ``share_s``; else None."""

    t0 = time.perf_counter()
    ExactModel(scenario).solve([1.0, 0.0, 0.0])  # one cost QP, model build included: a probe
    per_qp = time.perf_counter() - t0
    # Anchors (6 QPs) plus about 1.5 QPs per weight vector (convex-concave rounds).
    fits = int((share_s - per_qp - 6 * per_qp) / (1.5 * per_qp))
    points = min(DEFAULT_POINTS, fits)
    if points < 10:
        progress(f"  skipped: ~{per_qp:.2f} s per QP, {share_s:.0f} s left for it")
        return None
    return write_exact(path, scenario, exact_front(scenario, points))


def _swarm(front: Path, judgements, algo: str, mode: str, time_s: float, seed: int, out: Path):
    spec = SwarmSpec(str(front), mode, algorithm=algo,
                     budget=Budget(time_limit_s=max(time_s, 1.0)), seed=seed)
    ref = read_run(front)
    res = search_swarm(spec, ref, prepare(spec, ref, judgements))
    path = write_swarm(out, ref.scenario, res, mode=mode, reference_run=front,
                       judgements_source=judgements.source)
    return path, float(read_run(path).meta["scalar"])


def _our_schedules(runs: dict) -> pd.DataFrame:
    """front.csv rows of every schedule the study found: the NSGA-III front and the swarms'
    bests (a seed claim counts as reached when any of them meets it)."""
    names = ["front", *(f"{a}-{m}" for a in SWARMS for m in MODES)]
    return pd.concat([read_run(runs[n]).front for n in names if runs.get(n) is not None],
                     ignore_index=True)


def _kpi_table(runs: dict, picks: dict) -> pd.DataFrame:
    """One row per schedule (KPI_ROWS), the docs/model.md §5 columns."""
    rows = {}
    front = read_run(runs["front"]).front
    for name in KPI_ROWS:
        if name in MODES:
            rows[name] = front[front["solution"] == picks[name]].iloc[0]
        elif name in runs:
            rows[name] = read_run(runs[name]).front.iloc[0]
    return pd.DataFrame(rows).T.drop(columns="solution").astype(float)


def _figures(runs: dict, out: Path) -> list[Path]:
    exact = None if runs.get("exact") is None else str(runs["exact"])
    bases = (str(runs["uncoordinated"]), str(runs["ordered"]))
    paths = list(plot_job(PlotSpec(str(runs["front"]), exact, bases, out_dir=str(out))).paths)
    swarms = {f"{a.upper()} {m}": read_run(runs[f"{a}-{m}"]) for a in SWARMS for m in MODES}
    paths.append(save_figure(convergence(swarms), out / "convergence-swarms.png"))
    return paths


def _explorer(runs: dict, out: Path, progress) -> list[Path]:
    """OUT/explore.html and, where Debian's chromium is installed, its screenshot
    OUT/figures/explorer.png (the results commit the screenshot, not the page)."""
    exact = None if runs.get("exact") is None else str(runs["exact"])
    bases = (str(runs["uncoordinated"]), str(runs["ordered"]))
    page = explore_job(ExploreSpec(str(runs["front"]), exact, bases,
                                   str(out / "explore.html"))).path
    if not available():
        progress("  no chromium/selenium: explore.html written without a screenshot")
        return [page]
    try:
        return [page, screenshot(page, out / "figures" / "explorer.png")]
    except (RuntimeError, TimeoutError) as exc:  # the study's results stand without it
        progress(f"  explorer screenshot failed: {exc}")
        return [page]


def _weighted_optima(front: Path, judgements) -> dict[str, float]:
    """Exact optimum of each mode's weighted sum in the front's normalisation (docs/model.md §7)."""

    run = read_run(front)
    norm = Normalization.of_front(run.objectives)
    optima = {}
    for mode in MODES:
        w = judgements.objective_weights(mode)
        _, _, obj = solve_weighted(run.scenario, w, norm.ideal, norm.nadir)
        optima[mode] = float(norm.apply(obj[None])[0] @ w)
    return optima


def source_revision() -> str:
    """The git commit the code runs from (with "+changes" when the tree differs from it),
    or the installed version outside a checkout: what a report states it ran on."""
    root = Path(__file__).resolve().parents[1]
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=root, text=True,
                              capture_output=True, timeout=10, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"],
                               cwd=root, text=True, capture_output=True, timeout=10).stdout
    except (OSError, subprocess.SubprocessError):
        return f"v2g-pareto {tool_version()}"
    return f"commit {head}{'+changes' if dirty.strip() else ''}"

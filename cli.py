"""Command-line interface of v2g-pareto: each command parses, calls one library function, prints.

Library modules are imported inside the commands so that ``--help`` and quick commands start
without loading numba and pymoo; nothing here is imported to dodge a cycle.
"""

from __future__ import annotations

import sys

import click

from cli_options import (
    DIR,
    PATH,
    POS,
    OneLineGroup,
    budget_options,
    csv_list,
    date_option,
    day_option_value,
    day_range_option_value,
    encoding_option,
    json_option,
    judgements_option,
    option,
    out_options,
    resume_options,
    scenario_options,
    search_options,
    shown_runs,
    user_errors,
    wrote,
)
from cli_progress import run_with_progress
from moo.util.jsontext import dumps


@click.group(cls=OneLineGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="v2g-pareto")
def cli():
    """Pareto fronts for EV-fleet V2G scheduling: cost, net-load variance, peak-to-valley.

    Example: v2g-pareto scenarios
    """


@cli.command()
def scenarios():
    """List the preset scenarios with a one-line description.

    Example: v2g-pareto scenarios
    """
    from models.scenario import list_presets

    for name, desc in list_presets().items():
        click.echo(f"{name:12s} {desc}")


@cli.group()
def scenario():
    """Inspect scenario files.

    Example: v2g-pareto scenario show building
    """


@scenario.command("show")
@click.argument("name_or_path", metavar="NAME|PATH")
@option("--fleet-seed", type=int, help="Override the file's fleet_seed.")
@date_option
@user_errors
def scenario_show(name_or_path, fleet_seed, date):
    """Summarise a scenario: fleet, time grid, energy needed, load, PV and prices.

    Example: v2g-pareto scenario show building --fleet-seed 7
    """
    from models.scenario import load_scenario

    click.echo(load_scenario(name_or_path, fleet_seed, date=date).summary_text())


@cli.command()
@scenario_options()
@option("--method", type=click.Choice(["uncoordinated", "ordered"]), required=True,
        help="Full power on arrival, or charge-only valley filling.")
@out_options()
@user_errors
def baseline(out, overwrite, **options):
    """Compute a reference schedule (docs/model.md §6) and write it as a run directory.

    Example: v2g-pareto baseline --scenario building --method uncoordinated --out runs/b-unc
    """
    from jobs.baseline import BaselineSpec, run

    job = run(BaselineSpec(**options), out, overwrite=overwrite)
    click.echo(job.text())
    wrote(job.path, "v2g-pareto plot {run}")


@cli.command()
@scenario_options(required=False)
@option("--algorithm", type=click.Choice(["nsga2", "nsga3"]), default="nsga2", help="NSGA-II/III.")
@encoding_option
@option("--clusters", type=POS, default=1, help="Aggregate encoding: K departure groups.")
@option("--pop", "pop_size", type=click.IntRange(min=4), default=100, help="Population size.")
@budget_options
@option("--seed", type=int, default=1, help="Optimiser seed.")
@option("--max-solutions", type=POS, help="Solutions written (default 500, fewer for huge fleets).")
@search_options
@option("--realisations", type=int, metavar="K",
        help="Risk-aware: judge each plan on K training realisations ([uncertainty] table).")
@option("--risk", default="mean", metavar="mean|cvar:ALPHA",
        help="With --realisations: each objective's mean or CVaR (cost: with imbalance).")
@resume_options
@out_options(required=False)
@user_errors
def front(generations, evals, time_limit, resume_dir, out, overwrite, **options):
    """Find the cost / variance / peak-to-valley Pareto front with NSGA-II or NSGA-III.

    Example: v2g-pareto front --scenario building --time-limit 60 --out runs/b
    (risk-aware: add --realisations 32 --risk cvar:0.9)
    """
    from jobs.front import FrontSpec, run
    from moo.search.termination import Budget

    spec = None
    if resume_dir is None and options["scenario"] is not None:
        spec = FrontSpec(budget=Budget.one_of(generations, evals, time_limit), **options)
    job = run_with_progress("front", lambda report: run(
        spec, out, resume=resume_dir, overwrite=overwrite, report=report))
    if job.result.interrupted:
        click.echo("interrupted: wrote the front found so far", err=True)
    click.echo(job.text())
    wrote(job.path, "v2g-pareto select {run} --mode economy", "v2g-pareto plot {run}",
          "v2g-pareto explore {run}")


points_option = option("--points", type=click.IntRange(min=3), default=66, metavar="K",
                       help="Weight vectors (a simplex lattice of at most K).")


@cli.command()
@scenario_options()
@points_option
@out_options()
@user_errors
def exact(out, overwrite, **options):
    """Exact reference front: weighted-sum QPs of the model solved with Clarabel.

    Example: v2g-pareto exact --scenario building --out runs/b-exact
    """
    from jobs.exact import ExactSpec, run

    spec = ExactSpec(**options)
    job = run_with_progress("exact", lambda report: run(
        spec, out, overwrite=overwrite, report=report))
    click.echo(job.text())
    for why in job.front.dropped:
        click.echo(f"warning: dropped {why}", err=True)
    wrote(job.path, "v2g-pareto compare RUN --reference {run}")


@cli.command()
@scenario_options()
@points_option
@option("--groups", type=POS, metavar="G",
        help="Vehicle groups (default: one per vehicle up to 4,000 vehicle-slots, else 24).")
@out_options()
@user_errors
def bound(out, overwrite, **options):
    """Lower-bound front: certificates no schedule can beat, at any fleet size.

    Example: v2g-pareto bound --scenario iov --scale 100 --out runs/iov100-bound
    """
    from jobs.bound import BoundSpec, run

    job = run(BoundSpec(**options), out, overwrite=overwrite)
    click.echo(job.text())
    wrote(job.path, "v2g-pareto compare RUN --bound {run}")


@cli.command()
@click.argument("run_dirs", nargs=-1, required=True, type=PATH, metavar="RUN_DIR...")
@option("--reference", type=PATH, metavar="RUN_DIR", help="Reference front: HV ratio, IGD+, eps.")
@option("--bound", "bound_dir", type=PATH, metavar="BOUND_RUN", help="Certified HV ratio, gap.")
@json_option
@user_errors
def compare(run_dirs, reference, bound_dir, as_json):
    """Front-quality indicators of runs of one scenario, one row per run.

    Example: v2g-pareto compare runs/b-nsga2 runs/b-nsga3 --reference runs/b-exact
    """
    from jobs.compare import CompareSpec, run

    click.echo(run(CompareSpec(run_dirs, reference, bound_dir, as_json)).text())


@cli.command()
@option("--matrix", "matrix_text", required=True, metavar="ROWS", help='Rows ";", entries ",".')
@option("--method", default="eigen", metavar="eigen|geometric", help="Or row geometric mean.")
@option("--ri", "ri_table", default="saaty1980", metavar="saaty1980|alonso-lamata2006", help="RI.")
@option("--threshold", type=float, default=0.10, help="Consistent iff CR <= threshold.")
@json_option
@user_errors
def ahp(matrix_text, method, ri_table, threshold, as_json):
    """Weights and consistency ratio of one AHP judgement matrix (Saaty's 1-9 scale).

    Example: v2g-pareto ahp --matrix "1,3,7;1/3,1,2;1/7,1/2,1" --method geometric
    """
    from moo.decision.ahp import JudgementMatrix

    result = JudgementMatrix.parse(matrix_text).priority(method, ri_table, threshold)
    click.echo(dumps(result.to_dict()) if as_json else result.text())


@cli.command()
@click.argument("run_dir", type=PATH, metavar="RUN_DIR")
@option("--mode", metavar="economy|response|NAME", help="AHP pick of this mode.")
@judgements_option
@option("--method", default="weighted-sum", metavar="weighted-sum|tchebycheff",
        help="Scalarisation (with --mode).")
@option("--reference-point", metavar="NAME=VALUE,...", help="Aspiration levels (ASF).")
@option("--where", multiple=True, metavar="NAME<=VALUE", help="Bound, repeatable.")
@option("--minimise", metavar="NAME", help="Minimised (default cost).")
@option("--knees", is_flag=True, help="List the trade-off knees (flagged, not picked).")
@option("--knee", type=int, metavar="K", help="Pick the knee with solution id K.")
@option("--exact", is_flag=True, help="Also solve it as one QP.")
@option("--reference", "reference_dir", type=PATH, metavar="EXACT_RUN",
        help="Exact run: hyperplane rates.")
@option("--save", metavar="NAME", help="Keep the pick as RUN/selection-NAME.json.")
@option("--risk", metavar="mean|cvar[:ALPHA]",
        help="With --mode: pick on this measure of the realised objectives (--realised).")
@option("--realised", type=PATH, metavar="DIR", help="The run's `realise` directory.")
@json_option
@user_errors
def select(run_dir, judgements_path, as_json, **options):
    """Pick an operating point from a front run: AHP, reference point, constraints, knees.

    Example: v2g-pareto select runs/b --mode economy --risk cvar --realised runs/b-realised
    """
    from jobs.select import SelectSpec, run

    result = run(SelectSpec(run_dir, judgements=judgements_path, **options))
    click.echo(dumps(result.to_dict()) if as_json else result.text())
    if not result.feasible:
        sys.exit(1)


@cli.command("export")
@click.argument("run_dir", type=PATH, metavar="RUN_DIR")
@option("--solution", type=int, metavar="K", help="The front.csv solution id.")
@option("--selection", metavar="NAME", help="A kept decision: RUN/selection-NAME.json.")
@option("--format", type=click.Choice(["csv", "parquet", "ocpp21", "ocpp201"]),
        required=True, help="Tables, or one OCPP SetChargingProfileRequest per vehicle "
        "(ocpp21 with V2G set-points; ocpp201 charge-only).")
@option("--date", metavar="YYYY-MM-DD", callback=day_option_value,
        help="The day of an undated run.")
@option("--timezone", metavar="IANA", help="Time zone of an undated run (UTC).")
@option("--out", type=DIR, required=True, help="Export directory.")
@option("--overwrite", is_flag=True, help="Replace a previous export in --out.")
@user_errors
def export_cmd(**options):
    """Write one solution of a run for operation (formats: docs/export.md).

    Example: v2g-pareto export runs/caltech --solution 0 --format ocpp21 --out ops/caltech
    """
    from jobs.export import ExportSpec, run

    click.echo(run(ExportSpec(**options)).text())


@cli.command()
@click.argument("run_dir", type=PATH, metavar="RUN_DIR")
@option("--realisations", type=POS, metavar="N",
        help="Realised days of the evaluation stream (with --history-dates: default every day).")
@option("--alpha", type=float, default=0.9, help="CVaR level of the summary.")
@option("--seed", type=click.IntRange(min=0), help="Realisations' seed (default: the table's).")
@option("--history-dates", metavar="FIRST..LAST", callback=day_range_option_value,
        help="Evaluate on the real days of this range of the session history, one each.")
@option("--scenario", metavar="PATH", help="The run's scenario file, if it moved since the run.")
@option("--scheduler", metavar="ADDR", help="An existing Dask cluster.")
@option("--workers", type=POS, help="Embedded LocalCluster workers (default: the cores).")
@option("--check-schedules", is_flag=True, help="Hold every realised schedule to the checker.")
@option("--out", type=DIR, required=True, help="Realised directory.")
@option("--overwrite", is_flag=True, help="Replace a realised directory in --out.")
@user_errors
def realise(run_dir, **options):
    """Evaluate every solution of a front run on realised days (docs/model.md §12).

    Example: v2g-pareto realise runs/b --realisations 500 --out runs/b-realised
    """
    from jobs.realise import RealiseSpec, run

    spec = RealiseSpec(run_dir, **options)
    result = run_with_progress("realise", lambda report: run(spec, report=report))
    click.echo(result.text())
    click.echo(f"next: v2g-pareto explore {run_dir} --realised {result.path}; v2g-pareto "
               f"select {run_dir} --mode economy --risk cvar --realised {result.path}")


@cli.group()
def bench():
    """Benchmarks (measured on this machine; see docs/benchmarks.md).

    Example: v2g-pareto bench eval --scenario iov
    """


@bench.command("eval")
@option("--scenario", "scenarios", multiple=True, default=["building", "iov"],
        metavar="NAME|PATH", help="Scenario(s) to measure.")
@option("--pop", "pop_size", type=POS, default=100)
@option("--repeat", type=POS, default=5, help="Best of this many timings.")
@json_option
@user_errors
def bench_eval_cmd(scenarios, pop_size, repeat, as_json):
    """Numba evaluation kernel vs the numpy reference on one population, and memory bandwidth.

    Example: v2g-pareto bench eval --scenario building --scenario iov --pop 100
    """
    from studies.bench_eval import bench_eval_table

    rows, text = bench_eval_table(scenarios, pop_size, repeat)
    click.echo(dumps(rows, indent=2) if as_json else text)


@cli.command("mlgcso")
@option("--reference", type=PATH, metavar="FRONT_RUN", help="Front run giving scenario and scale.")
@option("--mode", metavar="economy|response|NAME", help="Mode whose weights make the scalar.")
@judgements_option
@option("--algorithm", type=click.Choice(["mlgcso", "cso"]), default="mlgcso", help="Or plain CSO.")
@encoding_option
@option("--local-search/--no-local-search", default=True,
        help="Seed with local-search points, polish the best (off: the papers' plain swarm).")
@option("--bound-seed", type=click.Choice(["auto", "on", "off"]), default="auto",
        help="Seed with the bound's optimum for the mode, polished; auto: aggregate encoding.")
@option("--pop", "pop_size", type=click.IntRange(min=4), default=100, help="Swarm size.")
@option("--phi", type=click.FloatRange(min=0), default=0.05, help="Swarm-mean learning rate.")
@option("--evals", type=POS, help="Evaluations (default 20,000).")
@option("--time-limit", type=float, metavar="SECONDS", help="Or this wall time.")
@option("--seed", type=int, default=1, help="Swarm seed.")
@resume_options
@out_options(required=False)
@user_errors
def mlgcso_cmd(judgements_path, evals, time_limit, resume_dir, out, overwrite, **options):
    """Weighted-sum route: minimise one mode's AHP-weighted scalar with MLGCSO or CSO.

    Example: v2g-pareto mlgcso --reference runs/b --mode economy --evals 50000 --out runs/b-eco
    """
    from jobs.swarm import SwarmSpec, run
    from moo.search.termination import Budget

    spec = None
    if resume_dir is None and None not in (options["reference"], options["mode"]):
        budget = None if evals is None and time_limit is None else Budget(
            evals=evals, time_limit_s=time_limit)
        spec = SwarmSpec(judgements=judgements_path, budget=budget, **options)
    job = run_with_progress(options["algorithm"], lambda report: run(
        spec, out, resume=resume_dir, overwrite=overwrite, report=report))
    if job.result.interrupted:
        click.echo("interrupted: wrote the best schedule found so far", err=True)
    click.echo(job.text())
    wrote(job.path)


@cli.command()
@click.argument("run_dir", type=PATH, metavar="RUN_DIR")
@shown_runs[0]
@shown_runs[1]
@option("--format", "fmt", type=click.Choice(["png", "svg", "pdf"]), default="png",
        help="Figure format.")
@option("--out", "out_dir", type=DIR, help="Default RUN_DIR/figures.")
@user_errors
def plot(run_dir, reference_dir, baseline_dirs, fmt, out_dir):
    """Write every figure that applies to a run directory and print their paths.

    Example: v2g-pareto plot runs/b --baseline runs/b-unc --reference runs/b-exact --format svg
    """
    from jobs.plot import PlotSpec, run

    click.echo(run(PlotSpec(run_dir, reference_dir, baseline_dirs, fmt, out_dir)).text())


@cli.command()
@click.argument("run_dir", type=PATH, metavar="RUN_DIR")
@shown_runs[0]
@shown_runs[1]
@option("--out", type=PATH, metavar="FILE.html", help="Default RUN_DIR/explore.html.")
@option("--realised", type=PATH, metavar="DIR",
        help="The run's `realise` directory: each point's out-of-sample spread.")
@user_errors
def explore(**options):
    """Write an interactive explorer of a front run: one HTML file that opens offline.

    RUN_DIR may be a `realise` directory: its run is shown with its spread.

    Example: v2g-pareto explore runs/b --reference runs/b-exact --baseline runs/b-unc --out b.html
    """
    from jobs.explore import ExploreSpec, run

    click.echo(run(ExploreSpec(**options)).text())


@cli.command()
@click.argument("name_or_path", metavar="NAME|PATH")
@option("--budget", "budget_s", type=click.FloatRange(min=10), metavar="S", help="Wall time.")
@option("--seed", type=int, default=1, help="Optimiser seed.")
@date_option
@out_options()
@user_errors
def study(name_or_path, budget_s, seed, date, out, overwrite):
    """The whole pipeline for a preset: baselines, front, exact, AHP, swarms, report.md.

    Example: v2g-pareto study building --out studies/results/building
    """
    from jobs.study import StudySpec, run

    job = run(StudySpec(name_or_path, budget_s, seed, date), out, overwrite=overwrite,
              progress=lambda msg: click.echo(msg, err=True))
    if job.text():
        click.echo(job.text())
    wrote(job.path)


@cli.command()
@option("--config", "config_path", type=click.Path(dir_okay=False),
        help="Sweep TOML (scenarios, algorithms, seeds, fleet_seeds, time_limits_s, evals, "
             "encoding, pop_size, scale, exact_points, max_solutions, dates).")
@option("--scenarios", callback=csv_list(str), help="Comma-separated presets or files.")
@option("--algorithms", callback=csv_list(str), help="Comma-separated: nsga2,nsga3.")
@option("--seeds", type=POS, help="Optimiser seeds 1..N.")
@option("--fleet-seeds", type=POS, help="Fleet seeds 1..N.")
@option("--dates", metavar="FROM..TO[,DAY...]", help="Days, one run each.")
@option("--time-limit", "time_limits_s", callback=csv_list(float), metavar="S[,S...]",
        help="Seconds per run.")
@option("--evals", callback=csv_list(int), metavar="E[,E...]", help="Evaluations per run.")
@option("--pop", "pop_size", type=click.IntRange(min=4))
@option("--encoding", type=click.Choice(["auto", "aggregate", "vehicle"]), help="Default auto.")
@option("--scale", type=POS, default=1, metavar="K", help="K site copies.")
@option("--exact-points", type=POS, help="Exact fronts for HV ratios.")
@option("--workers", type=POS, help="LocalCluster workers.")
@option("--scheduler", metavar="ADDR", help="An existing Dask cluster.")
@option("--out", type=DIR, required=True)
@user_errors
def sweep(config_path, workers, scheduler, out, **options):
    """Run a grid of fronts as Dask tasks; one row per run (Parquet and CSV).

    Example: v2g-pareto sweep --scenarios eva --dates 2024-01-01..2024-12-30 --evals 3000 --out s3
    """
    from jobs.sweep import run, spec_of, sweep_text

    res = run(spec_of(options, config_path), out, workers=workers, scheduler=scheduler,
              echo=lambda line: click.echo(line, err=True))
    click.echo(sweep_text(res))


@cli.command("replay")
@scenario_options()
@option("--realisation", type=click.IntRange(min=0), metavar="I",
        help="Realisation I of the evaluation stream (default 0; --date for a real day).")
@option("--policy", type=click.Choice(["plan", "mpc", "perfect"]), required=True,
        help="Day-ahead plan with recourse, re-planning, or the hindsight optimum.")
@option("--mode", default="economy", help="AHP mode whose weights the policies use.")
@judgements_option
@option("--front", type=DIR, metavar="RUN_DIR", help="The day-ahead front.")
@option("--replan-every", type=int, default=4, metavar="K", help="Slots between re-plans.")
@option("--arrivals", type=click.Choice(["nominal", "none"]), default="nominal",
        help="Expected arrivals in a re-plan: the forecast day's, or none.")
@option("--step-time-cap", "step_time_cap_s", type=float, default=30.0, metavar="SECONDS",
        help="Per-solve time cap of a re-plan (then the previous plan is kept).")
@option("--hindsight", type=click.Choice(["floor", "reachable"]), default="floor",
        help="perfect delivers the policies' floor (a bound) or every reachable target.")
@option("--ocpp", is_flag=True, help="Write the OCPP 2.1 requests each step would send.")
@out_options()
@user_errors
def replay(judgements_path, **options):
    """Play one realised day slot by slot under a policy; write the applied day.

    Example: v2g-pareto replay --scenario caltech --date 2019-11-05 --policy mpc --out rp
    """
    from jobs.replay import ReplaySpec, run

    res = run(ReplaySpec(judgements=judgements_path, **options))
    click.echo(res.text())
    wrote(res.path)


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point."""
    cli.main(args=argv if argv is not None else sys.argv[1:], prog_name="v2g-pareto")


if __name__ == "__main__":
    main()

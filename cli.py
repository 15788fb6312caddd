"""Command-line interface of v2g-pareto: thin commands that parse, call and print."""

from __future__ import annotations

import functools
import sys
from pathlib import Path

import click
import numpy as np

from models.errors import InfeasibleScheduleError, InputError, NoSolutionError


class InputErrorExit(click.ClickException):
    """A user error shown as one line with exit code 2."""

    exit_code = 2


def user_errors(func):
    """One line and an exit code instead of a traceback: 2 for bad input (the library's
    InputError, unreadable or unwritable paths), 1 for a run that found nothing to write."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except InputError as exc:
            raise InputErrorExit(str(exc)) from None
        except (NoSolutionError, InfeasibleScheduleError) as exc:
            raise click.ClickException(str(exc)) from None
        except UnicodeDecodeError as exc:
            raise InputErrorExit(f"not UTF-8 text ({exc.reason} at byte {exc.start})") from None
        except OSError as exc:
            where = f"{exc.filename}: " if exc.filename else ""
            raise InputErrorExit(f"{where}{exc.strerror or exc}") from None

    return wrapper


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="v2g-pareto")
def cli():
    """Pareto fronts for EV-fleet V2G scheduling: cost, net-load variance, peak-to-valley.

    \b
    Example:
      v2g-pareto scenarios
      v2g-pareto front --scenario building --algorithm nsga2 --out runs/b
    """


def scenario_option(func):
    func = click.option(
        "--fleet-seed", type=int, default=None, help="Override the scenario file's fleet_seed."
    )(func)
    return click.option(
        "--scenario",
        "scenario_name",
        required=True,
        metavar="NAME|PATH",
        help="A preset name (see `v2g-pareto scenarios`) or a TOML file.",
    )(func)


def date_option(func):
    """``--date YYYY-MM-DD``: the day of a dated scenario (series, sessions, pvlib PV)."""
    return click.option(
        "--date", type=click.DateTime(formats=["%Y-%m-%d"]), default=None, metavar="YYYY-MM-DD",
        callback=lambda ctx, param, value: None if value is None else value.date().isoformat(),
        help="Run this day of the scenario's dated data (overrides its [time] date and the "
             "date of its sessions and pvlib PV).")(func)


def scale_option(func):
    return click.option("--scale", type=click.IntRange(min=1), default=1, show_default=True,
                        metavar="K", help="K copies of the site: fleet, base load, PV, BESS and "
                        "import limit times K (large-fleet studies).")(func)


def out_options(func):
    """``--out`` (a run directory) and ``--overwrite``, with the safety rules of the README."""
    func = click.option("--overwrite", is_flag=True,
                        help="Replace a run already in --out (atomically: a kill leaves the old "
                             "or the new run, never a mix).")(func)
    return click.option("--out", type=click.Path(file_okay=False), required=True,
                        help="Run directory (must not hold a run unless --overwrite).")(func)


def next_steps(path, *commands: str) -> None:
    """Print the run directory and the commands a user runs next on it."""
    click.echo(f"wrote {path}")
    if commands:
        click.echo("next: " + "; ".join(c.format(run=path) for c in commands))


@cli.command()
def scenarios():
    """List the preset scenarios with a one-line description.

    \b
    Example:
      v2g-pareto scenarios
    """
    from models.scenario import list_presets

    for name, desc in list_presets().items():
        click.echo(f"{name:12s} {desc}")


@cli.group()
def scenario():
    """Inspect scenario files and presets.

    \b
    Example:
      v2g-pareto scenario show building
    """


@scenario.command("show")
@click.argument("name_or_path", metavar="NAME|PATH")
@click.option("--fleet-seed", type=int, default=None, help="Override the file's fleet_seed.")
@date_option
@user_errors
def scenario_show(name_or_path, fleet_seed, date):
    """Summarise a scenario: fleet size, time grid, energy needed, load, PV and prices.

    \b
    Example:
      v2g-pareto scenario show building
      v2g-pareto scenario show my_site.toml --fleet-seed 7
    """
    from models.scenario import load_scenario

    s = load_scenario(name_or_path, fleet_seed, date=date).summary()
    cur = s["currency"]
    lo, mean, hi = s["base_load_kw"]
    lines = [
        f"scenario      {s['name']}: {s['description']}",
        f"vehicles      {s['vehicles']} ({s['v2g_vehicles']} V2G capable)",
        f"time grid     T = {s['slots']} slots, dt = {s['dt_hours']:g} h, horizon {s['horizon']}",
        f"energy needed {s['energy_needed_kwh']:,.1f} kWh (grid side, to effective targets)",
        f"unreachable   {s['unreachable_targets']} vehicles cannot reach their requested target",
        f"base load     min {lo:,.1f} / mean {mean:,.1f} / max {hi:,.1f} kW",
        f"PV            {s['pv_kwh']:,.1f} kWh, peak {s['pv_peak_kw']:,.1f} kW",
        f"price buy     {s['price_buy'][0]:g} .. {s['price_buy'][1]:g} {cur}/kWh",
        f"price sell    {s['price_sell'][0]:g} .. {s['price_sell'][1]:g} {cur}/kWh",
        f"import limit  {s['import_limit_kw'] if s['import_limit_kw'] is not None else 'none'}",
    ]
    b = s["bess"]
    lines.append(
        "BESS          none"
        if b is None
        else f"BESS          {b['capacity_kwh']:g} kWh, {b['p_charge_max_kw']:g}/"
        f"{b['p_discharge_max_kw']:g} kW, SOC {b['soc_init']:g} in "
        f"[{b['soc_min']:g}, {b['soc_max']:g}]"
    )
    click.echo("\n".join(lines))


@cli.command()
@scenario_option
@click.option(
    "--method",
    type=click.Choice(["uncoordinated", "ordered"]),
    required=True,
    help="uncoordinated: full power on arrival; ordered: charge-only valley filling.",
)
@scale_option
@date_option
@out_options
@user_errors
def baseline(scenario_name, fleet_seed, method, scale, date, out, overwrite):
    """Compute a reference schedule (docs/model.md §6) and write it as a run directory.

    \b
    Example:
      v2g-pareto baseline --scenario building --method uncoordinated --out runs/b-unc
    """
    from moo.problems.objectives import kpi_table
    from moo.rundir import read_run
    from moo.search.job import baseline_job

    path = baseline_job(scenario_name, method, out, fleet_seed=fleet_seed, scale=scale,
                        date=date, overwrite=overwrite)
    run = read_run(path)
    click.echo(kpi_table(run.front, run.scenario.currency))
    next_steps(path, "v2g-pareto plot {run}")


def budget_options(func):
    func = click.option("--time-limit", type=click.FloatRange(min=0, min_open=True),
                        default=None, metavar="SECONDS", help="Stop after this wall time.")(func)
    func = click.option("--evals", type=click.IntRange(min=1), default=None,
                        help="Stop after this many evaluations.")(func)
    return click.option("--generations", type=click.IntRange(min=1), default=None,
                        help="Stop after this many generations (default 200).")(func)


def make_budget(generations, evals, time_limit):
    from moo.search.nsga import Budget

    given = [name for name, v in (("--generations", generations), ("--evals", evals),
                                  ("--time-limit", time_limit)) if v is not None]
    if len(given) > 1:
        raise InputErrorExit(f"give one of --generations, --evals, --time-limit, not "
                             f"{' and '.join(given)}")
    return Budget(generations, evals, time_limit)


@cli.command()
@click.option("--scenario", "scenario_name", default=None, metavar="NAME|PATH",
              help="A preset name (see `v2g-pareto scenarios`) or a TOML file.")
@click.option("--fleet-seed", type=int, default=None, help="Override the file's fleet_seed.")
@click.option("--algorithm", type=click.Choice(["nsga2", "nsga3"]), default="nsga2",
              show_default=True, help="pymoo NSGA-II or NSGA-III (Das-Dennis directions).")
@click.option("--encoding", type=click.Choice(["auto", "aggregate", "vehicle"]), default="auto",
              show_default=True,
              help="aggregate: fleet power per slot + numba dispatcher (any fleet size); "
                   "vehicle: one variable per plugged vehicle-slot + repair; auto: vehicle up "
                   "to 5,000 plugged vehicle-slots, aggregate above (the better front).")
@click.option("--clusters", type=click.IntRange(min=1), default=1, show_default=True,
              help="aggregate encoding: one power per slot for each of K departure groups.")
@click.option("--pop", "pop_size", type=click.IntRange(min=4), default=100, show_default=True,
              help="Population size.")
@budget_options
@click.option("--seed", type=int, default=1, show_default=True, help="Optimiser seed.")
@click.option("--max-solutions", type=click.IntRange(min=1), default=None,
              help="Write at most this many archive members (those adding the most "
                   "hypervolume; the extremes are always kept). Default 500, fewer for very "
                   "large fleets (at most 5e8 vehicle-slot values: 52 for 100,000 x 96).")
@scale_option
@date_option
@click.option("--local-search", type=click.Choice(["auto", "on", "off"]), default="auto",
              show_default=True,
              help="The feasibility-preserving local search (seeds and per-generation polish); "
                   "auto: on up to 200,000 plugged vehicle-slots (about 4,000 vehicles x 96 "
                   "slots), off above.")
@click.option("--checkpoint-every", type=click.IntRange(min=1), default=None, metavar="N",
              help="Write the optimiser state to OUT/checkpoint.pkl every N generations.")
@click.option("--resume", "resume_dir", type=click.Path(file_okay=False), default=None,
              metavar="RUN_DIR", help="Continue the checkpointed run in RUN_DIR (all other "
              "options come from the checkpoint).")
@click.option("--out", type=click.Path(file_okay=False), default=None,
              help="Run directory (must not hold a run unless --overwrite).")
@click.option("--overwrite", is_flag=True, help="Replace a run already in --out (atomically).")
@user_errors
def front(scenario_name, fleet_seed, algorithm, encoding, clusters, pop_size, generations, evals,
          time_limit, seed, max_solutions, scale, date, local_search, checkpoint_every,
          resume_dir, out, overwrite):
    """Find the cost / variance / peak-to-valley Pareto front with NSGA-II or NSGA-III.

    The front written is the non-dominated set of every schedule evaluated in the run; every
    schedule passes the feasibility checker before it is written. Ctrl-C stops the run and
    still writes the front found so far. A run with --checkpoint-every that was killed
    continues with --resume and gives the same front as an uninterrupted run (same seed,
    generation or evaluation budget).

    \b
    Example:
      v2g-pareto front --scenario building --algorithm nsga2 --time-limit 60 --out runs/b-nsga2
      v2g-pareto front --scenario iov --algorithm nsga3 --generations 300 \\
          --checkpoint-every 20 --out runs/i
      v2g-pareto front --resume runs/i
    """
    from moo.search.job import front_arguments, front_job
    from moo.search.progress import Progress

    args = None
    if resume_dir is None and scenario_name is not None:
        args = front_arguments(
            scenario=scenario_name, fleet_seed=fleet_seed, scale=scale, date=date,
            algorithm=algorithm, encoding=encoding, clusters=clusters, pop_size=pop_size,
            budget=make_budget(generations, evals, time_limit), seed=seed,
            max_solutions=max_solutions, checkpoint_every=checkpoint_every,
            local_search=local_search)
    progress = Progress("front")
    try:
        job = front_job(args, out, resume=resume_dir, overwrite=overwrite, report=progress.update)
    finally:
        progress.close()
    res, sc = job.result, job.scenario
    if res.interrupted:
        click.echo("interrupted: wrote the front found so far", err=True)
    click.echo(f"{len(res.F)} solutions (archive {res.archive_size}), {res.n_evals} evaluations, "
               f"{res.wall_time_s:.1f} s, {job.args['encoding']} encoding")
    click.echo(f"cost {res.F[:, 0].min():,.2f} .. {res.F[:, 0].max():,.2f} {sc.currency}; "
               f"std {np.sqrt(res.F[:, 1].min()):,.1f} .. {np.sqrt(res.F[:, 1].max()):,.1f} kW; "
               f"peak-valley {res.F[:, 2].min():,.1f} .. {res.F[:, 2].max():,.1f} kW")
    next_steps(job.path, "v2g-pareto select {run} --mode economy", "v2g-pareto plot {run}",
               "v2g-pareto explore {run}")


@cli.command()
@scenario_option
@click.option(
    "--points",
    type=click.IntRange(min=3),
    default=66,
    show_default=True,
    metavar="K",
    help="Weight vectors: the largest simplex lattice with at most K, (H+1)(H+2)/2 for H "
    "divisions (66: H = 10).",
)
@scale_option
@date_option
@out_options
@user_errors
def exact(scenario_name, fleet_seed, points, scale, date, out, overwrite):
    """Exact reference front: weighted-sum QPs of the model (docs/model.md) solved with Clarabel.

    Lexicographic anchors give the ideal and nadir; a simplex lattice of weights on the
    anchor-normalised objectives fills in the front. Slots where the convex relaxation would
    charge and discharge one battery at once are resolved by convex-concave rounds; the
    largest remaining gap to the relaxation's bound is printed (0: provably optimal). The
    run records its ideal/nadir as meta["normalization"] for `v2g-pareto compare`.

    \b
    Example:
      v2g-pareto exact --scenario building --out runs/b-exact
      v2g-pareto exact --scenario qingdao --points 21 --out runs/q-exact
    """
    from moo.exact.front import exact_job
    from moo.problems.objectives import OBJECTIVES
    from moo.rundir import read_run
    from moo.search.progress import Progress

    progress = Progress("exact")
    try:
        path, res = exact_job(scenario_name, out, points=points, fleet_seed=fleet_seed,
                              scale=scale, date=date, overwrite=overwrite,
                              report=progress.update)
    finally:
        progress.close()
    sc = read_run(path).scenario
    click.echo(
        f"{len(res.objectives)} points (anchors and {res.points} weight vectors, H = "
        f"{res.divisions}), {res.n_qp} QPs ({res.n_variables} variables, {res.n_constraints} "
        f"constraints) in {res.build_time_s + res.solve_time_s:.1f} s"
    )
    units = (sc.currency, "kW^2", "kW")
    for name, value in (("ideal", res.ideal), ("nadir", res.nadir)):
        parts = zip(OBJECTIVES, value, units, strict=True)
        click.echo(f"{name}  " + "  ".join(f"{o} {v:,.6g} {u}" for o, v, u in parts))
    click.echo(f"largest gap to the relaxation bound {res.max_relaxation_gap:.3g} (normalised)")
    for why in res.dropped:
        click.echo(f"warning: dropped {why}", err=True)
    next_steps(path, "v2g-pareto compare RUN --reference {run}")


@cli.command()
@scenario_option
@click.option("--points", type=click.IntRange(min=3), default=66, show_default=True, metavar="K",
              help="Weight vectors, as for `exact`: the largest simplex lattice with at most K.")
@click.option("--groups", type=click.IntRange(min=1), default=24, show_default=True,
              metavar="G", help="Vehicle groups of the relaxation (arrival/departure pairs, "
              "binned to at most G): more is tighter and slower.")
@scale_option
@date_option
@click.option("--out", type=click.Path(file_okay=False), required=True, help="Run directory.")
@user_errors
def bound(scenario_name, fleet_seed, points, groups, scale, date, out):
    """Lower-bound front: certificates no schedule can beat, at any fleet size.

    Vehicles are aggregated into groups (summed power limits and reachable-energy
    envelopes, efficiencies relaxed; docs/model.md §10.1) and every weight of the exact
    front's lattice is one small QP. Each weight's optimum is a lower bound on the true
    weighted optimum. The run holds no schedules (meta kind "bound"); give it to
    `compare --bound` for certified HV ratios and gaps.

    \b
    Example:
      v2g-pareto bound --scenario iov --scale 100 --out runs/iov100-bound
      v2g-pareto compare runs/iov100-front --bound runs/iov100-bound
    """
    from models.scenario import load_scenario
    from moo.exact.bound import bound_front, write_bound

    sc = load_scenario(scenario_name, fleet_seed, scale, date)
    res = bound_front(sc, points, groups)
    path = write_bound(out, sc, res)
    click.echo(
        f"{len(res.bound)} weight vectors (H = {res.divisions}), {res.n_groups} groups, "
        f"{res.n_qp} QPs ({res.n_variables} variables) in "
        f"{res.build_time_s + res.solve_time_s:.1f} s; outer hypervolume {res.outer_hv:.6g}"
    )
    for name, value in res.column_bounds.items():
        click.echo(f"{name} {value:,.6g}")
    click.echo(f"wrote {path}")


@cli.command()
@click.argument("run_dirs", nargs=-1, required=True, type=click.Path(), metavar="RUN_DIR...")
@click.option(
    "--reference",
    type=click.Path(),
    default=None,
    metavar="RUN_DIR",
    help="Reference front (e.g. from `v2g-pareto exact`): normalises everything and gives the "
    "HV ratio, IGD+ and additive epsilon.",
)
@click.option("--bound", "bound_dir", type=click.Path(), default=None, metavar="BOUND_RUN",
              help="A run of `v2g-pareto bound`: adds the certified HV-ratio lower bound and "
              "the worst per-weight certified gap, in its normalisation.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list, one object per run.")
@user_errors
def compare(run_dirs, reference, bound_dir, as_json):
    """Front-quality indicators of runs of one scenario, one row per run.

    Objectives are normalised by the reference front's ideal/nadir (docs/model.md §10) and the
    hypervolume uses the reference point 1.1 in every coordinate. Without --reference, HV is
    computed in the first run's recorded normalisation (meta "normalization", written by
    `exact`) or, if it has none, in the ideal/nadir of all the given runs together; HV ratio,
    IGD+ and epsilon are then empty. Runs of different scenarios are an error.

    \b
    Example:
      v2g-pareto compare runs/b-nsga2 runs/b-nsga3 --reference runs/b-exact
      v2g-pareto compare runs/b-nsga2 runs/b-nsga3 --json
      v2g-pareto compare runs/iov100-front --bound runs/iov100-bound
    """
    import json

    import pandas as pd

    from moo.exact.indicators import compare_runs
    from moo.rundir import read_run

    runs = [read_run(path) for path in run_dirs]
    rows = compare_runs(
        runs,
        None if reference is None else read_run(reference),
        None if bound_dir is None else read_run(bound_dir),
    )
    if as_json:
        click.echo(json.dumps(rows))
        return

    def cell(value) -> str:
        if value is None:
            return "-"
        return f"{value:.6g}" if isinstance(value, float) else str(value)

    table = pd.DataFrame([{k: cell(v) for k, v in row.items()} for row in rows])
    click.echo(table.set_index("run").to_string())


@cli.command()
@click.option(
    "--matrix",
    "matrix_text",
    required=True,
    metavar="ROWS",
    help='Judgement matrix: rows split by ";", entries by ",", fractions like 1/3 allowed.',
)
@click.option(
    "--method",
    default="eigen",
    show_default=True,
    metavar="eigen|geometric",
    help="Principal eigenvector (Saaty) or row geometric mean (seed 004).",
)
@click.option(
    "--ri",
    "ri_table",
    default="saaty1980",
    show_default=True,
    metavar="saaty1980|alonso-lamata2006",
    help="Random index table for CR = CI / RI(n).",
)
@click.option(
    "--threshold",
    type=float,
    default=0.10,
    show_default=True,
    help="Consistent iff CR <= threshold.",
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@user_errors
def ahp(matrix_text, method, ri_table, threshold, as_json):
    """Weights and consistency ratio of one AHP judgement matrix.

    Entry (i, j) says how many times more important item i is than item j, on Saaty's 1-9
    scale; below the diagonal go the reciprocals. An inconsistent matrix (CR > threshold) is
    a result (exit code 0); a malformed or invalid matrix is an error (exit code 2).

    \b
    Example:
      v2g-pareto ahp --matrix "1,3,7;1/3,1,2;1/7,1/2,1"
      v2g-pareto ahp --matrix "1,3,7;1/3,1,2;1/7,1/2,1" --method geometric --json
    """
    import json

    from moo.decision.ahp import JudgementMatrix

    result = JudgementMatrix.parse(matrix_text).priority(method, ri_table, threshold)
    if as_json:
        click.echo(json.dumps(result.to_dict()))
        return
    verdict = "consistent" if result.consistent else "INCONSISTENT: revise the judgements"
    sign = "<=" if result.consistent else ">"
    click.echo(f"weights ({result.method}): " + "  ".join(f"{w:.4f}" for w in result.weights))
    click.echo(
        f"lambda_max {result.lambda_max:.4f}   CI {result.ci:.4f}   "
        f"RI {result.ri:g} ({result.ri_table}, n = {result.n})   CR {result.cr:.4f}"
    )
    click.echo(f"{verdict} (CR {result.cr:.4f} {sign} {result.threshold:g})")


@cli.command()
@click.argument("run_dir", type=click.Path(), metavar="RUN_DIR")
@click.option(
    "--mode",
    default=None,
    metavar="economy|response|NAME",
    help="AHP pick: an operating mode of the judgements file.",
)
@click.option(
    "--judgements",
    "judgements_path",
    type=click.Path(dir_okay=False),
    default=None,
    help="Judgements TOML file (default: the shipped judgements.toml).",
)
@click.option(
    "--method",
    default="weighted-sum",
    show_default=True,
    metavar="weighted-sum|tchebycheff",
    help="Scalarisation of the min-max normalised objectives (with --mode).",
)
@click.option(
    "--reference-point",
    "aspiration",
    default=None,
    metavar="NAME=VALUE,...",
    help="Pick the point closest to aspiration levels (augmented ASF), physical units.",
)
@click.option(
    "--where",
    multiple=True,
    metavar="NAME<=VALUE",
    help="Constraint query bound (<= or >=, physical units); repeatable.",
)
@click.option(
    "--minimise",
    default=None,
    metavar="NAME",
    help="Objective a constraint query minimises (default cost).",
)
@click.option("--knees", is_flag=True, help="List the trade-off knees (flagged, not picked).")
@click.option(
    "--exact",
    is_flag=True,
    help="Also solve the reference point or constraint query as one QP on the run's scenario.",
)
@click.option(
    "--reference",
    "reference_dir",
    type=click.Path(),
    default=None,
    metavar="EXACT_RUN",
    help="Exact run of the same scenario: trade-off rates from its supporting hyperplane.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the selection as one JSON object.")
@user_errors
def select(
    run_dir,
    mode,
    judgements_path,
    method,
    aspiration,
    where,
    minimise,
    knees,
    exact,
    reference_dir,
    as_json,
):
    """Pick an operating point from a front run: AHP, reference point, constraints, knees.

    With --mode, weights come from the mode's experts (inconsistent ones are discarded), the
    solution with the lowest weighted score of the min-max normalised objectives is chosen
    and RUN_DIR/selection-<mode>.json is written, with trade-off rates and the weight
    sensitivity. A constraint query nothing satisfies exits 1 and names the nearest point.
    Definitions: docs/decision.md.

    \b
    Example:
      v2g-pareto select runs/b --mode economy
      v2g-pareto select runs/b --mode response --method tchebycheff --json
      v2g-pareto select runs/b --reference-point "cost=1250,peak_valley=300" --exact
      v2g-pareto select runs/b --where "peak_valley<=300" --minimise cost
      v2g-pareto select runs/b --knees --reference runs/exact
    """
    import json

    from moo.decision import decide
    from moo.decision.ahp import load_default_judgements, load_judgements
    from moo.decision.select import write_selection

    chosen_kinds = [
        name
        for name, given in (
            ("--mode", mode is not None),
            ("--reference-point", aspiration is not None),
            ("--where/--minimise", bool(where) or minimise is not None),
            ("--knees", knees),
        )
        if given
    ]
    if len(chosen_kinds) != 1:
        raise InputErrorExit(
            "select: give exactly one of --mode, --reference-point, --where/--minimise, --knees"
            + (f" (got {', '.join(chosen_kinds)})" if chosen_kinds else "")
        )
    if exact and chosen_kinds[0] in ("--mode", "--knees"):
        raise InputErrorExit("select: --exact goes with --reference-point or --where/--minimise")
    if aspiration is not None:
        result = decide.decide_reference(
            run_dir, aspiration, exact=exact, reference_dir=reference_dir
        )
    elif knees:
        result = decide.decide_knees(run_dir, reference_dir=reference_dir)
    elif mode is None:
        result = decide.decide_constraint(
            run_dir, where, minimise or "cost", exact=exact, reference_dir=reference_dir
        )
    else:
        judgements = (
            load_default_judgements()
            if judgements_path is None
            else load_judgements(judgements_path)
        )
        chosen, result = decide.decide_ahp(
            run_dir, judgements, mode, method, reference_dir=reference_dir
        )
        path = write_selection(
            run_dir, chosen, {"tradeoffs": result.tradeoffs, "sensitivity": result.sensitivity}
        )
    if as_json:
        click.echo(json.dumps(result.to_dict()))
    elif mode is not None:
        _print_ahp(chosen, judgements, result, path)
    else:
        click.echo(result.text())
    if not result.feasible:
        sys.exit(1)


def _print_ahp(chosen, judgements, result, path) -> None:
    """The readable AHP selection: experts, weights, choice beside the baseline, rates."""
    group = chosen.group
    click.echo(
        f"mode {chosen.mode}: {judgements.source} (weights {judgements.method}, "
        f"RI {judgements.ri_table}, consistent iff CR <= {judgements.threshold:g}, "
        f"aggregation {judgements.aggregation})"
    )
    width = max(len(e.name) for e in group.experts)
    for e in group.experts:
        status = "kept" if e.consistent else "discarded (inconsistent)"
        click.echo(f"  expert {e.name:<{width}}  CR {e.priority.cr:.3f}  {status}")
    weights = ", ".join(
        f"{name} {w:.3f}" for name, w in zip(judgements.objectives, group.weights, strict=True)
    )
    click.echo(f"weights: {weights}")
    s = chosen.selection
    click.echo(f"chosen: solution {chosen.solution} ({s.method} score {s.score:.4f})")
    table = chosen.comparison()
    if "change_pct" in table:
        table["change_pct"] = table["change_pct"].round(1)
    click.echo(table.to_string(float_format=lambda v: f"{v:,.6g}", na_rep="-"))
    click.echo(result.text())
    click.echo(f"wrote {path}")


@cli.command("export")
@click.argument("run_dir", type=click.Path(), metavar="RUN_DIR")
@click.option("--solution", type=int, default=None, metavar="K",
              help="The front.csv `solution` id to export.")
@click.option("--selection", default=None, metavar="MODE",
              help="Export the solution of RUN_DIR/selection-MODE.json (`v2g-pareto select`).")
@click.option("--format", "fmt", type=click.Choice(["csv", "parquet", "ocpp21", "ocpp201"]),
              required=True, help="Tables (csv, parquet) or one OCPP SetChargingProfileRequest "
              "per vehicle (ocpp21 with V2G set-points; ocpp201 charge-only).")
@click.option("--date", default=None, metavar="YYYY-MM-DD",
              help="The day of an undated run (sampled fleets); a dated run keeps its own.")
@click.option("--timezone", default=None, metavar="IANA",
              help="Time zone of an undated run (default UTC).")
@click.option("--out", type=click.Path(file_okay=False), required=True,
              help="Export directory (written atomically).")
@click.option("--overwrite", is_flag=True, help="Replace a previous export in --out.")
@user_errors
def export_cmd(run_dir, solution, selection, fmt, date, timezone, out, overwrite):
    """Write one solution of a run for operation (formats: docs/export.md).

    \b
    Example:
      v2g-pareto export runs/caltech --solution 0 --format ocpp21 --out ops/caltech
      v2g-pareto export runs/b --selection economy --format csv --date 2026-06-01 \\
          --timezone Europe/Copenhagen --out ops/b
    """
    from moo.rundir.export import export

    path = export(run_dir, out, fmt, solution=solution, selection=selection, date=date,
                  timezone=timezone, overwrite=overwrite)
    click.echo(f"wrote {path}")


@cli.group()
def bench():
    """Benchmarks (measured on this machine; see the README's tables).

    \b
    Example:
      v2g-pareto bench eval --scenario iov
    """


@bench.command("eval")
@click.option("--scenario", "scenarios", multiple=True, default=["building", "iov"],
              show_default=True, metavar="NAME|PATH", help="Scenario(s) to measure.")
@click.option("--pop", "pop_size", type=click.IntRange(min=1), default=100, show_default=True)
@click.option("--repeat", type=click.IntRange(min=1), default=5, show_default=True,
              help="Best of this many timings.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list instead of a table.")
@user_errors
def bench_eval_cmd(scenarios, pop_size, repeat, as_json):
    """Numba evaluation kernel vs the numpy reference on one population, and memory bandwidth.

    \b
    Example:
      v2g-pareto bench eval --scenario building --scenario iov --pop 100
    """
    import json

    import pandas as pd

    from models.scenario import load_scenario
    from studies.bench_eval import bench_eval, memory_bandwidth_gbs

    bw = memory_bandwidth_gbs()
    rows = [bench_eval(load_scenario(name), pop_size, repeat, bandwidth_gbs=bw)
            for name in scenarios]
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    table = pd.DataFrame(rows)
    cols = {"scenario": "scenario", "vehicles": "N", "slots": "T", "pop": "pop",
            "numba_vslots_per_s": "numba [vslot/s]", "numpy_vslots_per_s": "numpy [vslot/s]",
            "speedup": "speedup", "kernel_read_gbs": "kernel [GB/s]",
            "bandwidth_fraction": "of bandwidth"}
    click.echo(table[list(cols)].rename(columns=cols).to_string(
        index=False, float_format=lambda v: f"{v:,.3g}"))
    click.echo(f"memory bandwidth (numpy copy, read+write): {bw:.1f} GB/s; "
               f"CPU: {rows[0]['cpu']}; numba threads: {rows[0]['threads']}")


@cli.command("mlgcso")
@click.option("--reference", "reference_dir", type=click.Path(), default=None,
              metavar="FRONT_RUN", help="Front run: its scenario and its normalisation are used.")
@click.option("--mode", default=None, metavar="economy|response|NAME",
              help="Operating mode whose AHP weights make the scalar.")
@click.option("--judgements", "judgements_path", type=click.Path(dir_okay=False), default=None,
              help="Judgements TOML file (default: the shipped judgements.toml).")
@click.option("--algorithm", type=click.Choice(["mlgcso", "cso"]), default="mlgcso",
              show_default=True, help="Seed 001's MLGCSO or plain CSO (Cheng & Jin 2015).")
@click.option("--encoding", type=click.Choice(["auto", "aggregate", "vehicle"]), default="auto",
              show_default=True,
              help="auto: vehicle up to 5,000 plugged vehicle-slots, aggregate above.")
@click.option("--local-search/--no-local-search", default=True, show_default=True,
              help="Seed the swarm with the front's local-search points and polish its best "
                   "particle each generation (off: the papers' plain swarm).")
@click.option("--pop", "pop_size", type=click.IntRange(min=4), default=100, show_default=True,
              help="Swarm size (seed 001 does not give one).")
@click.option("--phi", type=click.FloatRange(min=0), default=0.05, show_default=True,
              help="Learning rate of the swarm-mean term (seed 001: 0.05).")
@click.option("--evals", type=click.IntRange(min=1), default=None,
              help="Stop after this many evaluations (default 20,000).")
@click.option("--time-limit", type=click.FloatRange(min=0, min_open=True), default=None,
              metavar="SECONDS", help="Stop after this wall time instead.")
@click.option("--seed", type=int, default=1, show_default=True, help="Swarm seed.")
@click.option("--checkpoint-every", type=click.IntRange(min=1), default=None, metavar="N",
              help="Write the swarm state to OUT/checkpoint.pkl every N generations.")
@click.option("--resume", "resume_dir", type=click.Path(file_okay=False), default=None,
              metavar="RUN_DIR", help="Continue the checkpointed run in RUN_DIR (all other "
              "options come from the checkpoint).")
@click.option("--out", type=click.Path(file_okay=False), default=None,
              help="Run directory (must not hold a run unless --overwrite).")
@click.option("--overwrite", is_flag=True, help="Replace a run already in --out (atomically).")
@user_errors
def mlgcso_cmd(reference_dir, mode, judgements_path, algorithm, encoding, local_search, pop_size,
               phi, evals, time_limit, seed, checkpoint_every, resume_dir, out, overwrite):
    """Weighted-sum route: minimise one mode's AHP-weighted scalar with MLGCSO or CSO.

    The scalar is sum_k w_k (F_k - ideal_k) / (nadir_k - ideal_k) over cost, variance and
    peak-to-valley, with the mode's weights and the reference front's ideal and nadir
    (column min / max), so it is the same score `select` gives the front's points. The
    scenario and (by default) the encoding are the reference run's. The swarm starts from
    the uncoordinated and ordered baselines, the local-search points the front optimiser is
    seeded with (plus that search for the mode's weights) and random schedules; the local
    search also polishes the best particle each generation. --evals counts full
    evaluations; local-search moves are counted apart (history.csv, meta.json). Writes the
    best schedule as a run directory; meta.json records the weights, the normalisation and
    the scalar. A run with --checkpoint-every that was killed continues with --resume and
    ends as an uninterrupted run would (same seed, --evals budget).

    \b
    Example:
      v2g-pareto front --scenario building --encoding vehicle --time-limit 60 --out runs/b
      v2g-pareto mlgcso --reference runs/b --mode economy --evals 50000 --out runs/b-eco
      v2g-pareto mlgcso --reference runs/b --mode response --algorithm cso --no-local-search \\
          --seed 3 --checkpoint-every 100 --out runs/b-cso-resp
      v2g-pareto mlgcso --resume runs/b-cso-resp
    """
    from moo.decision.select import select as select_point
    from moo.rundir import read_run
    from moo.search.job import swarm_job
    from moo.search.progress import Progress

    args = None
    if resume_dir is None and None not in (reference_dir, mode):
        args = dict(reference=reference_dir, mode=mode, judgements=judgements_path,
                    algorithm=algorithm, encoding=encoding, local_search=local_search,
                    pop_size=pop_size, phi=phi, evals=evals, time_limit=time_limit, seed=seed,
                    checkpoint_every=checkpoint_every)
    progress = Progress(algorithm)
    try:
        job = swarm_job(args, out, resume=resume_dir, overwrite=overwrite, report=progress.update)
    finally:
        progress.close()
    res, ref, args, path = job.result, job.reference, job.args, job.path
    if res.interrupted:
        click.echo("interrupted: wrote the best schedule found so far", err=True)
    mode, weights = args["mode"], res.problem.weights
    written = read_run(path)
    chosen = select_point(ref.objectives, weights)
    names = ("cost", "variance", "peak_valley")
    p = res.parameters
    click.echo(f"weights ({mode}): "
               + ", ".join(f"{n} {w:.3f}" for n, w in zip(names, weights, strict=True)))
    click.echo(f"{res.algorithm}: {res.n_evals:,} evaluations and {res.local_moves:,} "
               f"local-search moves in {res.wall_time_s:.1f} s ({p['encoding']} encoding, "
               f"pop {p['pop_size']}, phi {p['phi']:g}, seed {res.seed}); best scalar "
               f"{written.meta['scalar']:.5f}")
    click.echo(f"reference front ({len(ref.front)} solutions, {ref.meta['n_evals']:,} "
               f"evaluations): AHP point solution {int(ref.front['solution'].iloc[chosen.index])}"
               f", scalar {chosen.score:.5f}")
    cols = {"cost": f"cost [{ref.scenario.currency}]", "variance": "variance [kW2]",
            "peak_valley": "p-v [kW]", "std_kw": "std [kW]", "peak_valley_pct": "p-v [%]",
            "satisfaction": "satisf."}
    table = written.front[list(cols)].rename(columns=cols)
    click.echo(table.to_string(index=False, float_format=lambda v: f"{v:,.2f}"))
    click.echo(f"wrote {path}")


@cli.command()
@click.argument("run_dir", type=click.Path(), metavar="RUN_DIR")
@click.option(
    "--reference",
    "reference_dir",
    type=click.Path(),
    default=None,
    metavar="RUN_DIR",
    help="A reference front to draw beside it (e.g. the exact one).",
)
@click.option(
    "--baseline",
    "baseline_dirs",
    type=click.Path(),
    multiple=True,
    metavar="RUN_DIR",
    help="A baseline run (uncoordinated or ordered); repeatable.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["png", "svg", "pdf"]),
    default="png",
    show_default=True,
    help="Figure file format.",
)
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False),
    default=None,
    help="Directory for the figures (default RUN_DIR/figures).",
)
@user_errors
def plot(run_dir, reference_dir, baseline_dirs, fmt, out_dir):
    """Write every figure that applies to a run directory and print their paths.

    A front run gets the front in 3-D and its pairwise projections, parallel coordinates,
    net-load curves (baselines and the AHP-selected points; without selections the
    minimum-cost and minimum-variance solutions), SOC and power of the Economy point (else
    the first solution) and the convergence curve. A baseline or single-solution run gets
    its net load, SOC and power. Baselines are drawn as curves only when given as runs.

    \b
    Example:
      v2g-pareto plot runs/b --baseline runs/b-unc --baseline runs/b-ord
      v2g-pareto plot runs/b --reference runs/b-exact --format svg --out report/figures
      v2g-pareto plot runs/b-unc
    """
    from plots.report import write_figures

    paths = write_figures(
        run_dir, reference_dir=reference_dir, baseline_dirs=baseline_dirs, fmt=fmt, out_dir=out_dir
    )
    for path in paths:
        click.echo(f"wrote {path}")


@cli.command()
@click.argument("run_dir", type=click.Path(), metavar="RUN_DIR")
@click.option("--reference", "reference_dir", type=click.Path(), default=None,
              metavar="RUN_DIR", help="A reference front to mark (e.g. the exact one).")
@click.option("--baseline", "baseline_dirs", type=click.Path(), multiple=True,
              metavar="RUN_DIR", help="A baseline run (uncoordinated or ordered); repeatable.")
@click.option("--out", type=click.Path(), default=None, metavar="FILE.html",
              help="The page to write (default RUN_DIR/explore.html).")
@user_errors
def explore(run_dir, reference_dir, baseline_dirs, out):
    """Write an interactive explorer of a front run: one HTML file that opens offline.

    Linked views: the 3-D front, its pairwise projections, parallel coordinates whose
    brushing filters every view and a table of the brushed solutions (CSV download); a
    click on a solution shows its KPIs, net load, trade-off rates and fleet power/SOC. AHP
    picks (selection-*.json), knees, baselines and the reference front are marked.

    \b
    Example:
      v2g-pareto explore runs/b --reference runs/b-exact --baseline runs/b-unc --out b.html
    """
    from plots.explorer import write_explorer

    path = write_explorer(run_dir, reference_dir=reference_dir, baseline_dirs=baseline_dirs,
                          out=out)
    click.echo(f"wrote {path}")


@cli.command()
@click.argument("name_or_path", metavar="NAME|PATH")
@click.option("--budget", "budget_s", type=click.FloatRange(min=10), default=None,
              metavar="SECONDS", help="Wall-time bound of the whole study (default per preset: "
              "building 240, caltech 180, qingdao 300, iov and crisscross 600).")
@click.option("--seed", type=int, default=1, show_default=True, help="Optimiser seed.")
@date_option
@click.option("--out", type=click.Path(file_okay=False), required=True)
@user_errors
def study(name_or_path, budget_s, seed, date, out):
    """The whole pipeline for a preset: baselines, front, exact reference, AHP, swarms, report.

    Writes one run directory per stage, every figure, and OUT/report.md with the KPI table in
    the style of seed 004, the front quality and the seed's headline claims beside ours.

    \b
    Example:
      v2g-pareto study building --out studies/results/building
      v2g-pareto study iov --budget 900 --out runs/iov-study
      v2g-pareto study eva --date 2024-12-12 --out runs/eva-dec12
    """
    from studies.pipeline import run_study

    res = run_study(name_or_path, out, budget_s=budget_s, seed=seed, date=date,
                    progress=lambda msg: click.echo(msg, err=True))
    if len(res.claims):
        click.echo(res.claims[["seed", "claim", "seed value", "ours", "met"]].to_string(
            index=False))
    click.echo(f"wrote {res.out / 'report.md'}")


def _csv_list(kind):
    def parse(ctx, param, value):
        if value is None:
            return None
        try:
            return [kind(v) for v in value.split(",") if v.strip()]
        except ValueError:
            raise click.BadParameter(
                f"not a comma-separated list of {kind.__name__}: {value}"
            ) from None
    return parse


@cli.command()
@click.option("--config", "config_path", type=click.Path(dir_okay=False), default=None,
              help="Sweep TOML (keys: scenarios, algorithms, seeds, fleet_seeds, time_limits_s, "
                   "evals, encoding, pop_size, scale, exact_points, max_solutions, dates).")
@click.option("--scenarios", callback=_csv_list(str), help="Comma-separated presets or files.")
@click.option("--algorithms", callback=_csv_list(str), help="Comma-separated: nsga2,nsga3.")
@click.option("--seeds", type=click.IntRange(min=1), default=None,
              help="Optimiser seeds 1..N.")
@click.option("--fleet-seeds", type=click.IntRange(min=1), default=None,
              help="Fleet seeds 1..N (default: each scenario file's own seed).")
@click.option("--dates", default=None, metavar="FROM..TO[,DAY...]",
              help="Days of the scenarios' dated data, one run each: ranges FROM..TO "
                   "(inclusive) and single days YYYY-MM-DD, comma-separated.")
@click.option("--time-limit", callback=_csv_list(float), metavar="S[,S...]",
              help="Wall-time budget(s) per run, seconds.")
@click.option("--evals", callback=_csv_list(int), metavar="E[,E...]",
              help="Evaluation budget(s) per run (default 10000).")
@click.option("--pop", "pop_size", type=click.IntRange(min=4), default=None)
@click.option("--encoding", type=click.Choice(["aggregate", "vehicle"]), default=None)
@scale_option
@click.option("--exact-points", type=click.IntRange(min=1), default=None,
              help="Also compute each scenario's exact front (K weight vectors) for HV ratios.")
@click.option("--workers", type=click.IntRange(min=1), default=None,
              help="Workers of the embedded LocalCluster (default: one per core).")
@click.option("--scheduler", default=None, metavar="ADDR",
              help="Use an existing Dask cluster, e.g. tcp://10.0.0.5:8786.")
@click.option("--out", type=click.Path(file_okay=False), required=True)
@user_errors
def sweep(config_path, scenarios, algorithms, seeds, fleet_seeds, dates, time_limit, evals,
          pop_size, encoding, scale, exact_points, workers, scheduler, out):
    """Run a grid of fronts as Dask tasks; collect one row per run (Parquet and CSV).

    The grid is scenarios x days x algorithms x optimiser seeds x fleet seeds x budgets.
    With --dates, every row also carries the day's uncoordinated and ordered baseline costs.
    Started again on the same --out, a sweep skips every run whose directory is complete.

    \b
    Example:
      v2g-pareto sweep --scenarios building,iov --algorithms nsga2,nsga3 --seeds 5 \\
          --fleet-seeds 3 --evals 20000 --out sweeps/s1
      v2g-pareto sweep --config studies/sweep_small.toml --scheduler tcp://10.0.0.5:8786 --out s2
      v2g-pareto sweep --scenarios eva --dates 2024-01-01..2024-12-30 --evals 3000 --out s3
    """
    from studies.sweep import load_config, make_config, parse_dates, run_sweep

    values = dict(scenarios=scenarios, algorithms=algorithms,
                  seeds=None if seeds is None else list(range(1, seeds + 1)),
                  fleet_seeds=None if fleet_seeds is None else list(range(1, fleet_seeds + 1)),
                  time_limits_s=time_limit, evals=evals, pop_size=pop_size, encoding=encoding,
                  scale=None if scale == 1 else scale, exact_points=exact_points,
                  dates=None if dates is None else parse_dates(dates))
    if config_path:
        config = load_config(config_path, **values)
    else:
        config = make_config(**{k: v for k, v in values.items() if v is not None})
    n = len(config.tasks(Path(out)))
    click.echo(f"sweep: {n} runs on {scheduler or 'a local cluster'}", err=True)

    def show(row):
        state = "skipped (complete)" if row["skipped"] else f"{row['wall_time_s']:.1f} s"
        day = f" {row['date']}" if row.get("date") else ""
        click.echo(f"  {row['scenario']}{day} {row['algorithm']} {row['budget_label']} "
                   f"fleet {row['fleet_seed']} seed {row['seed']}: HV {row['hv']:.4f}  {state}",
                   err=True)

    res = run_sweep(config, out, workers=workers, scheduler=scheduler, on_row=show)
    click.echo(res.summary.to_string(index=False, float_format=lambda v: f"{v:,.4g}"))
    click.echo(f"{len(res.table)} runs ({res.skipped} already complete) in "
               f"{res.wall_time_s:.1f} s; wrote {res.paths['parquet']} and {res.paths['csv']}")


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point."""
    cli.main(args=argv if argv is not None else sys.argv[1:], prog_name="v2g-pareto")


if __name__ == "__main__":
    main()

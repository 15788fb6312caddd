"""The `sweep` command's job: Monte Carlo sweeps of front runs as tasks on Dask distributed.

A sweep is the grid scenarios × days × algorithms × optimiser seeds × fleet seeds × budgets.
Each grid point is one task (`front_task`) that computes one front and returns the run's
files (`moo.rundir.RunBytes`) to the client, which writes its run directory through the run
writer (the output rule) and makes one tidy row of it: the parameters, the objectives of
the Economy and Response picks (AHP weights of the shipped judgements), HV (and HV ratio
against the exact front when the sweep computes references), evaluations and wall time.
Days (``dates``, e.g. a year of a dated scenario: ``--dates 2024-01-01..2024-12-31``) run
each scenario on that day of its data; their rows also carry the day's uncoordinated and
ordered baseline costs, so the savings of the Economy pick can be read per day. Tasks run
on an embedded `LocalCluster` sized to the machine, or on an existing cluster given by its
scheduler address, with no other change.
Workers need not share the client's disk: a task gets the scenario loaded by the client
(no worker opens a scenario or data file) and writes nothing (tested with a worker in a
private mount namespace that cannot see ``OUT`` or the scenario).

``OUT`` is claimed by the output rule as a sweep (`moo.rundir.output.OutputDir`, kind
``sweep``, locked while the sweep runs): a new or empty directory, or a sweep's own (its
``sweep.toml`` starts with `SWEEP_MARK`), which a restart continues in place; anything else
— a run, a study, a user's own folder with a sweep.toml of theirs — is refused.

The grid is checked (types and ranges, errors naming the key path) and every scenario of
it loaded and checked before the cluster starts. A run that fails (no feasible schedule,
an input its worker refuses) becomes a row with ``status`` "failed" and its ``error``; the
table is written for every run, then the sweep ends with an error naming the failed ones.
Restarting a sweep skips every run whose directory is complete (`moo.rundir.is_complete`:
the strict reader) and reads its row back; failed and unfinished runs run again.

Run directories are named by what they solve: a readable label and the first 8 hex digits
of the SHA-256 over the resolved scenario (`moo.rundir.scenario_digest`: settings, fleet
and grid after the fleet seed, the day and the scale are applied; its source path
included) and the run's parameters. Two files both called ``site.toml`` in different
folders, or a file edited between two sweeps, never share a directory. Layout of ``OUT``::

    OUT/sweep.toml                                         the resolved grid
    OUT/reference/<stem>[-x<K>][-<day>]-fs<F>-<hash>/      exact fronts (--exact-points)
    OUT/runs/<stem>[-x<K>][-<day>]-fs<F>-<algorithm>-<budget>-seed<S>-<hash>/   one run each
    OUT/results.parquet, OUT/results.csv                   one row per run
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import itertools
import json
import os
import time
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from pathlib import Path

import numpy as np
import pandas as pd

from jobs.exact import write_exact
from jobs.front import write_front
from models.dates import parse_day, parse_day_range
from models.errors import InfeasibleScheduleError, InputError, NoSolutionError
from models.scenario import Scenario, resolve_scenario_path
from models.schema import check_number
from moo.decision.ahp import load_default_judgements
from moo.decision.select import select
from moo.exact.front import exact_front
from moo.exact.indicators import hv_ratio, hypervolume, reference_normalization
from moo.problems.baselines import baseline
from moo.problems.encodings import ENCODINGS
from moo.problems.feasibility import load_checked
from moo.problems.objectives import OBJECTIVES, evaluate
from moo.rundir import (
    Run,
    RunBytes,
    atomic_write_bytes,
    atomic_write_text,
    is_complete,
    read_run,
    scenario_digest,
)
from moo.rundir.output import SWEEP, SWEEP_MARK, OutputDir
from moo.search.nsga import FrontSettings, Memetic, default_max_solutions, run_front
from moo.search.termination import Budget
from moo.util.spec import Spec

MODES = ("economy", "response")
# What ends one run of a sweep but not the sweep: recorded in its row (status, error).
RUN_ERRORS = (InputError, NoSolutionError, InfeasibleScheduleError)


@dataclass(frozen=True)
class SweepSpec(Spec):
    """The grid of a sweep (its TOML file's keys, the `sweep` command's options); every
    list is one axis, and the resolved grid is written as ``OUT/sweep.toml``."""

    scenarios: tuple[str, ...] = ("building",)
    algorithms: tuple[str, ...] = ("nsga2",)
    seeds: tuple[int, ...] = (1,)
    fleet_seeds: tuple[int | None, ...] = (None,)  # None: the scenario file's own seed
    time_limits_s: tuple[float, ...] = ()
    evals: tuple[int, ...] = ()
    encoding: str = "auto"  # the best front for each scenario's fleet size
    pop_size: int = 100
    scale: int = 1
    exact_points: int | None = None
    max_solutions: int = 200
    dates: tuple[str | None, ...] = (None,)  # None: the scenario file's own day
    # Local-search moves per plugged vehicle-slot before the first generation (the front's
    # default 500; per generation a tenth of it; 0: plain NSGA). Its anchors run whatever
    # the time limit, so a year of days on a small budget needs fewer.
    seed_moves_per_var: float = 500.0

    def __post_init__(self):
        _check_config(self)
        if not self.time_limits_s and not self.evals:
            object.__setattr__(self, "evals", (10_000,))

    def budgets(self) -> list[tuple[str, dict]]:
        """(label, Budget keyword arguments) for every budget on the grid."""
        out = [(f"t{t:g}", {"time_limit_s": float(t)}) for t in self.time_limits_s]
        out += [(f"e{e}", {"evals": int(e)}) for e in self.evals]
        return out

    def tasks(self, out: Path) -> list[dict]:
        """One task description per grid point, with its run directory (loads and checks
        every scenario of the grid once: a bad one is an `InputError` here)."""
        tasks = []
        for sc, day, fs, algo, (label, budget), seed in itertools.product(
            self.scenarios, self.dates, self.fleet_seeds, self.algorithms, self.budgets(),
            self.seeds
        ):
            params = dict(algorithm=algo, encoding=self.encoding, budget=budget, seed=seed,
                          pop_size=self.pop_size, max_solutions=self.max_solutions,
                          seed_moves_per_var=self.seed_moves_per_var)
            name = f"{_scenario_label(sc, self.scale, day, fs)}-{algo}-{label}-seed{seed}"
            run = out / "runs" / f"{name}-{_run_hash(sc, self.scale, day, fs, params)}"
            tasks.append(
                dict(
                    scenario=sc,
                    date=day,
                    fleet_seed=fs,
                    algorithm=algo,
                    budget_label=label,
                    budget=budget,
                    seed=seed,
                    encoding=self.encoding,
                    pop_size=self.pop_size,
                    scale=self.scale,
                    max_solutions=self.max_solutions,
                    seed_moves_per_var=self.seed_moves_per_var,
                    run=str(run),
                )
            )
        return tasks

    def references(self, out: Path) -> list[dict]:
        if self.exact_points is None:
            return []
        return [
            dict(
                scenario=sc,
                date=day,
                fleet_seed=fs,
                scale=self.scale,
                points=self.exact_points,
                run=str(reference_dir(out, sc, fs, self.scale, day, self.exact_points)),
            )
            for sc, day, fs in itertools.product(self.scenarios, self.dates, self.fleet_seeds)
        ]


def _scenario_label(scenario: str, scale: int, date: str | None, fleet_seed: int | None) -> str:
    """The readable part of a run directory's name (the hash makes it unique)."""
    name = Path(scenario).stem if scenario.endswith(".toml") else scenario
    name = name if scale == 1 else f"{name}-x{scale}"
    name = name if date is None else f"{name}-{date}"
    return f"{name}-fs{'file' if fleet_seed is None else fleet_seed}"


def _scenario_sha256(scenario: str, scale: int, date: str | None,
                     fleet_seed: int | None) -> str:
    """SHA-256 of the resolved scenario (`_scenario`)."""
    return _checked(_digest, scenario, scale, date, fleet_seed)


def _scenario(scenario: str, scale: int, date: str | None, fleet_seed: int | None) -> Scenario:
    """The resolved scenario, loaded and checked as every command does (once per version of
    the file: its size and modification time are part of the cache key)."""
    return _checked(_load, scenario, scale, date, fleet_seed)


def _checked(fn, scenario: str, scale: int, date: str | None, fleet_seed: int | None):
    try:
        stat = resolve_scenario_path(scenario).stat()
        return fn(scenario, scale, date, fleet_seed, stat.st_size, stat.st_mtime_ns)
    except InputError as exc:  # a sweep has many scenarios: say which one breaks a rule
        day = "" if date is None else f" on {date}"
        seed = "" if fleet_seed is None else f" with fleet seed {fleet_seed}"
        raise InputError(f"sweep: scenario {scenario}{day}{seed}: {exc}") from None


@functools.lru_cache(maxsize=64)
def _load(scenario: str, scale: int, date: str | None, fleet_seed: int | None,
          size: int, mtime_ns: int) -> Scenario:
    return load_checked(scenario, fleet_seed, scale, date)


@functools.lru_cache(maxsize=4096)
def _digest(scenario: str, scale: int, date: str | None, fleet_seed: int | None,
            size: int, mtime_ns: int) -> str:
    return scenario_digest(_load(scenario, scale, date, fleet_seed, size, mtime_ns))


def _run_hash(scenario: str, scale: int, date: str | None, fleet_seed: int | None,
              params: dict) -> str:
    """8 hex digits of the SHA-256 over the resolved scenario and a run's parameters."""
    text = json.dumps({"scenario": _scenario_sha256(scenario, scale, date, fleet_seed),
                       **params}, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:8]


def reference_dir(out: Path, scenario: str, fleet_seed: int | None, scale: int,
                  date: str | None = None, points: int | None = None) -> Path:
    """Where a sweep keeps the exact front of one resolved scenario."""
    digest = _run_hash(scenario, scale, date, fleet_seed, {"exact_points": points})
    return out / "reference" / f"{_scenario_label(scenario, scale, date, fleet_seed)}-{digest}"


def _check_config(c: SweepSpec) -> None:
    """Every value of the grid, its type and range; an error names its key path."""
    for name in ("scenarios", "algorithms", "seeds", "fleet_seeds", "time_limits_s", "evals",
                 "dates"):
        value = getattr(c, name)
        if not isinstance(value, tuple):
            raise InputError(f"sweep: {name}: must be a list, got {value!r}")
        if not value and name not in ("time_limits_s", "evals"):
            raise InputError(f"sweep: {name}: must not be empty")
    for i, v in enumerate(c.scenarios):
        if not isinstance(v, str) or not v:
            raise InputError(f"sweep: scenarios[{i}]: must be a preset name or a file, got {v!r}")
    for i, v in enumerate(c.algorithms):
        if v not in ("nsga2", "nsga3"):
            raise InputError(f"sweep: algorithms[{i}]: must be nsga2 or nsga3, got {v!r}")
    for i, v in enumerate(c.seeds):
        check_number(f"sweep: seeds[{i}]", v, ge=0, integer=True)
    for i, v in enumerate(c.fleet_seeds):
        if v is not None:
            check_number(f"sweep: fleet_seeds[{i}]", v, ge=0, integer=True)
    for i, v in enumerate(c.time_limits_s):
        check_number(f"sweep: time_limits_s[{i}]", v, gt=0)
    for i, v in enumerate(c.evals):
        check_number(f"sweep: evals[{i}]", v, ge=1, integer=True)
    for i, v in enumerate(c.dates):
        if v is None:
            continue
        parse_day(v, f"sweep: dates[{i}]")
    if c.encoding not in ENCODINGS:
        raise InputError(f"sweep: encoding: must be one of {', '.join(ENCODINGS)}, got "
                         f"{c.encoding!r}")
    check_number("sweep: pop_size", c.pop_size, ge=4, integer=True)
    check_number("sweep: scale", c.scale, ge=1, integer=True)
    check_number("sweep: max_solutions", c.max_solutions, ge=1, integer=True)
    check_number("sweep: seed_moves_per_var", c.seed_moves_per_var, ge=0)
    if c.exact_points is not None:
        check_number("sweep: exact_points", c.exact_points, ge=3, integer=True)


def parse_dates(text: str) -> list[str]:
    """Days from ``"2024-01-01..2024-01-31,2024-06-01"``: inclusive ranges and single days."""
    days: list[str] = []
    for part in (p.strip() for p in str(text).split(",")):
        if not part:
            continue
        first, last = parse_day_range(part, "--dates")
        days += [(first + dt.timedelta(days=k)).isoformat() for k in range((last - first).days + 1)]
    if not days:
        raise InputError("--dates: no day given")
    if len(set(days)) != len(days):
        raise InputError(f"--dates: day {next(d for d in days if days.count(d) > 1)} is repeated")
    return days


def load_config(path: str | os.PathLike, **overrides) -> SweepSpec:
    """Read a sweep TOML (keys: the `SweepSpec` fields); options given override it."""
    try:
        with open(path, "rb") as fh:
            data = tomllib.load(fh)
    except OSError as exc:
        raise InputError(f"{path}: {exc.strerror}") from None
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"{path}: not valid TOML ({exc})") from None
    known = {f.name for f in fields(SweepSpec)}
    unknown = sorted(set(data) - known)
    if unknown:
        raise InputError(f"{path}: unknown key {unknown[0]!r} (known: {', '.join(sorted(known))})")
    data.update({k: v for k, v in overrides.items() if v is not None})
    try:
        if isinstance(data.get("dates"), str):
            data["dates"] = parse_dates(data["dates"])
        return make_config(**data)
    except InputError as exc:
        raise InputError(f"{path}: {exc}") from None


def make_config(**values) -> SweepSpec:
    """A `SweepSpec` from plain values (lists become tuples), checked."""
    if _is_day(values.get("dates")):  # a TOML date literal, as the presets write them
        values["dates"] = [values["dates"]]
    if isinstance(values.get("dates"), list | tuple):
        values["dates"] = [d.isoformat() if _is_day(d) else d for d in values["dates"]]
    for key, value in list(values.items()):
        if isinstance(value, list):
            values[key] = tuple(value)
    try:
        return SweepSpec(**values)
    except TypeError as exc:
        raise InputError(f"sweep: {exc}") from None


def _is_day(value) -> bool:
    return isinstance(value, dt.date) and not isinstance(value, dt.datetime)


# --- the tasks (run on Dask workers; plain functions of plain data, writing nothing) ------


def reference_task(scenario: Scenario, points: int) -> RunBytes:
    """The exact front of one resolved scenario, as the files of its run directory."""
    held = RunBytes()
    write_exact(held, scenario, exact_front(scenario, points))
    return held


def front_task(scenario: Scenario, spec: dict) -> RunBytes:
    """One front of the grid (``spec``: a `SweepSpec.tasks` entry), as the files of its
    run directory; `RUN_ERRORS` end it (the client records them in its row)."""
    budget = Budget.from_dict(spec["budget"])
    moves = spec.get("seed_moves_per_var", 500.0)
    memetic = (Memetic(enabled=False) if moves <= 0 else
               Memetic(seed_moves_per_var=moves, generation_moves_per_var=moves / 10))
    settings = FrontSettings(
        spec["algorithm"],
        encoding=spec["encoding"],
        pop_size=spec["pop_size"],
        budget=budget,
        seed=spec["seed"],
        max_solutions=min(spec["max_solutions"], default_max_solutions(scenario)),
        memetic=memetic,
    )
    held = RunBytes()
    write_front(held, scenario, run_front(scenario, settings), algorithm=spec["algorithm"],
                pop_size=spec["pop_size"], clusters=1, budget=budget, seed=spec["seed"])
    return held


def failed_row(spec: dict, error: Exception | str) -> dict:
    """The row of a run that ended without a run directory: its grid point and why."""
    keys = ("scenario", "date", "fleet_seed", "algorithm", "encoding", "budget_label", "seed",
            "pop_size", "scale", "run")
    row = {k: spec[k] for k in keys if k != "date" or spec.get("date") is not None}
    return {**row, "status": "failed", "error": str(error), "skipped": False}


def run_row(spec: dict, run: Run, F_ref: np.ndarray | None) -> dict:
    """The tidy row of one complete run directory (``F_ref``: its exact reference front)."""
    F = run.objectives
    row = {
        k: spec[k]
        for k in (
            "scenario",
            "date",
            "fleet_seed",
            "algorithm",
            "encoding",
            "budget_label",
            "seed",
            "pop_size",
            "scale",
        )
        if k != "date" or spec.get("date") is not None  # undated sweeps keep their columns
    }
    # The fleet seed actually used (the file's own when the grid says None).
    row.update(
        run=spec["run"],
        fleet_seed=run.meta["fleet_seed"],
        n_evals=run.meta["n_evals"],
        wall_time_s=run.meta["wall_time_s"],
        n_points=len(F),
    )
    judgements = load_default_judgements()
    for mode in MODES:
        pick = select(F, judgements.objective_weights(mode))
        for name, value in zip(OBJECTIVES, pick.objectives, strict=True):
            row[f"{mode}_{name}"] = float(value)
    if spec.get("date") is not None:
        for method in ("uncoordinated", "ordered"):
            kpis = evaluate(run.scenario, baseline(run.scenario, method)[None]).iloc[0]
            row[f"{method}_cost"] = float(kpis["cost"])
            # Positive: the Economy pick costs less than the baseline (share of its cost).
            row[f"economy_saving_vs_{method}"] = float(
                (kpis["cost"] - row["economy_cost"]) / abs(kpis["cost"])
            ) if kpis["cost"] != 0 else np.nan
    if F_ref is not None:
        ideal, nadir = reference_normalization(F_ref)
        row["hv"] = hypervolume(F, ideal, nadir)
        row["hv_ratio"] = hv_ratio(F, F_ref)
    else:
        norm = run.meta["normalization"]
        row["hv"] = hypervolume(F, np.asarray(norm["ideal"]), np.asarray(norm["nadir"]))
        row["hv_ratio"] = np.nan
    return row


# --- driving the sweep -------------------------------------------------------------------


@dataclass
class SweepResult:
    table: pd.DataFrame
    summary: pd.DataFrame
    skipped: int
    wall_time_s: float
    paths: dict = field(default_factory=dict)


def run_sweep(
    config: SweepSpec,
    out: str | os.PathLike | OutputDir,
    *,
    workers: int | None = None,
    scheduler: str | None = None,
    on_row: Callable[[dict], None] | None = None,
) -> SweepResult:
    """Run every task of ``config`` on Dask; write the runs (on the client, as their files
    come back) and the table (every run, failed ones with their error) as Parquet and CSV.
    ``out``: a path, claimed here as a sweep, or the caller's claim."""
    if isinstance(out, OutputDir):
        return _sweep(config, out.path, workers, scheduler, on_row)
    with OutputDir(out, kind=SWEEP, resume=True) as claim:
        return _sweep(config, claim.path, workers, scheduler, on_row)


def _complete(run_dir: str) -> Run | None:
    try:
        return read_run(run_dir)
    except InputError:
        return None


def _key(spec: dict) -> tuple:
    return spec["scenario"], spec["date"], spec["fleet_seed"]


def _sweep(config: SweepSpec, out: Path, workers, scheduler, on_row) -> SweepResult:
    from distributed import Client, LocalCluster, as_completed

    # A bad file, a day missing from its data or an import limit no schedule can respect is
    # the user's error, before any worker runs: naming the runs loads every scenario.
    tasks, references = config.tasks(out), config.references(out)
    out.mkdir(exist_ok=True)
    atomic_write_text(out / "sweep.toml", _config_toml(config))
    done = {spec["run"]: _complete(spec["run"]) for spec in tasks}
    t0 = time.perf_counter()
    if scheduler:
        client, cluster = Client(scheduler), None
    else:
        n = workers or os.cpu_count() or 1
        # One numba thread per worker: the workers are the parallelism.
        cluster = LocalCluster(
            n_workers=n,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            env={"NUMBA_NUM_THREADS": "1"},
        )
        client = Client(cluster)
    rows = []

    def emit(row):
        rows.append(row)
        if on_row is not None:
            on_row(row)

    try:
        scattered = {}

        def scenario_of(spec):  # sent once per resolved scenario: no worker opens its file
            key = _key(spec)
            if key not in scattered:
                scenario = _scenario(spec["scenario"], config.scale, spec["date"],
                                     spec["fleet_seed"])
                scattered[key] = client.scatter(scenario, broadcast=False)
            return scattered[key]

        ref_futures = {
            client.submit(reference_task, scenario_of(ref), ref["points"], pure=False): ref
            for ref in references if not is_complete(ref["run"])
        }
        run_futures = {
            client.submit(front_task, scenario_of(spec), spec, pure=False): spec
            for spec in tasks if done[spec["run"]] is None
        }
        ref_failed = {}
        for fut in as_completed(list(ref_futures)):
            ref = ref_futures.pop(fut)
            try:
                fut.result().write(ref["run"], overwrite=True)  # the sweep owns its tree
            except RUN_ERRORS as exc:
                ref_failed[_key(ref)] = exc
        F_ref = {_key(ref): read_run(ref["run"]).objectives
                 for ref in references if _key(ref) not in ref_failed}

        def row_of(spec, run, skipped):
            if _key(spec) in ref_failed:
                return failed_row(spec, f"exact reference: {ref_failed[_key(spec)]}")
            return {**run_row(spec, run, F_ref.get(_key(spec))), "status": "complete",
                    "error": np.nan, "skipped": skipped}

        for spec in tasks:
            if done[spec["run"]] is not None:
                emit(row_of(spec, done.pop(spec["run"]), True))
        for fut in as_completed(list(run_futures)):
            spec = run_futures.pop(fut)
            try:
                # Only runs that are not complete get here: a damaged one is replaced.
                path = fut.result().write(spec["run"], overwrite=True)
                row = row_of(spec, read_run(path), False)
            except RUN_ERRORS as exc:
                row = failed_row(spec, exc)
            emit(row)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
    table = pd.DataFrame(rows)
    table = (
        table.sort_values([k for k in ("scenario", "date", "fleet_seed", "algorithm",
                                       "budget_label", "seed") if k in table.columns])
        .reset_index(drop=True)
    )
    parquet, csv = out / "results.parquet", out / "results.csv"
    atomic_write_bytes(parquet, table.to_parquet(index=False))
    atomic_write_text(csv, table.to_csv(index=False))
    return SweepResult(
        table,
        summarize(table),
        int(table["skipped"].sum()),
        time.perf_counter() - t0,
        {"parquet": parquet, "csv": csv},
    )


def summarize(table: pd.DataFrame) -> pd.DataFrame:
    """Median and interquartile range per scenario, algorithm and budget, over the complete
    runs."""
    table = table[table["status"] == "complete"]
    if table.empty:
        return pd.DataFrame()
    cols = [
        "economy_cost",
        "response_variance",
        "response_peak_valley",
        "hv",
        "hv_ratio",
        "n_evals",
        "wall_time_s",
    ]
    cols += [c for c in ("economy_saving_vs_uncoordinated", "economy_saving_vs_ordered")
             if c in table.columns]
    g = table.groupby(["scenario", "algorithm", "budget_label"])[cols]
    med = g.median().add_suffix("_median")
    iqr = (g.quantile(0.75) - g.quantile(0.25)).add_suffix("_iqr")
    return med.join(iqr).reset_index()


def _config_toml(config: SweepSpec) -> str:
    """The resolved grid as TOML (a valid ``--config``), its first line the sweep's mark."""
    lines = [f"{SWEEP_MARK.decode()}: the resolved grid (a --config for the same sweep)"]
    for key, value in config.to_dict().items():
        if value is None or (isinstance(value, list) and any(v is None for v in value)):
            lines.append(f"# {key} = {tuple(value)!r}" if isinstance(value, list)
                         else f"# {key} = {value!r}")
        elif isinstance(value, list):
            lines.append(f"{key} = [{', '.join(repr(v) for v in value)}]")
        elif isinstance(value, str):
            lines.append(f'{key} = "{value}"')
        else:
            lines.append(f"{key} = {value!r}")
    return "\n".join(lines).replace("'", '"') + "\n"


def spec_of(options: dict, config_path=None) -> SweepSpec:
    """The grid of the `sweep` command: a config file and/or its options (overrides; None
    means not given; ``seeds`` and ``fleet_seeds`` N mean 1..N, ``dates`` is text for
    `parse_dates`, ``scale`` 1 is not given)."""
    values = dict(options)
    for axis in ("seeds", "fleet_seeds"):
        if values.get(axis) is not None:
            values[axis] = list(range(1, values[axis] + 1))
    if values.get("dates") is not None:
        values["dates"] = parse_dates(values["dates"])
    if values.get("scale") == 1:
        values["scale"] = None
    if config_path:
        return load_config(config_path, **values)
    return make_config(**{k: v for k, v in values.items() if v is not None})


def run(config: SweepSpec, out, *, workers=None, scheduler=None, echo=print) -> SweepResult:
    """The `sweep` command: every run of the grid, each finished run reported through
    ``echo``; failed runs end it with an error naming them (after the table is written)."""
    claim = OutputDir(out, kind=SWEEP, resume=True)  # before any work

    def show(row):
        day = f" {row['date']}" if row.get("date") else ""
        where = (f"  {row['scenario']}{day} {row['algorithm']} {row['budget_label']} "
                 f"fleet {row['fleet_seed']} seed {row['seed']}: ")
        if row["status"] == "failed":
            echo(f"{where}FAILED ({row['error']})")
            return
        state = "skipped (complete)" if row["skipped"] else f"{row['wall_time_s']:.1f} s"
        hv = f"HV {row['hv']:.4f}" if row.get("hv") is not None else "no HV"
        echo(f"{where}{hv}  {state}")

    with claim:
        echo(f"sweep: {len(config.tasks(claim.path))} runs on {scheduler or 'a local cluster'}")
        res = run_sweep(config, claim, workers=workers, scheduler=scheduler, on_row=show)
    failed = res.table[res.table["status"] == "failed"]
    if len(failed):
        echo(sweep_text(res))
        first = failed.iloc[0]
        raise NoSolutionError(
            f"sweep: {len(failed)} of {len(res.table)} runs failed, first {first['run']}: "
            f"{first['error']}; {res.paths['csv']} has every run's status and error; run the "
            "sweep again to retry the failed ones"
        )
    return res


def sweep_text(res: SweepResult) -> str:
    """The summary table and totals the `sweep` command prints."""
    n_failed = int((res.table["status"] == "failed").sum())
    failed = f", {n_failed} failed" if n_failed else ""
    summary = ("no complete run" if res.summary.empty else
               res.summary.to_string(index=False, float_format=lambda v: f"{v:,.4g}"))
    return (summary + f"\n{len(res.table)} runs ({res.skipped} already complete{failed}) in "
            f"{res.wall_time_s:.1f} s; wrote {res.paths['parquet']} and {res.paths['csv']}")

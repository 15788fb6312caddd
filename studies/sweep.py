"""Monte Carlo sweeps of front runs as tasks on Dask distributed.

A sweep is the grid scenarios × days × algorithms × optimiser seeds × fleet seeds × budgets.
Each grid point is one task that writes its own run directory (`run_one`) and returns one
tidy row: the parameters, the objectives of the Economy and Response picks (AHP weights of
the shipped judgements), HV (and HV ratio against the exact front when the sweep computes
references), evaluations and wall time. Days (``dates``, e.g. a year of a dated scenario:
``--dates 2024-01-01..2024-12-31``) run each scenario on that day of its data; their rows
also carry the day's uncoordinated and ordered baseline costs, so the savings of the
Economy pick can be read per day. Tasks run on an embedded `LocalCluster` sized to the
machine, or on an existing cluster given by its scheduler address, with no other change.

Restarting an interrupted sweep skips every run whose directory is complete
(`moo.rundir.is_complete`: ``meta.json`` is written last and lists the SHA-256 of every
other file), and reads its row back from the directory instead.

Layout of ``OUT``::

    OUT/sweep.toml                 the resolved grid
    OUT/reference/<scenario>/fs<F>/            exact fronts (with --exact-points)
    OUT/runs/<scenario>/fs<F>/<algorithm>-<encoding>/<budget>/seed<S>/   one run each
    OUT/runs/<scenario>/<YYYY-MM-DD>/fs<F>/...                 the same, one per day
    OUT/results.parquet, OUT/results.csv       one row per run
"""

from __future__ import annotations

import datetime as dt
import itertools
import os
import time
import tomllib
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

import numpy as np
import pandas as pd

from models.errors import InputError
from models.scenario import load_scenario
from moo.decision.ahp import load_default_judgements
from moo.decision.select import select
from moo.exact.front import exact_front, write_exact
from moo.exact.indicators import hv_ratio, hypervolume, reference_normalization
from moo.problems.baselines import baseline
from moo.problems.objectives import OBJECTIVES, evaluate
from moo.rundir import atomic_write_bytes, atomic_write_text, is_complete, read_run
from moo.search.nsga import Budget, Memetic, default_max_solutions, run_front, write_front

MODES = ("economy", "response")


@dataclass(frozen=True)
class SweepConfig:
    """The grid of a sweep; every list is one axis."""

    scenarios: tuple[str, ...] = ("building",)
    algorithms: tuple[str, ...] = ("nsga2",)
    seeds: tuple[int, ...] = (1,)
    fleet_seeds: tuple[int | None, ...] = (None,)  # None: the scenario file's own seed
    time_limits_s: tuple[float, ...] = ()
    evals: tuple[int, ...] = ()
    encoding: str = "aggregate"
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
        if not self.time_limits_s and not self.evals:
            object.__setattr__(self, "evals", (10_000,))
        for name in ("scenarios", "algorithms", "seeds", "fleet_seeds", "dates"):
            if not getattr(self, name):
                raise InputError(f"sweep: {name} must not be empty")
        bad = [a for a in self.algorithms if a not in ("nsga2", "nsga3")]
        if bad:
            raise InputError(f"sweep: unknown algorithm {bad[0]!r} (use nsga2, nsga3)")

    def budgets(self) -> list[tuple[str, dict]]:
        """(label, Budget keyword arguments) for every budget on the grid."""
        out = [(f"t{t:g}", {"time_limit_s": float(t)}) for t in self.time_limits_s]
        out += [(f"e{e}", {"evals": int(e)}) for e in self.evals]
        return out

    def tasks(self, out: Path) -> list[dict]:
        """One task description per grid point, with its run directory."""
        tasks = []
        for sc, day, fs, algo, (label, budget), seed in itertools.product(
            self.scenarios, self.dates, self.fleet_seeds, self.algorithms, self.budgets(),
            self.seeds
        ):
            run = (
                out
                / "runs"
                / _scenario_dir(sc, self.scale, day)
                / _fleet_dir(fs)
                / f"{algo}-{self.encoding}"
                / label
                / f"seed{seed}"
            )
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
                run=str(reference_dir(out, sc, fs, self.scale, day)),
            )
            for sc, day, fs in itertools.product(self.scenarios, self.dates, self.fleet_seeds)
        ]


def _scenario_dir(scenario: str, scale: int, date: str | None = None) -> str:
    name = Path(scenario).stem if scenario.endswith(".toml") else scenario
    name = name if scale == 1 else f"{name}-x{scale}"
    return name if date is None else f"{name}/{date}"


def _fleet_dir(fleet_seed: int | None) -> str:
    return "fs-file" if fleet_seed is None else f"fs{fleet_seed}"


def reference_dir(out: Path, scenario: str, fleet_seed: int | None, scale: int,
                  date: str | None = None) -> Path:
    return out / "reference" / _scenario_dir(scenario, scale, date) / _fleet_dir(fleet_seed)


def parse_dates(text: str) -> list[str]:
    """Days from ``"2024-01-01..2024-01-31,2024-06-01"``: inclusive ranges and single days."""
    days: list[str] = []
    for part in (p.strip() for p in str(text).split(",")):
        if not part:
            continue
        ends = part.split("..")
        try:
            first, last = (dt.date.fromisoformat(e.strip()) for e in (ends[0], ends[-1]))
        except ValueError:
            raise InputError(f"--dates: {part!r} is not YYYY-MM-DD or FROM..TO") from None
        if len(ends) > 2 or last < first:
            raise InputError(f"--dates: {part!r} must be FROM..TO with FROM <= TO")
        days += [(first + dt.timedelta(days=k)).isoformat() for k in range((last - first).days + 1)]
    if not days:
        raise InputError("--dates: no day given")
    if len(set(days)) != len(days):
        raise InputError(f"--dates: day {next(d for d in days if days.count(d) > 1)} is repeated")
    return days


def load_config(path: str | os.PathLike, **overrides) -> SweepConfig:
    """Read a sweep TOML (keys: the `SweepConfig` fields); options given override it."""
    try:
        with open(path, "rb") as fh:
            data = tomllib.load(fh)
    except OSError as exc:
        raise InputError(f"{path}: {exc.strerror}") from None
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"{path}: not valid TOML ({exc})") from None
    known = {f.name for f in fields(SweepConfig)}
    unknown = sorted(set(data) - known)
    if unknown:
        raise InputError(f"{path}: unknown key {unknown[0]!r} (known: {', '.join(sorted(known))})")
    data.update({k: v for k, v in overrides.items() if v is not None})
    if isinstance(data.get("dates"), str):
        data["dates"] = parse_dates(data["dates"])
    return make_config(**data)


def make_config(**values) -> SweepConfig:
    """A `SweepConfig` from plain values (lists become tuples), checked."""
    for key, value in list(values.items()):
        if isinstance(value, list):
            values[key] = tuple(value)
    try:
        return SweepConfig(**values)
    except TypeError as exc:
        raise InputError(f"sweep: {exc}") from None


# --- the tasks (run on Dask workers; plain functions of plain data) ----------------------


def run_reference(spec: dict) -> str:
    """Compute the exact front of one scenario/fleet seed unless it is already complete."""

    if not is_complete(spec["run"]):
        scenario = load_scenario(spec["scenario"], spec["fleet_seed"], spec["scale"],
                                 spec.get("date"))
        write_exact(spec["run"], scenario, exact_front(scenario, spec["points"]), overwrite=True)
    return spec["run"]


def run_one(spec: dict, reference: str | None = None) -> dict:
    """Run (or, when its directory is complete, re-read) one front; return its row."""

    skipped = is_complete(spec["run"])
    if not skipped:
        scenario = load_scenario(spec["scenario"], spec["fleet_seed"], spec["scale"],
                                 spec.get("date"))
        budget = Budget(**spec["budget"])
        moves = spec.get("seed_moves_per_var", 500.0)
        memetic = (Memetic(enabled=False) if moves <= 0 else
                   Memetic(seed_moves_per_var=moves, generation_moves_per_var=moves / 10))
        res = run_front(
            scenario,
            spec["algorithm"],
            encoding=spec["encoding"],
            pop_size=spec["pop_size"],
            budget=budget,
            seed=spec["seed"],
            max_solutions=min(spec["max_solutions"], default_max_solutions(scenario)),
            memetic=memetic,
        )
        write_front(
            spec["run"],
            scenario,
            res,
            algorithm=spec["algorithm"],
            encoding=spec["encoding"],
            pop_size=spec["pop_size"],
            clusters=1,
            budget=budget,
            seed=spec["seed"],
            overwrite=True,  # the sweep owns its tree; only incomplete runs get here
        )
    return {**run_row(spec, reference), "skipped": skipped}


def run_row(spec: dict, reference: str | None) -> dict:
    """The tidy row of one complete run directory."""

    run = read_run(spec["run"])
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
    if reference is not None:
        F_ref = read_run(reference).objectives
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
    config: SweepConfig,
    out: str | os.PathLike,
    *,
    workers: int | None = None,
    scheduler: str | None = None,
    on_row: Callable[[dict], None] | None = None,
) -> SweepResult:
    """Run every task of ``config`` on Dask; write the table as Parquet and CSV."""
    from distributed import Client, LocalCluster, as_completed


    # A bad file or a day missing from its data is the user's error, before any worker runs.
    for scenario, day in itertools.product(config.scenarios, config.dates):
        load_scenario(scenario, date=day)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    atomic_write_text(out / "sweep.toml", _config_toml(config))
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
    try:
        refs = {}
        for spec, fut in zip(
            config.references(out),
            client.map(run_reference, config.references(out), pure=False),
            strict=True,
        ):
            refs[(spec["scenario"], spec["date"], spec["fleet_seed"])] = fut
        futures = [
            client.submit(
                run_one, spec, refs.get((spec["scenario"], spec["date"], spec["fleet_seed"])),
                pure=False,
            )
            for spec in config.tasks(out)
        ]
        rows = []
        for fut in as_completed(futures):
            row = fut.result()
            rows.append(row)
            if on_row is not None:
                on_row(row)
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
    """Median and interquartile range per scenario, algorithm and budget."""
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


def _config_toml(config: SweepConfig) -> str:
    lines = []
    for key, value in asdict(config).items():
        if value is None or (isinstance(value, tuple) and any(v is None for v in value)):
            lines.append(f"# {key} = {value!r}")
        elif isinstance(value, tuple):
            lines.append(f"{key} = [{', '.join(repr(v) for v in value)}]")
        elif isinstance(value, str):
            lines.append(f'{key} = "{value}"')
        else:
            lines.append(f"{key} = {value!r}")
    return "\n".join(lines).replace("'", '"') + "\n"


def sweep_command(values: dict, out, *, config_path=None, workers=None, scheduler=None,
                  echo=print) -> SweepResult:
    """The `sweep` command: the grid from a config file and/or ``values`` (command-line
    overrides; None means not given), each finished run reported through ``echo``."""
    if config_path:
        config = load_config(config_path, **values)
    else:
        config = make_config(**{k: v for k, v in values.items() if v is not None})
    echo(f"sweep: {len(config.tasks(Path(out)))} runs on {scheduler or 'a local cluster'}")

    def show(row):
        state = "skipped (complete)" if row["skipped"] else f"{row['wall_time_s']:.1f} s"
        day = f" {row['date']}" if row.get("date") else ""
        hv = f"HV {row['hv']:.4f}" if row.get("hv") is not None else "no HV"
        echo(f"  {row['scenario']}{day} {row['algorithm']} {row['budget_label']} "
             f"fleet {row['fleet_seed']} seed {row['seed']}: {hv}  {state}")

    return run_sweep(config, out, workers=workers, scheduler=scheduler, on_row=show)


def sweep_text(res: SweepResult) -> str:
    """The summary table and totals the `sweep` command prints."""
    return (res.summary.to_string(index=False, float_format=lambda v: f"{v:,.4g}")
            + f"\n{len(res.table)} runs ({res.skipped} already complete) in "
            f"{res.wall_time_s:.1f} s; wrote {res.paths['parquet']} and {res.paths['csv']}")

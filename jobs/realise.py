"""The `realise` job: every solution of a front run evaluated out of sample, on Dask.

The output directory is claimed first (the output rule, kind `REALISED`), the run read once
and its scenario loaded again with its ``[uncertainty]`` table (`uncertain_scenario`: the
same day as the run's, checked by digest). Every solution's plan
(`moo.uncertainty.plan.plans_from_run`) is dispatched, by the rule the run was dispatched
with (`run_dispatch`; the realised meta.json's ``dispatch``), on N realisations of the
evaluation stream (`moo.uncertainty.distributed.evaluate_on_dask`): on an embedded
`LocalCluster` (processes, one thread each, as many workers as cores) or on ``--scheduler
ADDR``. Tasks return their tables to the client and write nothing, so the workers need not
see the client's disk; the client writes the realised directory whole
(`moo.uncertainty.realised`).

``history_dates`` = "FIRST..LAST" evaluates on the real days of that range of the
scenario's session history instead of drawn ones (`Draw(by_day=True)`): realisation k is
the k-th day of the range that counts (the history's ``days`` rule), N defaults to the
number of those days and may not exceed it.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from distributed import Client, LocalCluster

from models.dates import parse_day_range
from models.errors import InputError
from models.uncertainty import history_dates
from moo.rundir import OutputDir, publish_run, read_run
from moo.rundir.output import REALISED
from moo.uncertainty.distributed import DEFAULT_CHUNK, evaluate_on_dask
from moo.uncertainty.evaluate import DEFAULT_ALPHA, Draw, Evaluation
from moo.uncertainty.plan import plans_from_run, uncertain_scenario
from moo.uncertainty.realised import realised_files
from moo.util.spec import Spec


def parse_range(text: str, what: str = "--history-dates") -> tuple[str, str]:
    """``"YYYY-MM-DD..YYYY-MM-DD"`` (inclusive) as two ISO dates (`parse_day_range`)."""
    a, b = parse_day_range(text, what)
    return a.isoformat(), b.isoformat()


@dataclass(frozen=True)
class RealiseSpec(Spec):
    """The options of `realise`."""

    run_dir: str
    out: str
    realisations: int | None = None  # N; with history_dates default: every day of the range
    alpha: float = DEFAULT_ALPHA  # CVaR level of the summary
    seed: int | None = None  # realisations' seed (default: the [uncertainty] table's)
    history_dates: str | None = None  # "FIRST..LAST": real days of the history, one each
    scenario: str | None = None  # the run's scenario file, where the one it records moved
    scheduler: str | None = None  # an existing Dask cluster
    workers: int | None = None  # embedded LocalCluster workers (default: the cores)
    chunk: int | None = None  # realisations per Dask task (default: see `chunk_size`)
    check_schedules: bool = False  # every realised schedule through the checker
    overwrite: bool = False

    def __post_init__(self) -> None:
        n = self.realisations
        if n is not None and (type(n) is not int or n < 1):
            raise InputError(f"--realisations {n!r}: must be an integer >= 1")
        if n is None and self.history_dates is None:
            raise InputError("give --realisations N (or --history-dates FIRST..LAST: one "
                             "realisation per real day)")
        a = self.alpha
        if isinstance(a, bool) or not isinstance(a, int | float) or not (
                math.isfinite(a) and 0.0 <= a < 1.0):
            raise InputError(f"--alpha {a!r}: the CVaR level must be in [0, 1)")
        if self.seed is not None and (type(self.seed) is not int or self.seed < 0):
            raise InputError(f"--seed {self.seed!r}: must be an integer >= 0")
        if self.history_dates is not None:
            parse_range(self.history_dates)
        for name in ("workers", "chunk"):
            v = getattr(self, name)
            if v is not None and (type(v) is not int or v < 1):
                raise InputError(f"--{name} {v!r}: must be an integer >= 1")
        if self.scheduler is not None and self.workers is not None:
            raise InputError("--workers sizes the embedded cluster; with --scheduler the "
                             "cluster has its own workers")

    @property
    def draw(self) -> Draw:
        return Draw(by_day=self.history_dates is not None,
                    check_schedules=self.check_schedules)


@dataclass(frozen=True)
class RealiseResult:
    path: Path
    evaluation: Evaluation
    wall_time_s: float
    where: str  # the cluster it ran on

    def text(self) -> str:
        s = self.evaluation.summary
        n = int(s["realisations"].iloc[0])
        a = self.evaluation.alpha
        best = s.loc[s["total_cost_cvar"].idxmin()]
        return "\n".join([
            f"{len(s)} solutions x {n} realisations in {self.wall_time_s:.1f} s ({self.where})",
            f"P(unmet > 0) {s['p_unmet'].min():.2f} .. {s['p_unmet'].max():.2f}; mean unmet "
            f"energy {s['unmet_kwh_mean'].min():,.2f} .. {s['unmet_kwh_mean'].max():,.2f} kWh",
            f"lowest CVaR_{a:g} of total cost (cost + imbalance): solution "
            f"{int(best['solution'])}, {best['total_cost_cvar']:,.2f} (mean "
            f"{best['total_cost_mean']:,.2f})",
            f"wrote {self.path}",
        ])


def chunk_size(realisations: int, workers: int) -> int:
    """Realisations per task: at most `DEFAULT_CHUNK` (small results, a few seconds of work)
    and at least two tasks per worker, so a slow worker does not hold the end back."""
    return max(1, min(DEFAULT_CHUNK, math.ceil(realisations / (2 * max(workers, 1)))))


def connect(scheduler: str | None, workers: int | None) -> tuple[Client, LocalCluster | None]:
    """A client of ``scheduler``, or of an embedded cluster of ``workers`` processes with
    one thread each (the workers are the parallelism; numba gets one thread each)."""
    if scheduler is not None:
        try:
            return Client(scheduler, timeout="20s"), None
        except (OSError, TimeoutError, ValueError) as exc:
            raise InputError(f"--scheduler {scheduler}: cannot connect ({exc})") from None
    n = workers or os.cpu_count() or 1
    # ":0": the scheduler's HTTP server on a free port (None still asks for 8787, which
    # another cluster on the machine may hold, and warns)
    cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=True,
                           dashboard_address=":0", env={"NUMBA_NUM_THREADS": "1"})
    return Client(cluster), cluster


def run(spec: RealiseSpec, *, report: Callable[[float, str], None] | None = None
        ) -> RealiseResult:
    """Claim ``out``, evaluate every plan of the run, publish the realised directory."""
    t0 = time.perf_counter()
    with OutputDir(spec.out, kind=REALISED, overwrite=spec.overwrite) as target:
        front = read_run(spec.run_dir)
        front.require_schedules("evaluated out of sample (give a front run)")
        history = None if spec.history_dates is None else parse_range(spec.history_dates)
        scenario, digest = uncertain_scenario(front, spec.scenario, history=history,
                                              seed=spec.seed)
        n = spec.realisations
        if history is not None:
            days = len(history_dates(scenario))
            if n is None:
                n = days
            elif n > days:
                raise InputError(f"--realisations {n}: the history has {days} days from "
                                 f"{history[0]} to {history[1]} that count; give at most "
                                 f"{days}, one realisation per real day")
        plans = plans_from_run(front)
        client, cluster = connect(spec.scheduler, spec.workers)
        try:
            workers = len(client.nthreads())
            where = spec.scheduler or f"LocalCluster of {workers} workers"
            evaluation = evaluate_on_dask(
                client, scenario, plans, n, draw=spec.draw, alpha=spec.alpha,
                chunk=spec.chunk or chunk_size(n, workers),
                report=None if report is None else
                (lambda done, total: report(done / total, f"{done}/{total} realisations")))
        finally:
            client.close()
            if cluster is not None:
                cluster.close()
        wall = time.perf_counter() - t0
        unc = scenario.uncertainty
        files, meta = realised_files(
            evaluation, front, scenario_sha256=digest, spec=spec.to_dict(),
            extra={"uncertainty_seed": unc.seed, "dispatch": plans.dispatch,
                   "history": None if history is None else
                   {"from": history[0], "to": history[1], "days": list(history_dates(scenario))},
                   "wall_time_s": wall, "cluster": where})
        path = publish_run(target, files, meta)
    return RealiseResult(path, evaluation, wall, where)

"""A front run evaluated out of sample, on disk: the realised directory (`v2g-pareto realise`).

Layout (written whole by the output rule, kind `REALISED`, ``meta.json`` last)::

    DIR/meta.json          format, the run it evaluates (its path and the SHA-256 of its
                           meta.json), the scenario digest, the draw, alpha, the
                           realisations, the job's options, every file's SHA-256
    DIR/realised.parquet   one row per (solution, realisation): solution, realisation, day
                           ("" for a drawn day), then one column per measure of
                           `moo.uncertainty.recourse.MEASURES` (wide over measures)
    DIR/summary.csv        one row per solution: `moo.uncertainty.evaluate.summarise` at the
                           recorded alpha (mean, std and CVaR of each risk measure, p_unmet,
                           mean unmet energy, ...)

`read_realised` is its strict reader, as `moo.rundir.read_run` is a run's: the format, the
types of the meta.json keys, every file against its SHA-256, the tables' columns and rows,
and that it belongs to the run it names (that run's meta.json hash, its solution ids).
"""

from __future__ import annotations

import io
import math
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from models.errors import InputError
from moo.rundir import Run, read_run
from moo.rundir.output import REALISED_FORMAT
from moo.rundir.run import check_files, csv_bytes, meta_sha256, read_meta, tool_version
from moo.uncertainty.evaluate import RISK_MEASURES, Draw, Evaluation, cvar
from moo.uncertainty.recourse import MEASURES

FORMAT = REALISED_FORMAT
TABLE, SUMMARY = "realised.parquet", "summary.csv"
KEYS = ("solution", "realisation", "day")
RISKS = ("mean", "cvar")  # how a realised objective is summarised for a decision
META_KEYS: dict[str, tuple[type, ...]] = {
    "format": (str,),
    "tool": (str,),
    "run": (dict,),
    "scenario_sha256": (str,),
    "alpha": (int, float),
    "draw": (dict,),
    "realisations": (list,),
    "n_solutions": (int,),
    "files": (dict,),
}


def realised_files(evaluation: Evaluation, run: Run, *, scenario_sha256: str, spec: dict,
                   extra: dict | None = None) -> tuple[dict[str, bytes], dict]:
    """The files and the meta.json keys (before the file hashes) of an evaluation of
    ``run``; `moo.rundir.publish_run` writes them."""
    buf = io.BytesIO()
    evaluation.table.to_parquet(buf, index=False)
    files = {TABLE: buf.getvalue(), SUMMARY: csv_bytes(evaluation.summary)}
    realisations = sorted({int(i) for i in evaluation.table["realisation"]})
    meta = {
        "format": FORMAT,
        "tool": "v2g-pareto",
        "version": tool_version(),
        "run": {"path": os.path.realpath(run.path), "meta_sha256": run.meta_sha256,
                "algorithm": run.meta.get("algorithm")},
        "scenario": run.scenario.name,
        "scenario_sha256": scenario_sha256,
        "alpha": float(evaluation.alpha),
        "draw": evaluation.draw.to_dict(),
        "realisations": realisations,
        "n_solutions": int(evaluation.summary.shape[0]),
        "spec": spec,
        **(extra or {}),
    }
    return files, meta


@dataclass(frozen=True, eq=False)
class Realised:
    """A realised directory that passed every check of `read_realised`, with its run."""

    path: Path
    meta: dict
    table: pd.DataFrame  # S·N rows: KEYS, then MEASURES
    summary: pd.DataFrame  # S rows, in the run's front.csv order
    run: Run

    @property
    def alpha(self) -> float:
        return float(self.meta["alpha"])

    @property
    def draw(self) -> Draw:
        return Draw.from_dict(self.meta["draw"])

    @property
    def meta_sha256(self) -> str:
        """SHA-256 of its meta.json: the evaluation's identity (a kept risk pick records it)."""
        return meta_sha256(self.path)

    def require_of(self, run: Run) -> None:
        """A one-line `InputError` unless this is an evaluation of ``run`` (given as
        ``--realised`` beside it)."""
        if self.run.meta_sha256 != run.meta_sha256:
            raise InputError(f"--realised {self.path}: an evaluation of another run "
                             f"({self.run.path}), not of {run.path}")

    @property
    def realisations(self) -> int:
        return len(self.meta["realisations"])

    def matrix(self, measure: str) -> np.ndarray:  # [S, N]
        """One measure per (front row, realisation), rows in front.csv order."""
        if measure not in MEASURES:
            raise InputError(f"unknown realised measure {measure!r}: one of {', '.join(MEASURES)}")
        wide = self.table.pivot(index="solution", columns="realisation", values=measure)
        return wide.loc[self.run.front["solution"].to_numpy()].to_numpy(float)

    def risk(self, measure: str, risk: str = "cvar", alpha: float | None = None
             ) -> np.ndarray:  # [S]
        """The mean or the CVaR at ``alpha`` (default the recorded one) of a measure over
        the realisations, per front row."""
        if risk not in RISKS:
            raise InputError(f"unknown risk measure {risk!r}: use {', '.join(RISKS)}")
        values = self.matrix(measure)
        if risk == "mean":
            return values.mean(axis=1)
        return cvar(values, self.alpha if alpha is None else alpha, axis=1)


def _fail(path: Path, why: str) -> InputError:
    return InputError(f"{path}: {why}")


def read_realised(path: str | os.PathLike, run: Run | None = None) -> Realised:
    """Open a realised directory after checking all of it (module docstring). ``run``: the
    run it must belong to (default: the run its meta.json names, read by `read_run`)."""
    path = Path(path)
    meta_path = path / "meta.json"
    meta = read_meta(path, FORMAT, META_KEYS, "realised directory",
                     "; write one with `v2g-pareto realise`")
    if not isinstance(meta["run"].get("meta_sha256"), str):
        raise _fail(meta_path, "run.meta_sha256 must name the evaluated run's meta.json hash")
    alpha = float(meta["alpha"])
    if not (math.isfinite(alpha) and 0.0 <= alpha < 1.0):
        raise _fail(meta_path, f"alpha must be in [0, 1), not {alpha}")
    try:
        Draw.from_dict(meta["draw"])
    except (InputError, TypeError) as exc:
        raise _fail(meta_path, f"draw: {exc}") from None
    indices = meta["realisations"]
    if not indices or not all(type(i) is int and i >= 0 for i in indices):
        raise _fail(meta_path, "realisations must be a non-empty list of integers >= 0")
    check_files(path, meta["files"], (TABLE, SUMMARY))
    table = _read_table(path / TABLE, meta["n_solutions"], indices)
    summary = _read_summary(path / SUMMARY, table)
    if run is None:
        named = meta["run"].get("path")
        if not isinstance(named, str) or not Path(named).is_dir():
            raise _fail(meta_path, f"the run it evaluates, {named!r}, is not there (moved or "
                        "deleted?); give the run with it")
        run = read_run(named)
    if run.meta_sha256 != meta["run"]["meta_sha256"]:
        raise InputError(f"{path}: not an evaluation of the run {run.path} (its meta.json hash "
                         "differs: another run, or the run was replaced); run `v2g-pareto "
                         "realise` again")
    ids = run.front["solution"].to_numpy()
    if sorted(int(i) for i in ids) != sorted(int(i) for i in summary["solution"]):
        raise _fail(path / SUMMARY, f"its solutions are not those of {run.path / 'front.csv'}")
    order = pd.Series(np.arange(len(summary)), index=summary["solution"].to_numpy())
    summary = summary.iloc[order.loc[ids].to_numpy()].reset_index(drop=True)
    return Realised(path, meta, table, summary, run)


def _read_table(table_path: Path, n_solutions: int, indices: list[int]) -> pd.DataFrame:
    try:
        table = pd.read_parquet(table_path)
    except Exception as exc:  # pyarrow raises its own types for a damaged file
        raise InputError(f"{table_path}: not a readable Parquet table "
                         f"({type(exc).__name__}: {exc})") from None
    missing = [c for c in (*KEYS, *MEASURES) if c not in table.columns]
    if missing:
        raise _fail(table_path, f"missing columns {', '.join(missing)}")
    for c in ("solution", "realisation"):
        if not pd.api.types.is_integer_dtype(table[c]):
            raise _fail(table_path, f"column {c} must hold integers")
    if len(table) != n_solutions * len(indices):
        raise _fail(table_path, f"{len(table)} rows, meta.json says {n_solutions} solutions x "
                    f"{len(indices)} realisations")
    if sorted(set(table["realisation"].tolist())) != sorted(indices):
        raise _fail(table_path, "its realisations are not those meta.json lists")
    if table.duplicated(["solution", "realisation"]).any():
        raise _fail(table_path, "a (solution, realisation) pair appears twice")
    if table["solution"].nunique() != n_solutions:
        raise _fail(table_path, f"{table['solution'].nunique()} solutions, meta.json says "
                    f"{n_solutions}")
    return table


def _read_summary(summary_path: Path, table: pd.DataFrame) -> pd.DataFrame:
    try:
        summary = pd.read_csv(summary_path)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise _fail(summary_path, f"not a readable CSV ({exc})") from None
    needed = ["solution", "realisations", "p_unmet", "unmet_kwh_mean",
              *(f"{m}_{s}" for m in RISK_MEASURES for s in ("mean", "std", "cvar"))]
    missing = [c for c in needed if c not in summary.columns]
    if missing:
        raise _fail(summary_path, f"missing columns {', '.join(missing)}")
    if not pd.api.types.is_integer_dtype(summary["solution"]):
        raise _fail(summary_path, "column solution must hold integer ids")
    if sorted(summary["solution"].tolist()) != sorted(set(table["solution"].tolist())):
        raise _fail(summary_path, "its solutions are not those of realised.parquet")
    return summary

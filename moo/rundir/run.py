"""Run directory format v1 (docs/model.md §9): atomic writer and reader.

Layout::

    RUN/meta.json            written last; lists every other file with its SHA-256
    RUN/scenario/fleet.csv   RUN/scenario/grid.csv
    RUN/front.csv            solution, cost, variance, peak_valley, + report columns (model §5)
    RUN/schedules.npz        ev_power [R, N, T], ev_solutions [R], bess_power [S, T] (if BESS),
                             net_load [S, T]
    RUN/history.csv          (optimisers)

``ev_power`` row r is the per-vehicle schedule of front.csv solution ``ev_solutions[r]``.
Storage rule for large fleets: the per-vehicle arrays of every solution are stored while
S x N x T <= `EV_STORE_VALUES` (50 million floats, 400 MB before compression); above, only
those of the solutions the writer names (``ev_keep``: for fronts the three single-objective
optima, the shipped AHP Economy and Response picks and evenly spaced solutions by cost, as
many as the budget allows, at least those five). front.csv, net_load and bess_power stay
complete, and every solution's schedule passes the feasibility checker before anything is
written — produced and checked a chunk of solutions at a time, so memory stays bounded.

Every file is written to a temporary name in the same directory and renamed into place;
the schedules pass the independent feasibility checker before anything is written. A run
directory is complete only when ``meta.json`` exists and the files it lists verify, so an
interrupted write never looks like a finished run.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from importlib.metadata import version
from pathlib import Path

import numpy as np
import pandas as pd

from models.errors import InfeasibleScheduleError, InputError
from models.scenario import Scenario
from moo.problems import feasibility
from moo.problems.objectives import evaluate, net_load

FORMAT = "v2g-pareto-run/1"
EV_STORE_VALUES = 50_000_000  # per-vehicle floats stored for every solution up to this size
CHUNK_VALUES = 20_000_000  # per-vehicle floats produced and checked at a time


@dataclass(frozen=True)
class ScheduleSource:
    """S schedules produced on demand: ``get(indices)`` -> (ev_power [k, N, T], bess [k, T]
    or None). Lets a writer check and store a large front a chunk at a time."""

    n: int
    get: Callable[[np.ndarray], tuple[np.ndarray, np.ndarray | None]]

    @classmethod
    def of_arrays(cls, ev_power: np.ndarray, bess_power: np.ndarray | None) -> ScheduleSource:
        ev_power = np.asarray(ev_power)

        def get(idx):
            return ev_power[idx], None if bess_power is None else np.asarray(bess_power)[idx]

        return cls(ev_power.shape[0], get)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file and an atomic rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp's 0600 would hide runs from other users
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_write_text(path: Path, text: str) -> None:
    atomic_write_bytes(path, text.encode())


def _csv_bytes(frame: pd.DataFrame) -> bytes:
    return frame.to_csv(index=False, float_format="%.17g").encode()


def _npz_bytes(arrays: dict[str, np.ndarray]) -> bytes:
    buf = io.BytesIO()
    np.savez_compressed(buf, **arrays)
    return buf.getvalue()


def tool_version() -> str:
    try:
        return version("v2g-pareto")
    except Exception:  # running from a source tree that is not installed
        return "unknown"


def write_run(
    out_dir: str | os.PathLike,
    scenario: Scenario,
    ev_power: np.ndarray,
    bess_power: np.ndarray | None = None,
    *,
    algorithm: str,
    parameters: dict | None = None,
    seed: int | None = None,
    n_evals: int = 0,
    wall_time_s: float = 0.0,
    history: pd.DataFrame | None = None,
    extra_meta: dict | None = None,
    import_limit: bool = True,
    targets: bool = True,
    ev_keep: np.ndarray | None = None,
) -> Path:
    """Check, evaluate and write one run; returns its directory.

    ``ev_power`` is [S, N, T] (S solutions) or a `ScheduleSource`, ``bess_power`` [S, T] or
    None. ``ev_keep``: solutions whose per-vehicle arrays are stored (default: all, and
    only honoured above `EV_STORE_VALUES`). ``import_limit`` and ``targets`` relax the
    checker for throttled baselines only (docs/model.md §4).
    """
    source = (
        ev_power
        if isinstance(ev_power, ScheduleSource)
        else ScheduleSource.of_arrays(ev_power, bess_power)
    )
    n_sol, n_veh, t_count = source.n, scenario.fleet.n, scenario.slots
    if n_sol * n_veh * t_count <= EV_STORE_VALUES or ev_keep is None:
        keep = np.arange(n_sol)
    else:
        keep = np.unique(np.asarray(ev_keep, dtype=np.int64))
        if keep.size and (keep[0] < 0 or keep[-1] >= n_sol):
            raise ValueError(f"ev_keep names solutions outside 0..{n_sol - 1}")
    chunk = max(1, CHUNK_VALUES // max(n_veh * t_count, 1))
    fronts, nets, bess_rows, ev_rows = [], [], [], []
    for start in range(0, n_sol, chunk):
        idx = np.arange(start, min(n_sol, start + chunk))
        ev, bess = source.get(idx)
        ev = np.ascontiguousarray(ev, dtype=np.float64)
        if scenario.bess is not None and bess is None:
            bess = np.zeros((len(idx), t_count))
        try:
            feasibility.assert_feasible(
                scenario, ev, bess, import_limit=import_limit, targets=targets
            )
        except InfeasibleScheduleError as exc:
            where = f"solutions {idx[0]}..{idx[-1]}: " if n_sol > len(idx) else ""
            raise InfeasibleScheduleError(f"{where}{exc}") from None
        part = evaluate(scenario, ev, bess)
        part["solution"] = idx
        fronts.append(part)
        nets.append(net_load(scenario, ev, bess))
        if bess is not None:
            bess_rows.append(np.asarray(bess, dtype=np.float64))
        ev_rows.append(ev[np.isin(idx, keep)])
    front = pd.concat(fronts, ignore_index=True) if fronts else evaluate(
        scenario, np.zeros((0, n_veh, t_count)), None
    )
    net = np.concatenate(nets) if nets else np.zeros((0, t_count))
    arrays = {
        "ev_power": np.concatenate(ev_rows) if ev_rows else np.zeros((0, n_veh, t_count)),
        "ev_solutions": keep,
        "net_load": net,
    }
    if bess_rows:
        arrays["bess_power"] = np.concatenate(bess_rows)
    del ev_rows

    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise InputError(f"--out {out}: exists and is not a directory")
    out.mkdir(parents=True, exist_ok=True)
    # An older run in the same place stops being complete before any file changes.
    (out / "meta.json").unlink(missing_ok=True)

    files = {
        "scenario/fleet.csv": _csv_bytes(scenario.fleet.to_frame()),
        "scenario/grid.csv": _csv_bytes(scenario.grid.to_frame()),
        "front.csv": _csv_bytes(front),
        "schedules.npz": _npz_bytes(arrays),
    }
    if history is not None:
        files["history.csv"] = _csv_bytes(history)
    for name, data in files.items():
        atomic_write_bytes(out / name, data)

    meta = {
        "format": FORMAT,
        "tool": "v2g-pareto",
        "version": tool_version(),
        "command": ["v2g-pareto", *sys.argv[1:]],
        "scenario": scenario.to_meta(),
        "dt_hours": scenario.dt_h,
        "degradation_cost_per_kwh": scenario.degradation_cost_per_kwh,
        "bess": None if scenario.bess is None else scenario.bess.to_dict(),
        "import_limit_kw": scenario.grid.import_limit_kw,
        "currency": scenario.currency,
        "fleet_seed": scenario.fleet_seed,
        "algorithm": algorithm,
        "parameters": parameters or {},
        "seed": seed,
        "n_evals": int(n_evals),
        "wall_time_s": float(wall_time_s),
        "n_solutions": int(len(front)),
        "ev_power_stored": "all" if len(keep) == n_sol else [int(i) for i in keep],
        **(extra_meta or {}),
        "files": {name: hashlib.sha256(data).hexdigest() for name, data in files.items()},
    }
    atomic_write_text(out / "meta.json", json.dumps(meta, indent=2, default=_json_default))
    return out


def _json_default(obj):
    if isinstance(obj, np.integer):
        return int(obj)
    if isinstance(obj, np.floating):
        return float(obj)
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    raise TypeError(f"not JSON serialisable: {type(obj).__name__}")


def is_complete(run_dir: str | os.PathLike) -> bool:
    """True when ``meta.json`` exists and every file it lists matches its SHA-256."""
    run = Path(run_dir)
    try:
        meta = json.loads((run / "meta.json").read_text())
        return all(
            hashlib.sha256((run / name).read_bytes()).hexdigest() == digest
            for name, digest in meta["files"].items()
        )
    except (OSError, ValueError, KeyError, TypeError):
        return False


@dataclass(frozen=True)
class Run:
    """A run directory opened for reading; arrays are loaded on first use."""

    path: Path
    meta: dict
    front: pd.DataFrame

    @cached_property
    def scenario(self) -> Scenario:
        return Scenario.from_meta(
            self.meta["scenario"],
            pd.read_csv(self.path / "scenario" / "fleet.csv"),
            pd.read_csv(self.path / "scenario" / "grid.csv"),
        )

    @cached_property
    def schedules(self) -> dict[str, np.ndarray]:
        with np.load(self.path / "schedules.npz") as npz:
            return {k: npz[k] for k in npz.files}

    def ev_power(self, row: int) -> np.ndarray | None:
        """Per-vehicle powers [N, T] of front row ``row``; None where a large-fleet run did
        not store them (see the storage rule above)."""
        sched = self.schedules
        stored = sched.get("ev_solutions")
        if stored is None:  # runs written before the rule: every solution, in order
            return sched["ev_power"][row]
        hit = np.flatnonzero(stored == int(self.front["solution"].iloc[row]))
        return sched["ev_power"][hit[0]] if hit.size else None

    @cached_property
    def history(self) -> pd.DataFrame | None:
        path = self.path / "history.csv"
        return pd.read_csv(path) if path.exists() else None

    @property
    def objectives(self) -> np.ndarray:  # [S, 3]
        return self.front[["cost", "variance", "peak_valley"]].to_numpy()


def read_run(run_dir: str | os.PathLike) -> Run:
    """Open a complete run directory; a missing or half-written one is an `InputError`."""
    path = Path(run_dir)
    if not (path / "meta.json").is_file():
        raise InputError(f"{path}: not a run directory (no meta.json)")
    try:
        meta = json.loads((path / "meta.json").read_text())
    except ValueError as exc:
        raise InputError(f"{path}/meta.json: not valid JSON ({exc})") from None
    if meta.get("format") != FORMAT:
        raise InputError(f"{path}: unknown run format {meta.get('format')!r}")
    if not is_complete(path):
        raise InputError(f"{path}: incomplete run directory (files do not match meta.json)")
    return Run(path, meta, pd.read_csv(path / "front.csv"))

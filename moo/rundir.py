"""Run directory format v1 (SPEC §9): atomic writer and reader.

Layout::

    RUN/meta.json            written last; lists every other file with its SHA-256
    RUN/scenario/fleet.csv   RUN/scenario/grid.csv
    RUN/front.csv            solution, cost, variance, peak_valley, + SPEC §5 report columns
    RUN/schedules.npz        ev_power [S, N, T], bess_power [S, T] (if BESS), net_load [S, T]
    RUN/history.csv          (optimisers)

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
from dataclasses import dataclass
from functools import cached_property
from importlib.metadata import version
from pathlib import Path

import numpy as np
import pandas as pd

from models.errors import InputError
from models.scenario import Scenario
from moo import feasibility
from moo.objectives import evaluate, net_load

FORMAT = "v2g-pareto-run/1"


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
) -> Path:
    """Check, evaluate and write one run; returns its directory.

    ``ev_power`` is [S, N, T] (S solutions), ``bess_power`` [S, T] or None. ``import_limit``
    and ``targets`` relax the checker for throttled baselines only (SPEC §4).
    """
    ev_power = np.ascontiguousarray(ev_power, dtype=np.float64)
    if scenario.bess is not None and bess_power is None:
        bess_power = np.zeros((ev_power.shape[0], scenario.slots))
    feasibility.assert_feasible(
        scenario, ev_power, bess_power, import_limit=import_limit, targets=targets
    )
    front = evaluate(scenario, ev_power, bess_power)
    net = net_load(scenario, ev_power, bess_power)

    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise InputError(f"--out {out}: exists and is not a directory")
    out.mkdir(parents=True, exist_ok=True)
    # An older run in the same place stops being complete before any file changes.
    (out / "meta.json").unlink(missing_ok=True)

    arrays = {"ev_power": ev_power, "net_load": net}
    if bess_power is not None:
        arrays["bess_power"] = np.asarray(bess_power, dtype=np.float64)
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

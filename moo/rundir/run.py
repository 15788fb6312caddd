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

The schedules pass the independent feasibility checker before anything is written; the
run is written into a hidden partial directory and renamed into place whole
(`moo.rundir.output`: what ``--out`` may hold, ``overwrite``, the lock). `read_run` is the
one strict reader: format, ``meta.json`` key types, every file's SHA-256, front.csv columns
and values, schedules.npz arrays.
"""

from __future__ import annotations

import hashlib
import io
import json
import math
import os
import sys
import zipfile
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property
from importlib.metadata import version
from pathlib import Path

import numpy as np
import pandas as pd

from models.errors import InfeasibleScheduleError, InputError, NoSolutionError
from models.scenario import Scenario
from moo.problems import feasibility
from moo.problems.objectives import OBJECTIVES, evaluate, net_load
from moo.rundir.output import META, OutputDir
from moo.util.blocks import BLOCK_VALUES
from moo.util.jsontext import dumps
from moo.util.normalization import Normalization

FORMAT = "v2g-pareto-run/1"
SCHEDULES, BOUND = "schedules", "bound"  # run kinds: meta["kind"] (absent: schedules)
BOUND_WEIGHT_COLUMNS = tuple(f"w_{name}" for name in OBJECTIVES)  # a bound run's front.csv
EV_STORE_VALUES = 50_000_000  # per-vehicle floats stored for every solution up to this size
CHUNK_VALUES = 20_000_000  # per-vehicle floats produced and checked at a time
CSV_ROWS = 50_000  # rows a table is formatted in at a time
CHUNK_SOLUTIONS_MIN = 2  # solutions at a time, whatever their size: one per core dispatching


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


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """A table as the run files store it: floats with 17 significant digits (exact).

    A table of plain numbers (integers, finite or infinite floats, simple column names) is
    formatted row by row with the same ``%`` rules, to the same bytes, 3x faster than
    pandas' per-value formatter: a million-vehicle fleet.csv is 12 million values."""
    kinds = ["f" if t == np.float64 else "i" if isinstance(t, np.dtype) and t.kind in "iu"
             else "" for t in frame.dtypes]  # float64, numpy integers: anything else, pandas
    plain = len(kinds) > 0 and all(kinds) and all(
        str(c) and not set(str(c)) & set(',"\r\n') for c in frame.columns)
    if not plain or frame.isna().to_numpy().any():
        return frame.to_csv(index=False, float_format="%.17g").encode()
    row = ",".join("%.17g" if k == "f" else "%d" for k in kinds) + os.linesep
    columns = [frame[c].to_numpy() for c in frame.columns]
    parts = [(",".join(str(c) for c in frame.columns) + os.linesep).encode()]
    for lo in range(0, len(frame), CSV_ROWS):  # Python numbers for a block of rows at a time
        block = [col[lo : lo + CSV_ROWS].tolist() for col in columns]
        parts.append("".join([row % values for values in zip(*block, strict=True)]).encode())
    return b"".join(parts)


class NpzBuilder:
    """A compressed ``.npz`` built in memory one member at a time (the format
    `np.savez_compressed` writes); `stream` writes an array from parts, so a large one (the
    per-vehicle schedules of a big fleet) is compressed as it is produced, never held whole."""

    def __init__(self):
        self._buf = io.BytesIO()
        self._zip = zipfile.ZipFile(self._buf, "w", zipfile.ZIP_DEFLATED, allowZip64=True)

    def add(self, name: str, array: np.ndarray) -> None:
        with self._zip.open(f"{name}.npy", "w", force_zip64=True) as member:
            np.lib.format.write_array(member, np.asanyarray(array), allow_pickle=False)

    @contextmanager
    def stream(self, name: str, shape: tuple[int, ...], dtype=np.float64):
        """Yields ``put(part)``: parts in C order, whose values must add up to ``shape``."""
        dtype = np.dtype(dtype)
        total, written = math.prod(shape), 0
        with self._zip.open(f"{name}.npy", "w", force_zip64=True) as member:
            np.lib.format.write_array_header_1_0(
                member, {"descr": np.lib.format.dtype_to_descr(dtype), "fortran_order": False,
                         "shape": tuple(shape)})

            def put(part: np.ndarray) -> None:
                nonlocal written
                flat = np.ascontiguousarray(part, dtype=dtype).reshape(-1)
                for lo in range(0, flat.size, BLOCK_VALUES):
                    member.write(flat[lo : lo + BLOCK_VALUES].tobytes())
                written += flat.size

            yield put
            if written != total:
                raise ValueError(f"{name}: {written} values streamed for shape {shape}")

    def getvalue(self) -> bytes:
        self._zip.close()
        return self._buf.getvalue()


def npz_bytes(arrays: dict[str, np.ndarray]) -> bytes:
    npz = NpzBuilder()
    for name, array in arrays.items():
        npz.add(name, array)
    return npz.getvalue()


def tool_version() -> str:
    try:
        return version("v2g-pareto")
    except Exception:  # running from a source tree that is not installed
        return "unknown"


def write_run(
    out_dir: str | os.PathLike | OutputDir,
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
    overwrite: bool = False,
    finish_front: Callable[[pd.DataFrame], pd.DataFrame] | None = None,
) -> Path:
    """Check, evaluate and write one run; returns its directory.

    ``out_dir`` is a path or an `OutputDir` the caller claimed before its work started
    (then ``overwrite`` is the claim's); the run appears there whole or not at all
    (`moo.rundir.output`). A run without a solution is refused (`NoSolutionError`).

    ``ev_power`` is [S, N, T] (S solutions) or a `ScheduleSource`, ``bess_power`` [S, T] or
    None. ``ev_keep``: solutions whose per-vehicle arrays are stored (default: all, and
    only honoured above `EV_STORE_VALUES`). ``import_limit`` and ``targets`` relax the
    checker for throttled baselines only (docs/model.md §4). ``finish_front`` rewrites the
    evaluated front.csv table before it is written (a risk-aware front puts its risk values
    in the objective columns, docs/model.md §12.5).
    """
    source = (
        ev_power
        if isinstance(ev_power, ScheduleSource)
        else ScheduleSource.of_arrays(ev_power, bess_power)
    )
    n_sol, n_veh, t_count = source.n, scenario.fleet.n, scenario.slots
    if n_sol == 0:
        raise NoSolutionError("no feasible schedule to write: nothing was written")
    if n_sol * n_veh * t_count <= EV_STORE_VALUES or ev_keep is None:
        keep = np.arange(n_sol)
    else:
        keep = np.unique(np.asarray(ev_keep, dtype=np.int64))
        if keep.size and (keep[0] < 0 or keep[-1] >= n_sol):
            raise ValueError(f"ev_keep names solutions outside 0..{n_sol - 1}")
    chunk = max(CHUNK_SOLUTIONS_MIN, CHUNK_VALUES // max(n_veh * t_count, 1))
    fronts, nets, bess_rows = [], [], []
    npz = NpzBuilder()
    with npz.stream("ev_power", (len(keep), n_veh, t_count)) as put:
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
            for row in np.flatnonzero(np.isin(idx, keep)):
                put(ev[row])
            del ev
    front = pd.concat(fronts, ignore_index=True) if fronts else evaluate(
        scenario, np.zeros((0, n_veh, t_count)), None
    )
    if finish_front is not None:
        front = finish_front(front)
    npz.add("ev_solutions", keep)
    npz.add("net_load", np.concatenate(nets) if nets else np.zeros((0, t_count)))
    if bess_rows:
        npz.add("bess_power", np.concatenate(bess_rows))

    files = {
        **scenario_files(scenario),
        "front.csv": csv_bytes(front),
        "schedules.npz": npz.getvalue(),
    }
    if history is not None:
        files["history.csv"] = csv_bytes(history)

    meta = run_meta(
        scenario,
        algorithm=algorithm,
        parameters=parameters,
        seed=seed,
        n_evals=n_evals,
        wall_time_s=wall_time_s,
        n_solutions=len(front),
    )
    meta["ev_power_stored"] = "all" if len(keep) == n_sol else [int(i) for i in keep]
    return publish_run(out_dir, files, {**meta, **(extra_meta or {})}, overwrite=overwrite)


def scenario_digest(scenario: Scenario) -> str:
    """SHA-256 of a resolved scenario: its meta.json entry and its fleet and grid tables,
    so two runs (or a run and a checkpoint) can tell whether they solve the same problem."""
    h = hashlib.sha256(json.dumps(scenario.to_meta(), sort_keys=True, default=str).encode())
    for data in scenario_files(scenario).values():
        h.update(data)
    return h.hexdigest()


def scenario_files(scenario: Scenario) -> dict[str, bytes]:
    """The scenario's fleet and grid tables as a run stores them (``scenario/*.csv``)."""
    return {
        "scenario/fleet.csv": csv_bytes(scenario.fleet.to_frame()),
        "scenario/grid.csv": csv_bytes(scenario.grid.to_frame()),
    }


def run_meta(
    scenario: Scenario,
    *,
    algorithm: str,
    parameters: dict | None,
    seed: int | None,
    n_evals: int,
    wall_time_s: float,
    n_solutions: int,
) -> dict:
    """The ``meta.json`` keys every run has (docs/model.md §9), before the file hashes."""
    return {
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
        "n_solutions": int(n_solutions),
    }


class RunBytes:
    """A run held in memory instead of written: give it as ``out_dir`` to a run writer
    (`write_run`, `publish_run`) where the output's disk may not be seen — a Dask task
    on a worker returns it — and `write` it on the client, through the output rule."""

    def __init__(self):
        self.files: dict[str, bytes] = {}
        self.meta_text = ""

    def publish(self, files: dict[str, bytes], meta_text: str) -> None:
        self.files, self.meta_text = dict(files), meta_text

    def write(self, out_dir: str | os.PathLike, overwrite: bool = False) -> Path:
        """Publish the held run at ``out_dir`` (`OutputDir`: checked, locked, atomic)."""
        if not self.meta_text:
            raise RuntimeError("no run was written into this RunBytes")
        with OutputDir(out_dir, overwrite=overwrite) as target:
            return target.publish(self.files, self.meta_text)


def publish_run(
    out_dir: str | os.PathLike | OutputDir | RunBytes,
    files: dict[str, bytes],
    meta: dict,
    overwrite: bool = False,
) -> Path:
    """Write a run's files and its ``meta.json`` (which gets the files' SHA-256 hashes)
    atomically at ``out_dir``: every writer of run directories ends here."""
    hashes = {name: hashlib.sha256(data).hexdigest() for name, data in files.items()}
    meta = {**meta, "files": hashes}
    text = dumps(meta, indent=2)
    if isinstance(out_dir, OutputDir | RunBytes):
        return out_dir.publish(files, text)  # RunBytes: held for the caller, None
    with OutputDir(out_dir, overwrite=overwrite) as target:
        return target.publish(files, text)


def is_complete(run_dir: str | os.PathLike) -> bool:
    """True when `read_run` accepts the directory (format, keys, files, hashes, columns)."""
    try:
        read_run(run_dir)
    except InputError:
        return False
    return True


# meta.json keys every run has, with the JSON types they must hold.
META_KEYS: dict[str, tuple[type, ...]] = {
    "format": (str,),
    "tool": (str,),
    "scenario": (dict,),
    "currency": (str,),
    "dt_hours": (int, float),
    "algorithm": (str,),
    "parameters": (dict,),
    "n_evals": (int,),
    "wall_time_s": (int, float),
    "n_solutions": (int,),
    "files": (dict,),
}
SCHEDULE_ARRAYS = ("ev_power", "ev_solutions", "net_load")


@dataclass(frozen=True)
class Run:
    """A run directory opened for reading (by `read_run`, which verified it); arrays are
    loaded on first use."""

    path: Path
    meta: dict
    front: pd.DataFrame

    @property
    def kind(self) -> str:
        """"schedules" for runs that carry schedules; "bound" (a lower-bound front,
        `moo.exact.bound`) carries objective vectors and certificates only."""
        return str(self.meta.get("kind", SCHEDULES))

    @property
    def is_bound(self) -> bool:
        """True for a lower-bound run: certificates, no schedules."""
        return self.kind == BOUND

    @property
    def has_schedules(self) -> bool:
        return self.kind == SCHEDULES

    def require_schedules(self, role: str) -> None:
        """A one-line `InputError` when this run holds no schedules where a command needs
        them (``role``: what the run was going to be, e.g. "selected from")."""
        if not self.has_schedules:
            raise InputError(
                f"{self.path}: a {self.kind} run (kind={self.kind}) holds no schedules and "
                f"cannot be {role}"
            )

    def require_bound(self) -> None:
        """A one-line `InputError` unless this is a lower-bound run."""
        if not self.is_bound:
            raise InputError(f"{self.path}: not a bound run (write one with `v2g-pareto bound`)")

    @cached_property
    def meta_sha256(self) -> str:
        """SHA-256 of meta.json: the run's identity (it lists every file's hash), which the
        files written into the run afterwards (selections) and exports record."""
        return meta_sha256(self.path)

    @cached_property
    def scenario(self) -> Scenario:
        try:
            return Scenario.from_meta(
                self.meta["scenario"],
                pd.read_csv(self.path / "scenario" / "fleet.csv"),
                pd.read_csv(self.path / "scenario" / "grid.csv"),
            )
        except InputError as exc:
            raise InputError(f"{self.path}: its scenario does not load ({exc})") from None
        except (KeyError, TypeError, ValueError, IndexError) as exc:
            raise InputError(
                f"{self.path}: meta.json scenario and scenario/*.csv do not describe a "
                f"scenario ({type(exc).__name__}: {exc})"
            ) from None

    @cached_property
    def schedules(self) -> dict[str, np.ndarray]:
        if not self.has_schedules:
            raise InputError(f"{self.path}: a {self.kind} run has no schedules")
        with np.load(self.path / "schedules.npz") as npz:
            return {k: npz[k] for k in npz.files}

    def ev_power(self, row: int) -> np.ndarray | None:
        """Per-vehicle powers [N, T] of front row ``row``; None where a large-fleet run did
        not store them (see the storage rule above)."""
        sched = self.schedules
        hit = np.flatnonzero(sched["ev_solutions"] == int(self.front["solution"].iloc[row]))
        return sched["ev_power"][hit[0]] if hit.size else None

    @cached_property
    def history(self) -> pd.DataFrame | None:
        path = self.path / "history.csv"
        return pd.read_csv(path) if path.exists() else None

    @cached_property
    def normalization(self) -> Normalization | None:
        """The normalisation the run records (meta.json ``normalization``, checked by
        `read_run`; a bound run's certificates are stated in it), or None."""
        norm = self.meta.get("normalization")
        return None if norm is None else Normalization(norm["ideal"], norm["nadir"])

    @property
    def objectives(self) -> np.ndarray:  # [S, 3]
        return self.front[list(OBJECTIVES)].to_numpy(float)


def meta_sha256(path: str | os.PathLike) -> str:
    """SHA-256 of ``path/meta.json``: the identity of a run (or of a realised directory),
    since it lists every file's hash; what the files that refer to it record."""
    return hashlib.sha256((Path(path) / META).read_bytes()).hexdigest()


def read_meta(path: Path, fmt: str, keys: dict[str, tuple[type, ...]], noun: str,
              hint: str = "") -> dict:
    """``path/meta.json`` after the checks every directory of ours gets (a run, a realised
    directory, an export): the directory and the file exist, the file is a JSON object of
    format ``fmt``, and each of ``keys`` is there with one of its JSON types (never a bool
    for a number). An `InputError` naming the file and the fault otherwise; ``noun`` names
    what ``path`` should be, ``hint`` how to write one. `check_files` checks the files."""
    if not path.is_dir():
        raise InputError(f"{path}: not a {noun} (no such directory)")
    meta_path = path / META
    if not meta_path.is_file():
        raise InputError(f"{path}: not a {noun} (no {META})")
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise InputError(f"{meta_path}: not valid JSON ({exc})") from None
    if not isinstance(meta, dict):
        raise InputError(f"{meta_path}: must hold a JSON object, not a {type(meta).__name__}")
    if meta.get("format") != fmt:
        raise InputError(f"{meta_path}: not a {noun} (format {meta.get('format')!r}, reads "
                         f"{fmt}{hint})")
    for key, types in keys.items():
        if key not in meta:
            raise InputError(f"{meta_path}: missing key {key!r}")
        value = meta[key]
        if not isinstance(value, types) or isinstance(value, bool):
            names = " or ".join(t.__name__ for t in types)
            raise InputError(f"{meta_path}: {key} must be {names}, not {type(value).__name__}")
    return meta


def check_files(path: Path, files: dict, required=()) -> None:
    """``files`` (a meta.json's name -> SHA-256) lists every name of ``required``, and every
    file it lists is in ``path`` with that hash: nothing was edited, damaged or removed."""
    for name in required:
        if name not in files:
            raise InputError(f"{path / META}: files does not list {name}")
    for name, digest in files.items():
        target = path / name
        if not isinstance(digest, str) or not target.is_file():
            raise InputError(f"{target}: missing ({META} lists it)")
        if hashlib.sha256(target.read_bytes()).hexdigest() != digest:
            raise InputError(f"{target}: does not match its SHA-256 in {META} (edited or "
                             "damaged)")


def read_run(run_dir: str | os.PathLike) -> Run:
    """Open a run directory after checking all of it: the format, the types of the
    ``meta.json`` keys, every listed file against its SHA-256, the required files, the
    columns and values of front.csv and the arrays of schedules.npz. Anything wrong is
    an `InputError` naming the file and what is wrong; this is the one reader every
    command uses, so no command acts on a run another would reject."""
    path = Path(run_dir)
    meta_path = path / META
    meta = read_meta(path, FORMAT, META_KEYS, "run directory")
    kind = meta.get("kind", SCHEDULES)
    if kind not in (SCHEDULES, BOUND):
        raise InputError(f"{meta_path}: unknown run kind {kind!r} (reads {SCHEDULES}, {BOUND})")
    required = ["front.csv", "scenario/fleet.csv", "scenario/grid.csv"]
    if kind == SCHEDULES:
        required.append("schedules.npz")
    check_files(path, meta["files"], required)
    _check_normalization(meta_path, meta, required=False)
    front = _read_front(path / "front.csv", meta["n_solutions"])
    if kind == BOUND:
        _check_bound(meta_path, meta, path / "front.csv", front)
    shapes = _check_schedules(path / "schedules.npz", len(front)) if kind == SCHEDULES else {}
    run = Run(path, meta, front)
    # The scenario tables must rebuild the problem (cached for the caller), and the stored
    # schedules must be of its size: no command acts on a run it could not check again.
    scenario = run.scenario
    n, t = scenario.fleet.n, scenario.slots
    if shapes and (shapes["net_load"][1:] != (t,) or shapes["ev_power"][1:] != (n, t)):
        raise InputError(
            f"{path / 'schedules.npz'}: ev_power {shapes['ev_power']} and net_load "
            f"{shapes['net_load']} do not fit the scenario's {n} vehicles x {t} slots"
        )
    return run


def _read_front(front_path: Path, n_solutions: int) -> pd.DataFrame:
    try:
        front = pd.read_csv(front_path)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise InputError(f"{front_path}: not a readable CSV ({exc})") from None
    missing = [c for c in ("solution", *OBJECTIVES) if c not in front.columns]
    if missing:
        raise InputError(f"{front_path}: missing columns {', '.join(missing)}")
    if front.empty:
        raise InputError(f"{front_path}: has no solutions")
    if len(front) != n_solutions:
        raise InputError(f"{front_path}: {len(front)} rows, meta.json says {n_solutions}")
    if not pd.api.types.is_integer_dtype(front["solution"]):
        raise InputError(f"{front_path}: column solution must hold integer ids")
    _check_finite(front_path, front, OBJECTIVES)
    return front


def _check_finite(front_path: Path, front: pd.DataFrame, columns) -> None:
    for name in columns:
        values = pd.to_numeric(front[name], errors="coerce").to_numpy(dtype=float)
        if not np.isfinite(values).all():
            row = int(np.flatnonzero(~np.isfinite(values))[0])
            raise InputError(f"{front_path}: {name} of row {row} is not a finite number")


def _check_normalization(meta_path: Path, meta: dict, required: bool) -> None:
    """A recorded normalisation (runs that scale objectives record theirs; a bound run's
    certificates are stated in it, so it must have one): ``ideal`` and ``nadir``, one
    finite number per objective — what `compare` and the certificates compute with."""
    norm = meta.get("normalization")
    if norm is None and not required:
        return
    if not isinstance(norm, dict):
        what = "a bound run needs" if required else "must hold"
        raise InputError(f"{meta_path}: {what} normalization (ideal and nadir)")
    for key in ("ideal", "nadir"):
        values = norm.get(key)
        if not (
            isinstance(values, list)
            and len(values) == len(OBJECTIVES)
            and all(isinstance(v, int | float) and not isinstance(v, bool) for v in values)
        ):
            raise InputError(
                f"{meta_path}: normalization.{key} must be {len(OBJECTIVES)} finite numbers"
            )
    try:
        Normalization(norm["ideal"], norm["nadir"])  # finite, nadir not below ideal
    except InputError as exc:
        raise InputError(f"{meta_path}: normalization: {exc}") from None


def _check_bound(meta_path: Path, meta: dict, front_path: Path, front: pd.DataFrame) -> None:
    """What a bound run's certificates need: the normalisation they are stated in and
    finite weight and bound columns."""
    _check_normalization(meta_path, meta, required=True)
    missing = [c for c in (*BOUND_WEIGHT_COLUMNS, "bound") if c not in front.columns]
    if missing:
        raise InputError(f"{front_path}: a bound run's front.csv lacks {', '.join(missing)}")
    _check_finite(front_path, front, (*BOUND_WEIGHT_COLUMNS, "bound"))


def _check_schedules(npz_path: Path, n_solutions: int) -> dict[str, tuple]:
    """The arrays schedules.npz must hold, by their headers (no array is loaded); returns
    every array's shape."""
    try:
        with zipfile.ZipFile(npz_path) as zf:
            shapes = {}
            for info in zf.infolist():
                with zf.open(info) as fh:
                    major, _ = np.lib.format.read_magic(fh)
                    read_header = (
                        np.lib.format.read_array_header_1_0
                        if major == 1
                        else np.lib.format.read_array_header_2_0
                    )
                    shape, _, _ = read_header(fh)
                shapes[info.filename.removesuffix(".npy")] = shape
    except (zipfile.BadZipFile, ValueError, OSError, EOFError) as exc:
        raise InputError(f"{npz_path}: not a readable .npz archive ({exc})") from None
    for name in SCHEDULE_ARRAYS:
        if name not in shapes:
            raise InputError(f"{npz_path}: no array {name!r}")
    if len(shapes["net_load"]) != 2 or shapes["net_load"][0] != n_solutions:
        raise InputError(
            f"{npz_path}: net_load has shape {shapes['net_load']}, front.csv has {n_solutions} rows"
        )
    if len(shapes["ev_power"]) != 3 or shapes["ev_power"][0] != shapes["ev_solutions"][0]:
        raise InputError(f"{npz_path}: ev_power and ev_solutions do not match")
    return shapes

"""Front-quality indicators in the normalisation of docs/model.md §10.

Objectives are min-max normalised with the reference front's ideal and nadir (its column
minimum and maximum), ``F̃ = (F - ideal) / (nadir - ideal)``; a coordinate with a zero range
is 0 for every point. The hypervolume's reference point is 1.1 in every coordinate; points
outside that box contribute nothing. Hypervolume, IGD+ and the additive epsilon come from
moocore (the library pymoo's hypervolume uses); Schott's spacing is computed here.

- ``hv_ratio = HV(front) / HV(reference front)``: 1 for the reference itself; it can exceed 1
  when the front is better than the reference somewhere.
- ``igd_plus``: mean over reference points of the distance to the front counting only the
  coordinates where the front is worse (Ishibuchi et al. 2015); 0 iff the front weakly
  dominates every reference point.
- ``epsilon``: smallest ``e`` such that every reference point is weakly dominated by some
  front point shifted by ``-e`` in every coordinate (Zitzler et al. 2003).
- ``spacing``: Schott's spacing, the standard deviation (``n - 1`` denominator) of each
  point's L1 distance to its nearest neighbour; 0 for evenly spaced points.

All objectives are minimised; fronts are arrays [S, M]. `compare_runs` tabulates them for
run directories of one scenario (``v2g-pareto compare``).
"""

from __future__ import annotations

import moocore
import numpy as np
import pandas as pd

from models.errors import InputError
from moo.exact.bound import Certificate
from moo.util.normalization import Normalization


def _as_front(f) -> np.ndarray:  # [S, M]
    f = np.asarray(f, dtype=np.float64)
    if f.ndim != 2:
        raise ValueError(f"a front must be a 2-D array [S, M], got shape {f.shape}")
    return f


def reference_normalization(f_ref) -> tuple[np.ndarray, np.ndarray]:
    """Ideal and nadir of a reference front: its column minimum and maximum."""
    f_ref = _as_front(f_ref)
    return f_ref.min(axis=0), f_ref.max(axis=0)


def hypervolume(f, ideal, nadir) -> float:
    """Hypervolume of a front normalised by (ideal, nadir), reference point 1.1 everywhere."""
    return Normalization(ideal, nadir).hypervolume(_as_front(f))


def hv_ratio(f, f_ref) -> float:
    """HV(front) / HV(reference front), both normalised by the reference's ideal and nadir."""
    ideal, nadir = reference_normalization(f_ref)
    hv_ref = hypervolume(f_ref, ideal, nadir)
    return hypervolume(f, ideal, nadir) / hv_ref if hv_ref > 0 else float("nan")


def igd_plus(f, f_ref) -> float:
    """IGD+ of a front against a reference front, in the reference's normalisation."""
    norm = Normalization(*reference_normalization(f_ref))
    z = norm.apply(_as_front(f))
    if len(z) == 0:
        return float("nan")
    return float(moocore.igd_plus(z, ref=norm.apply(_as_front(f_ref))))


def epsilon_additive(f, f_ref) -> float:
    """Additive epsilon of a front against a reference front, in the reference's normalisation."""
    norm = Normalization(*reference_normalization(f_ref))
    z = norm.apply(_as_front(f))
    if len(z) == 0:
        return float("nan")
    return float(moocore.epsilon_additive(z, ref=norm.apply(_as_front(f_ref))))


def spacing(f, ideal=None, nadir=None) -> float:
    """Schott's spacing (normalised by (ideal, nadir) when given); NaN for fewer than 2 points."""
    f = _as_front(f)
    if ideal is not None:
        f = Normalization(ideal, nadir).apply(f)
    if len(f) < 2:
        return float("nan")
    dist = np.abs(f[:, None, :] - f[None, :, :]).sum(axis=2)  # [S, S] L1
    np.fill_diagonal(dist, np.inf)
    nearest = dist.min(axis=1)
    return float(np.sqrt(((nearest - nearest.mean()) ** 2).sum() / (len(f) - 1)))


def quality(f, f_ref=None, *, ideal=None, nadir=None) -> dict:
    """All indicators of one front.

    With a reference front the normalisation is the reference's and ``hv_ratio``,
    ``igd_plus`` and ``epsilon`` are computed; without one they are None and the
    normalisation is ``ideal``/``nadir`` if given, else the front's own.
    """
    f = _as_front(f)
    if f_ref is not None:
        f_ref = _as_front(f_ref)
        ideal, nadir = reference_normalization(f_ref)
    elif ideal is None or nadir is None:
        ideal, nadir = reference_normalization(f)
    out = {
        "n_points": len(f),
        "hv": hypervolume(f, ideal, nadir),
        "hv_ratio": None,
        "igd_plus": None,
        "epsilon": None,
        "spacing": spacing(f, ideal, nadir),
    }
    if f_ref is not None:
        out["hv_ratio"] = hv_ratio(f, f_ref)
        out["igd_plus"] = igd_plus(f, f_ref)
        out["epsilon"] = epsilon_additive(f, f_ref)
    return out


def _scenario_key(meta: dict) -> tuple:
    sc = meta.get("scenario", {})
    return sc.get("name"), sc.get("fleet_seed"), sc.get("n_vehicles")


def _describe(run, key: tuple) -> str:
    return f"{run.path}: scenario {key[0]!r} (fleet_seed {key[1]}, {key[2]} vehicles)"


def compare_runs(runs: list, reference=None, bound=None) -> list[dict]:
    """One row of indicators per run (`moo.rundir.Run`), in one normalisation.

    With a ``reference`` run the normalisation is its front's ideal/nadir and ``hv_ratio``,
    ``igd_plus`` and ``epsilon`` are filled in; without one, HV uses the bound run's
    normalisation if one is given, else the first run's ``meta["normalization"]`` if it has
    one, else the ideal/nadir of all the runs together, and the three are None. With a
    ``bound`` run (`moo.exact.bound`) each row also gets ``certified_hv_ratio``,
    ``certified_gap`` and the lattice weights (cost/variance/peak-valley) of that gap,
    ``worst_gap_weights`` (`Certificate.certify`). Runs of different scenarios (name,
    fleet_seed, vehicles) are an `InputError`, and so is a bound run among the fronts.
    """
    if not runs:
        raise InputError("compare: give at least one run directory")
    for run in [*runs, *([] if reference is None else [reference])]:
        run.require_schedules("compared as a front (give it as --bound)")
    first = reference if reference is not None else runs[0]
    key = _scenario_key(first.meta)
    for run in [*runs, *([] if bound is None else [bound])]:
        if _scenario_key(run.meta) != key:
            raise InputError(
                f"{_describe(run, _scenario_key(run.meta))} differs from {_describe(first, key)}:"
                " fronts of different scenarios cannot be compared"
            )
    f_ref = None if reference is None else reference.objectives
    certificate = None if bound is None else Certificate.of(bound)
    ideal = nadir = None
    if f_ref is None and certificate is not None:
        ideal, nadir = certificate.normalization.ideal, certificate.normalization.nadir
    elif f_ref is None:
        norm = runs[0].normalization
        if norm is not None:
            ideal, nadir = norm.ideal, norm.nadir
        else:
            ideal, nadir = reference_normalization(np.vstack([r.objectives for r in runs]))
    rows = []
    for run in runs:
        q = quality(run.objectives, f_ref, ideal=ideal, nadir=nadir)
        meta = run.meta
        rows.append(
            {
                "run": str(run.path),
                "algorithm": meta.get("algorithm"),
                "encoding": (meta.get("parameters") or {}).get("encoding"),
                "seed": meta.get("seed"),
                "n_evals": meta.get("n_evals"),
                "wall_time_s": meta.get("wall_time_s"),
                "n_points": q["n_points"],
                "hv": _finite_or_none(q["hv"]),
                "hv_ratio": _finite_or_none(q["hv_ratio"]),
                "igd_plus": _finite_or_none(q["igd_plus"]),
                "epsilon": _finite_or_none(q["epsilon"]),
            }
        )
        if certificate is not None:
            cert = certificate.certify(run.objectives)
            rows[-1]["certified_hv_ratio"] = _finite_or_none(cert["certified_hv_ratio"])
            rows[-1]["certified_gap"] = _finite_or_none(cert["certified_gap"])
            w = cert["worst_gap_weights"]  # where the run falls furthest behind the bound
            rows[-1]["worst_gap_weights"] = None if w is None else "/".join(f"{x:.2f}" for x in w)
    return rows


def _finite_or_none(value):
    return None if value is None or not np.isfinite(value) else float(value)


def compare_text(rows: list[dict]) -> str:
    """`compare_runs` rows as a fixed-width table, one line per run."""

    def cell(value) -> str:
        if value is None:
            return "-"
        return f"{value:.6g}" if isinstance(value, float) else str(value)

    table = pd.DataFrame([{k: cell(v) for k, v in row.items()} for row in rows])
    return table.set_index("run").to_string()
